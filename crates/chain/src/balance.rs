//! The mass balance: put-in → picked up → ticketed → forwarded → treated → outputs by route,
//! per category, unit and day or month.
//!
//! Attribution: a pickup counts at its point on its day. A ticket's net weight is shared among
//! its trip's pickups of the ticket's category (all pickups when none is), by weight, and
//! counts under the ticket's declared category, so waste ticketed as another category shows as
//! a gap in both. A ticket without pickups counts at its district. A ticket at a transfer
//! station is forwarded in the proportion of that district's onward loads (tickets without a
//! truck) to its district's transfer-station deliveries that day, split over their plants. A
//! plant's treatment report is shared among the loads delivered in its period (its input over
//! their net weight, per category) and its outputs in the report's proportions. Loads no report
//! covers yet are "awaiting report", not a gap.
//!
//! Each stage is compared with the one before; a gap beyond the balance tolerance (and 1 kg) is
//! flagged with its likely place in the chain.

use crate::rules::ticket_district;
use crate::trips::TripStatus;
use crate::{Chain, kg};
use fenlei_domain::{
    Category, Day, FacilityId, FacilityKind, Level, PointWeighed, TreatmentRoute, UnitId,
    WeighTicket, Weighed,
};
use foldhash::HashMap;
use std::collections::BTreeMap;

/// Rows per day or per calendar month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    /// One row per day.
    Day,
    /// One row per calendar month (the part of it inside the period).
    Month,
}

const ROUTES: usize = 5;

#[derive(Clone, Copy, Debug, Default)]
struct Flows {
    put_in: f64,
    collected: f64,
    checked_picked: f64,
    picked: f64,
    open: f64,
    ticketed: f64,
    onward: f64,
    covered_onward: f64,
    treated: f64,
    outputs: [f64; ROUTES],
}

/// A stage of the chain where the weight does not carry on.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Gap {
    /// `collection`, `transport`, `transfer`, `treatment` or `outputs`.
    pub stage: &'static str,
    /// The likely place, in words.
    pub place: String,
    /// Weight entering the stage, kg.
    pub expected_kg: f64,
    /// Weight leaving it, kg.
    pub actual_kg: f64,
    /// (actual − expected) / expected.
    pub relative: f64,
}

/// One unit, category and day or month of the balance.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct BalanceRow {
    /// The unit's code.
    pub unit: String,
    /// Its name.
    pub unit_name: String,
    /// The category.
    pub category: Category,
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub period: String,
    /// Put in during the period, kg.
    pub put_in_kg: f64,
    /// Put in before the period's pickups and emptied by them (pickups with a complete
    /// history), kg.
    pub emptied_put_in_kg: f64,
    /// Lifted by trucks, kg.
    pub picked_up_kg: f64,
    /// Of that, on trips still awaiting their ticket at the end of the data, kg.
    pub awaiting_ticket_kg: f64,
    /// Ticketed at a weighbridge under this category, kg.
    pub ticketed_kg: f64,
    /// Delivered to a plant (directly, or forwarded by a transfer station), kg.
    pub delivered_kg: f64,
    /// Of that, not yet covered by a treatment report, kg.
    pub awaiting_report_kg: f64,
    /// Treated (plant input by the reports), kg.
    pub treated_kg: f64,
    /// Outputs by route, kg.
    pub outputs_kg: BTreeMap<&'static str, f64>,
    /// Stages whose gap exceeds the tolerance.
    pub gaps: Vec<Gap>,
}

/// What one gram of a ticket becomes downstream.
#[derive(Clone, Copy, Debug, Default)]
struct Down {
    onward: f64,
    covered: f64,
    treated: f64,
    outputs: [f64; ROUTES],
}

/// A report's period, treated grams per delivered gram and outputs per delivered gram.
type Factor = (Day, Day, f64, [f64; ROUTES]);

struct Reports {
    /// (facility, category) → the reports' factors.
    factors: HashMap<(FacilityId, Category), Vec<Factor>>,
}

impl Reports {
    fn build(chain: &Chain<'_>) -> Reports {
        let mut factors: HashMap<(FacilityId, Category), Vec<_>> = HashMap::default();
        for r in &chain.treatments {
            let mut delivered: HashMap<Category, u64> = HashMap::default();
            for t in &chain.tickets {
                let day = t.time.day();
                if t.facility == r.facility && day >= r.from && day <= r.to {
                    *delivered.entry(t.category).or_default() += t.net_grams;
                }
            }
            for &(c, input) in &r.input {
                let got = delivered.get(&c).copied().unwrap_or(0);
                if got == 0 || input == 0 {
                    continue;
                }
                let mut outputs = [0.0; ROUTES];
                for f in r.output.iter().filter(|f| f.category == c) {
                    outputs[f.route as usize] += f.grams as f64 / got as f64;
                }
                factors.entry((r.facility, c)).or_default().push((
                    r.from,
                    r.to,
                    input as f64 / got as f64,
                    outputs,
                ));
            }
        }
        Reports { factors }
    }

    /// Treated and outputs per delivered gram at `facility` on `day`, if a report covers it.
    fn at(&self, facility: FacilityId, c: Category, day: Day) -> Option<(f64, [f64; ROUTES])> {
        self.factors.get(&(facility, c)).and_then(|v| {
            v.iter()
                .find(|(from, to, _, _)| day >= *from && day <= *to)
                .map(|&(_, _, t, o)| (t, o))
        })
    }
}

struct Transfers {
    /// (district, day, category) → grams delivered to transfer stations by collection trucks.
    inflow: HashMap<(UnitId, Day, Category), f64>,
    /// (district, day, category) → onward grams per plant.
    onward: HashMap<(UnitId, Day, Category), Vec<(FacilityId, f64)>>,
}

fn is_transfer(chain: &Chain<'_>, t: &WeighTicket) -> bool {
    chain.model.facilities[t.facility.0 as usize].kind == FacilityKind::TransferStation
}

impl Transfers {
    fn build(chain: &Chain<'_>) -> Transfers {
        let mut inflow: HashMap<_, f64> = HashMap::default();
        let mut onward: HashMap<_, Vec<(FacilityId, f64)>> = HashMap::default();
        for t in &chain.tickets {
            let Some(d) = ticket_district(chain, t) else {
                continue;
            };
            let key = (d, t.time.day(), t.category);
            if t.vehicle.is_some() {
                if is_transfer(chain, t) {
                    *inflow.entry(key).or_default() += t.net_grams as f64;
                }
            } else if !is_transfer(chain, t) {
                let list = onward.entry(key).or_default();
                match list.iter_mut().find(|(f, _)| *f == t.facility) {
                    Some((_, g)) => *g += t.net_grams as f64,
                    None => list.push((t.facility, t.net_grams as f64)),
                }
            }
        }
        Transfers { inflow, onward }
    }
}

fn down(chain: &Chain<'_>, reports: &Reports, transfers: &Transfers, t: &WeighTicket) -> Down {
    let day = t.time.day();
    let c = t.category;
    let mut d = Down::default();
    let deliver = |d: &mut Down, facility: FacilityId, share: f64| {
        d.onward += share;
        if let Some((treated, outputs)) = reports.at(facility, c, day) {
            d.covered += share;
            d.treated += share * treated;
            for (o, x) in d.outputs.iter_mut().zip(outputs) {
                *o += share * x;
            }
        }
    };
    if is_transfer(chain, t) {
        let Some(district) = ticket_district(chain, t) else {
            return d;
        };
        let key = (district, day, c);
        let inflow = transfers.inflow.get(&key).copied().unwrap_or(0.0);
        if inflow > 0.0 {
            for &(f, g) in transfers.onward.get(&key).map(Vec::as_slice).unwrap_or(&[]) {
                deliver(&mut d, f, g / inflow);
            }
        }
    } else {
        deliver(&mut d, t.facility, 1.0);
    }
    d
}

fn add_ticket(flows: &mut Flows, grams: f64, d: &Down) {
    flows.ticketed += grams;
    flows.onward += grams * d.onward;
    flows.covered_onward += grams * d.covered;
    flows.treated += grams * d.treated;
    for r in 0..ROUTES {
        flows.outputs[r] += grams * d.outputs[r];
    }
}

/// Where a point-day's flows are summed: the unit of the rows' level it lies under (none when
/// outside the unit asked for, or above the level) and the first day of the row's period.
struct RowKeys {
    /// Per unit id: its row's unit, or `NO_ROW`.
    target: Vec<u32>,
    grain: Grain,
}

const NO_ROW: u32 = u32::MAX;

/// Flows per row: unit, category and the first day of the row's period.
type Rows = HashMap<(UnitId, Category, Day), Flows>;

impl RowKeys {
    fn new(chain: &Chain<'_>, level: Level, within: Option<UnitId>, grain: Grain) -> RowKeys {
        let model = chain.model;
        let target = (0..model.units.len())
            .map(|u| {
                let Some(a) = model.ancestor_at(UnitId(u as u32), level) else {
                    return NO_ROW;
                };
                match within {
                    Some(w) if !model.ancestors(a).any(|x| x == w) => NO_ROW,
                    _ => a.0,
                }
            })
            .collect();
        RowKeys { target, grain }
    }

    /// The flows of the row `unit`'s `c` on `day` counts in, if any.
    #[inline]
    fn at<'m>(
        &self,
        rows: &'m mut Rows,
        unit: UnitId,
        c: Category,
        day: Day,
    ) -> Option<&'m mut Flows> {
        let t = *self.target.get(unit.0 as usize)?;
        let start = match self.grain {
            Grain::Day => day,
            Grain::Month => day.month_start(),
        };
        (t != NO_ROW).then(|| rows.entry((UnitId(t), c, start)).or_default())
    }
}

/// The period's flows summed straight to the rows asked for (a city month holds millions of
/// point-days; an estate-month table a few tens of thousands of rows).
fn flows(chain: &Chain<'_>, keys: &RowKeys) -> Rows {
    let period = chain.period;
    let mut out = Rows::default();
    for &((point, c, day), g) in &chain.put_in {
        if let Some(f) = keys.at(&mut out, UnitId(point), c, day) {
            f.put_in += g as f64;
        }
    }
    for (i, p) in chain.pickups.iter().enumerate() {
        let day = p.time.day();
        if !period.contains(day) {
            continue;
        }
        let Some(f) = keys.at(&mut out, p.point, p.category, day) else {
            continue;
        };
        f.picked += p.grams as f64;
        if chain.complete[i] {
            f.checked_picked += p.grams as f64;
            f.collected += chain.collected[i] as f64;
        }
        let trip = &chain.trips[chain.trip_of_pickup[i] as usize];
        if trip.status == TripStatus::Open {
            f.open += p.grams as f64;
        }
    }
    let reports = Reports::build(chain);
    let transfers = Transfers::build(chain);
    for (ti, t) in chain.tickets.iter().enumerate() {
        if t.vehicle.is_none() {
            continue;
        }
        let d = down(chain, &reports, &transfers, t);
        let (share_of, total) = ticket_shares(chain, ti);
        if share_of.is_empty() {
            let day = t.time.day();
            if period.contains(day) {
                let unit = ticket_district(chain, t).unwrap_or(UnitId(0));
                if let Some(f) = keys.at(&mut out, unit, t.category, day) {
                    add_ticket(f, t.net_grams as f64, &d);
                }
            }
            continue;
        }
        for &i in &share_of {
            let p = &chain.pickups[i];
            let day = p.time.day();
            if !period.contains(day) {
                continue;
            }
            let share = if total > 0.0 {
                p.grams as f64 / total
            } else {
                1.0 / share_of.len() as f64
            };
            if let Some(f) = keys.at(&mut out, p.point, t.category, day) {
                add_ticket(f, t.net_grams as f64 * share, &d);
            }
        }
    }
    out
}

/// The pickups ticket `ti`'s net weight is shared among — its trip's pickups of the ticket's
/// category, or all of the trip's pickups when none is — and their total grams. Empty when the
/// ticket ends no trip with pickups.
fn ticket_shares(chain: &Chain<'_>, ti: usize) -> (Vec<usize>, f64) {
    let t = &chain.tickets[ti];
    let Some(trip) = chain.trip_of_ticket[ti].map(|k| &chain.trips[k as usize]) else {
        return (Vec::new(), 0.0);
    };
    let same: Vec<usize> = trip
        .pickups
        .iter()
        .map(|&i| i as usize)
        .filter(|&i| chain.pickups[i].category == t.category)
        .collect();
    let share_of = if same.is_empty() {
        trip.pickups.iter().map(|&i| i as usize).collect()
    } else {
        same
    };
    let total = share_of
        .iter()
        .map(|&i| chain.pickups[i].grams as f64)
        .sum();
    (share_of, total)
}

/// Per point, day and category of the period: the pickups that a weigh ticket covers, by
/// their lifted weight and by their share of the ticket. Tickets without pickups are left out:
/// they weigh no point's waste.
pub(crate) fn weighed(chain: &Chain<'_>) -> Vec<PointWeighed> {
    let mut acc: BTreeMap<(UnitId, Day, Category), (f64, f64)> = BTreeMap::new();
    for (ti, t) in chain.tickets.iter().enumerate() {
        if t.vehicle.is_none() {
            continue;
        }
        let (share_of, total) = ticket_shares(chain, ti);
        for &i in &share_of {
            let p = &chain.pickups[i];
            let day = p.time.day();
            if !chain.period.contains(day) {
                continue;
            }
            let share = if total > 0.0 {
                p.grams as f64 / total
            } else {
                1.0 / share_of.len() as f64
            };
            let e = acc.entry((p.point, day, t.category)).or_default();
            e.0 += p.grams as f64;
            e.1 += t.net_grams as f64 * share;
        }
    }
    acc.into_iter()
        .map(
            |((point, day, category), (lifted, ticketed))| PointWeighed {
                point,
                day,
                category,
                weighed: Weighed {
                    lifted_grams: lifted.round() as u64,
                    ticketed_grams: ticketed.round() as u64,
                },
            },
        )
        .collect()
}

fn gap(tol: f64, stage: &'static str, place: String, expected: f64, actual: f64) -> Option<Gap> {
    let diff = (actual - expected).abs();
    (diff >= 1000.0 && diff > tol * expected.max(actual)).then(|| Gap {
        stage,
        place,
        expected_kg: kg(expected),
        actual_kg: kg(actual),
        relative: if expected > 0.0 {
            ((actual - expected) / expected * 1000.0).round() / 1000.0
        } else {
            1.0
        },
    })
}

fn gaps(tol: f64, c: Category, f: &Flows) -> Vec<Gap> {
    let more_less = |expected: f64, actual: f64| if actual > expected { "more" } else { "less" };
    let mut out = Vec::new();
    out.extend(gap(
        tol,
        "collection",
        format!(
            "bin → truck: pickups weigh {} than the put-ins they emptied (unreported put-ins, bins not emptied, or the truck's scale)",
            more_less(f.collected, f.checked_picked)
        ),
        f.collected,
        f.checked_picked,
    ));
    let ticketable = f.picked - f.open;
    out.extend(gap(
        tol,
        "transport",
        if f.ticketed < ticketable {
            format!("truck → weighbridge: {c} lifted but not ticketed as {c} (mixed transport, or a trip without ticket: see `fenlei chain check`)")
        } else {
            format!("truck → weighbridge: more ticketed as {c} than lifted (another category's load, or pickups not reported)")
        },
        ticketable,
        f.ticketed,
    ));
    out.extend(gap(
        tol,
        "transfer",
        "transfer station → plant: onward loads differ from what the station received".into(),
        f.ticketed,
        f.onward,
    ));
    out.extend(gap(
        tol,
        "treatment",
        "plant: the treatment report's input differs from the loads delivered".into(),
        f.covered_onward,
        f.treated,
    ));
    out.extend(gap(
        tol,
        "outputs",
        "plant: the report's outputs differ from its input".into(),
        f.treated,
        f.outputs.iter().sum(),
    ));
    out
}

pub(crate) fn rows(
    chain: &Chain<'_>,
    level: Level,
    within: Option<UnitId>,
    grain: Grain,
) -> Vec<BalanceRow> {
    let model = chain.model;
    let keys = RowKeys::new(chain, level, within, grain);
    let mut agg: Vec<_> = flows(chain, &keys).into_iter().collect();
    agg.sort_unstable_by_key(|&(k, _)| k);
    let tol = chain.tol.balance;
    agg.into_iter()
        .map(|((unit, c, start), f)| {
            let u = model.unit(unit);
            let (y, m, _) = start.ymd();
            BalanceRow {
                unit: u.code.clone(),
                unit_name: u.name.clone(),
                category: c,
                period: match grain {
                    Grain::Day => start.to_string(),
                    Grain::Month => format!("{y:04}-{m:02}"),
                },
                put_in_kg: kg(f.put_in),
                emptied_put_in_kg: kg(f.collected),
                picked_up_kg: kg(f.picked),
                awaiting_ticket_kg: kg(f.open),
                ticketed_kg: kg(f.ticketed),
                delivered_kg: kg(f.onward),
                awaiting_report_kg: kg(f.onward - f.covered_onward),
                treated_kg: kg(f.treated),
                outputs_kg: TreatmentRoute::ALL
                    .iter()
                    .enumerate()
                    .filter(|(r, _)| f.outputs[*r] > 0.0)
                    .map(|(r, route)| (route.key(), kg(f.outputs[r])))
                    .collect(),
                gaps: gaps(tol, c, &f),
            }
        })
        .collect()
}
