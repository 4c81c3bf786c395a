//! The collection chain over the stored city: trips, mixed-transport findings and the mass
//! balance (`fenlei chain trips|check|balance`), findings stored in the governance database
//! and, on request, a rectification case per finding for the unit concerned.
//!
//! The store is read for a window around the period asked: pickups and tickets from
//! `lookback` days before it (a bin's previous pickup, the put-ins since) to one day after it
//! (the period's last trips' tickets), widened to the periods of the treatment reports that
//! overlap it (their input is shared among the loads of their whole period). Put-ins come
//! into [`fenlei_chain::Chain`] day by day, the days shared among as many threads as there are
//! cores, each into its own [`fenlei_chain::Tally`]: as the store's bin-day sums
//! ([`fenlei_domain::BinDay`]), and from the log one by one (only their weights decoded) for
//! the bins a pickup emptied in the middle of their day's put-ins, or for a whole day when the
//! store keeps no sums yet.

use crate::AppError;
use crate::report::table;
use fenlei_chain::{BalanceRow, Chain, ChainInput, Finding, Grain, Rule, Tolerances, TripRow};
use fenlei_domain::{Day, DayRange, Event, Level, Timestamp, UnitId};
use fenlei_governance::GovernanceDb;
use fenlei_governance::cases::{self, NewCase};
use fenlei_governance::findings::{FindingLog, StoredFinding};
use fenlei_store::EmbeddedStore;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Days read before the period: a bin's previous pickup (hazardous bins are emptied weekly).
pub const DEFAULT_LOOKBACK_DAYS: u32 = 8;

/// Reads the store's events around `range` and reconciles them: the trips, then the put-ins'
/// weights from the first day a bin's previous pickup needs, the days shared among the cores
/// (one [`fenlei_chain::Tally`] per thread).
pub fn reconcile(
    store: &EmbeddedStore,
    range: DayRange,
    lookback_days: u32,
    tolerances: Tolerances,
) -> Result<Chain<'_>, AppError> {
    let mut chain = trips_of(store, range, lookback_days, tolerances)?;
    let mut days = store.put_in_days();
    let first = chain.first_day_needed();
    days.retain(|&d| d >= first && d <= range.to);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(days.len())
        .max(1);
    let reader = store.put_in_reader();
    let from_sums = store.bin_days_kept()?;
    let next = AtomicUsize::new(0);
    let credits = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (chain, days, next) = (&chain, &days, &next);
                let sums = from_sums.then(|| store.bin_day_reader()).transpose();
                scope.spawn(move || -> Result<_, AppError> {
                    let sums = sums?;
                    let mut tally = chain.tally();
                    let (mut buf, mut bin_days) = (Vec::new(), Vec::new());
                    while let Some(&day) = days.get(next.fetch_add(1, Ordering::Relaxed)) {
                        tally.begin_day(day);
                        let Some(sums) = &sums else {
                            reader.weights_of_day(day, &mut buf, |w| {
                                tally.add(w.second, w.point, w.category, w.grams)
                            })?;
                            continue;
                        };
                        sums.day(day, &mut bin_days)?;
                        let mut split = false;
                        for b in &bin_days {
                            split |= !tally.add_bin_day(b);
                        }
                        if split {
                            reader.weights_of_day(day, &mut buf, |w| {
                                tally.add_to_split(w.second, w.point, w.category, w.grams)
                            })?;
                        }
                    }
                    Ok(tally.finish())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a put-in reader panicked"))
            .collect::<Result<Vec<_>, _>>()
    })?;
    chain.absorb_all(credits);
    Ok(chain)
}

/// The chain of `range` with its trips, tickets and treatment reports but no put-ins: enough
/// for trips and weighbridge tonnage, not for the put-in side of the balance or the pickup
/// plausibility rule.
pub fn trips_of(
    store: &EmbeddedStore,
    range: DayRange,
    lookback_days: u32,
    tolerances: Tolerances,
) -> Result<Chain<'_>, AppError> {
    let mut treatments = Vec::new();
    for e in store.other_events_of(
        "treatment",
        DayRange {
            from: range.from.plus(-400),
            to: range.to,
        },
    )? {
        if let Event::Treatment(t) = e
            && t.to >= range.from
        {
            treatments.push(t);
        }
    }
    let mut from = range.from.plus(-(lookback_days as i32));
    let mut to = range.to.plus(1);
    for t in &treatments {
        from = from.min(t.from);
        to = to.max(t.to);
    }
    let pickups: Vec<_> = store
        .other_events_of("pickup", DayRange { from, to })?
        .into_iter()
        .filter_map(|e| match e {
            Event::Pickup(p) => Some(p),
            _ => None,
        })
        .collect();
    let tickets: Vec<_> = store
        .other_events_of("weigh_ticket", DayRange { from, to })?
        .into_iter()
        .filter_map(|e| match e {
            Event::WeighTicket(t) => Some(t),
            _ => None,
        })
        .collect();
    let latest = pickups
        .iter()
        .map(|p| p.time)
        .chain(tickets.iter().map(|t| t.time))
        .max()
        .unwrap_or(Timestamp::at(range.to.plus(1), 0));
    let days = store.put_in_days();
    let put_ins_from = range.from.plus(-(lookback_days as i32));
    let history_complete = days.first().is_none_or(|&d| d >= put_ins_from);
    Ok(Chain::new(ChainInput {
        model: store.model(),
        period: range,
        pickups,
        tickets,
        treatments,
        data_end: latest.min(Timestamp::at(to.plus(1), 0)),
        put_ins_from,
        history_complete,
        tolerances,
    }))
}

/// Trips as a table.
pub fn render_trips(rows: &[TripRow]) -> String {
    let header = vec![
        [
            "start",
            "truck",
            "of",
            "pickups",
            "points",
            "lifted kg",
            "ticket",
            "at",
            "declared",
            "net kg",
            "status",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.start.to_string(),
                r.vehicle.clone(),
                r.vehicle_category.key().into(),
                r.pickups.to_string(),
                r.points.to_string(),
                r.picked_kg
                    .iter()
                    .map(|(c, kg)| format!("{c} {kg:.1}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                r.ticket.clone().unwrap_or_else(|| "—".into()),
                r.facility.clone().unwrap_or_default(),
                r.ticket_category.map(|c| c.key()).unwrap_or("").into(),
                r.net_kg.map(|k| format!("{k:.1}")).unwrap_or_default(),
                serde_json::to_value(r.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table(&header, &body, 99)
}

/// Findings as a list: one line each, then its evidence indented.
pub fn render_findings(findings: &[Finding], tolerances: &Tolerances) -> String {
    let mut out = String::new();
    for rule in Rule::ALL {
        let n = findings.iter().filter(|f| f.rule == rule).count();
        out += &format!("{:<28} {:<10} {n}\n", rule.key(), rule.label_zh());
    }
    out += &format!(
        "tolerances: stages {:.0} %, pickup vs put-ins {:.0} % and {:.1} kg, ticket within {} h of the last pickup\n\n",
        tolerances.balance * 100.0,
        tolerances.pickup_relative * 100.0,
        tolerances.pickup_absolute_grams as f64 / 1000.0,
        tolerances.max_trip_gap_s / 3600
    );
    for f in findings {
        out += &format!(
            "{} {} {} ({}): {}\n",
            f.day, f.rule, f.unit, f.unit_name, f.summary
        );
        for e in &f.evidence {
            out += &format!(
                "    {} {}{}: {}\n",
                e.kind,
                e.id,
                e.time.map(|t| format!(" {t}")).unwrap_or_default(),
                e.detail
            );
        }
    }
    out
}

/// The balance as a table, gaps listed under it.
pub fn render_balance(rows: &[BalanceRow]) -> String {
    let header = vec![
        [
            "unit",
            "category",
            "period",
            "put in",
            "emptied",
            "lifted",
            "ticketed",
            "delivered",
            "treated",
            "recovered",
            "gaps",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut notes = String::new();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let recovered: f64 = r
                .outputs_kg
                .iter()
                .filter(|(k, _)| matches!(**k, "recycled" | "composted" | "digested"))
                .map(|(_, v)| v)
                .sum();
            for g in &r.gaps {
                notes += &format!(
                    "{} {} {}: {} {:.1} kg → {:.1} kg ({:+.1} %): {}\n",
                    r.unit,
                    r.category,
                    r.period,
                    g.stage,
                    g.expected_kg,
                    g.actual_kg,
                    g.relative * 100.0,
                    g.place
                );
            }
            vec![
                r.unit.clone(),
                r.category.key().into(),
                r.period.clone(),
                format!("{:.1}", r.put_in_kg),
                format!("{:.1}", r.emptied_put_in_kg),
                format!("{:.1}", r.picked_up_kg),
                format!("{:.1}", r.ticketed_kg),
                format!("{:.1}", r.delivered_kg),
                if r.awaiting_report_kg > 0.0 {
                    format!(
                        "{:.1} (+{:.1} awaiting report)",
                        r.treated_kg, r.awaiting_report_kg
                    )
                } else {
                    format!("{:.1}", r.treated_kg)
                },
                format!("{:.1}", recovered + 0.0),
                r.gaps.iter().map(|g| g.stage).collect::<Vec<_>>().join(","),
            ]
        })
        .collect();
    let mut out = String::from(
        "kg; put in → emptied (put-ins emptied by the period's pickups) → lifted → ticketed → delivered to a plant → treated → recovered (recycled, composted, digested)\n",
    );
    out += &table(&header, &body, 3);
    if !notes.is_empty() {
        out += "\ngaps beyond the tolerance:\n";
        out += &notes;
    }
    out
}

/// The balance of the units of `level` under `within`.
pub fn balance(
    chain: &Chain<'_>,
    level: Level,
    within: Option<UnitId>,
    grain: Grain,
) -> Vec<BalanceRow> {
    chain.balance(level, within, grain)
}

/// What storing a check's findings did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Recorded {
    /// Findings stored for the first time.
    pub new_findings: usize,
    /// Cases opened (0 unless asked).
    pub cases_opened: usize,
}

fn action_of(rule: Rule) -> &'static str {
    match rule {
        Rule::TruckCategoryMismatch | Rule::MixedTrip | Rule::TicketCategoryMismatch => {
            "收运单位整改: one truck per category (桶车一致), each category delivered and ticketed as itself"
        }
        Rule::TicketWithoutPickups | Rule::PickupsWithoutTicket => {
            "report the missing pickups or weigh ticket, or explain the trip"
        }
        Rule::PickupWeightImplausible => "check the bin's put-in records and the truck's scale",
        Rule::TreatmentInputMismatch => {
            "the plant reconciles its treatment report with its weighbridge tickets"
        }
    }
}

/// Stores the findings (once per key) and, when `open_cases_due` is given, opens a
/// rectification case for each (once per finding), due that many days after `now`.
pub fn record(
    gov: &mut GovernanceDb,
    findings: &[Finding],
    now: Timestamp,
    open_cases_due: Option<u32>,
) -> Result<Recorded, AppError> {
    let rows: Vec<StoredFinding> = findings
        .iter()
        .map(|f| StoredFinding {
            key: f.key.clone(),
            rule: f.rule.key().into(),
            day: f.day.to_string(),
            unit: f.unit.clone(),
            summary: f.summary.clone(),
            body: serde_json::to_string(f).expect("findings serialize"),
            recorded_at: now.0,
            case_id: None,
        })
        .collect();
    let mut out = Recorded {
        new_findings: gov.record_findings(&rows)?,
        cases_opened: 0,
    };
    let Some(days) = open_cases_due else {
        return Ok(out);
    };
    let deadline = Timestamp(now.0 + days as i64 * 86_400);
    for f in findings {
        let responsible = match &f.vehicle {
            Some(v) => format!("{} 收运单位 (truck {v})", f.unit),
            None => match &f.facility {
                Some(fac) => format!("{fac} 处置单位"),
                None => format!("{} 物业", f.unit),
            },
        };
        let new = NewCase {
            origin: format!("chain:{}", f.key),
            unit: f.unit.clone(),
            responsible,
            problem: format!("{} {}: {}", f.rule.label_zh(), f.rule, f.summary),
            action: action_of(f.rule).into(),
            deadline,
        };
        let (case, created) =
            cases::open(gov, new, "chain", now).map_err(crate::govern::cases::case_error)?;
        gov.set_finding_case(&f.key, case.id)?;
        out.cases_opened += created as usize;
    }
    Ok(out)
}

/// The stored findings of `range`, as JSON values (what `check` found on earlier runs).
pub fn stored(gov: &GovernanceDb, range: DayRange) -> Result<Vec<StoredFinding>, AppError> {
    Ok(gov.findings_between(&range.from.to_string(), &range.to.to_string())?)
}

/// The default period's last day when none is given: the store's last simulated day.
pub fn default_to(store: &EmbeddedStore) -> Result<Day, AppError> {
    Ok(crate::report::last_day(store)?.unwrap_or_else(|| Day::today().plus(-1)))
}

/// A day's stored collection plan for a category (the newest, or plan `id`; in `district`
/// if given) against the day's pickups and tickets.
pub fn plan_vs_actual(
    store: &EmbeddedStore,
    day: Day,
    category: fenlei_domain::Category,
    district: Option<UnitId>,
    id: Option<i64>,
    late_after_minutes: i64,
) -> Result<fenlei_chain::plan::PlanVsActual, AppError> {
    let summary = store
        .plans()?
        .into_iter()
        .find(|p| match id {
            Some(id) => p.id == id,
            None => {
                p.day == day && p.category == category && district.is_none_or(|d| p.district == d)
            }
        })
        .ok_or_else(|| {
            AppError::Usage(match id {
                Some(id) => format!("no stored plan {id}"),
                None => format!(
                    "no stored {category} plan for {day}: make one with `fenlei plan --category {category} --date {day}`"
                ),
            })
        })?;
    let plan = store
        .plan(summary.id)?
        .ok_or_else(|| AppError::Usage(format!("no stored plan {}", summary.id)))?;
    let pickups: Vec<_> = store
        .other_events_of(
            "pickup",
            DayRange {
                from: plan.day,
                to: plan.day,
            },
        )?
        .into_iter()
        .filter_map(|e| match e {
            Event::Pickup(p) => Some(p),
            _ => None,
        })
        .collect();
    let tickets: Vec<_> = store
        .other_events_of(
            "weigh_ticket",
            DayRange {
                from: plan.day,
                to: plan.day,
            },
        )?
        .into_iter()
        .filter_map(|e| match e {
            Event::WeighTicket(t) => Some(t),
            _ => None,
        })
        .collect();
    Ok(fenlei_chain::plan::plan_vs_actual(
        store.model(),
        &plan,
        &pickups,
        &tickets,
        late_after_minutes * 60,
        &crate::plan::metres,
    ))
}

/// The comparison in words and a table of the late and missed points.
pub fn render_plan_vs_actual(r: &fenlei_chain::plan::PlanVsActual) -> String {
    let mut out = format!(
        "plan {} ({} {} {}) against the trucks\n\
         points planned {}: on time {}, late {} (more than {} min after the planned start), missed {}; \
         served by another truck than planned {}; unplanned pickups {}\n\
         trucks planned {} [{}], used {} [{}]\n\
         distance planned {:.1} km, driven {:.1} km ({:+.1} km); expected {:.1} kg, lifted {:.1} kg\n",
        r.plan,
        r.district,
        r.category,
        r.day,
        r.planned_points,
        r.on_time,
        r.late,
        r.late_after_minutes,
        r.missed.len(),
        r.other_truck,
        r.unplanned.len(),
        r.planned_trucks.len(),
        r.planned_trucks.join(" "),
        r.actual_trucks.len(),
        r.actual_trucks.join(" "),
        r.planned_km,
        r.actual_km,
        r.extra_km,
        r.expected_kg,
        r.lifted_kg
    );
    let header = vec![
        [
            "point",
            "planned truck",
            "truck",
            "planned",
            "actual",
            "min late",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut rows: Vec<Vec<String>> = r
        .missed
        .iter()
        .map(|m| {
            vec![
                m.point.clone(),
                m.planned_truck.clone(),
                "missed".into(),
                m.planned.to_string(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    rows.extend(
        r.served
            .iter()
            .filter(|s| s.minutes_late > r.late_after_minutes)
            .map(|s| {
                vec![
                    s.point.clone(),
                    s.planned_truck.clone(),
                    s.truck.clone(),
                    s.planned.to_string(),
                    s.actual.to_string(),
                    s.minutes_late.to_string(),
                ]
            }),
    );
    if !rows.is_empty() {
        out += "\n";
        out += &table(&header, &rows, 5);
    }
    out
}

/// What `fenlei chain reconcile` stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct WeighedStored {
    /// Point-day-category rows attributed.
    pub point_rows: u64,
    /// Unit-day rows written (every level).
    pub unit_rows: u64,
    /// Lifted weight of the ticketed pickups, kg.
    pub lifted_kg: f64,
    /// Their share of the weigh tickets, kg.
    pub ticketed_kg: f64,
}

/// Reconciles the trips of `range` month by month (a day's trips end with tickets up to a day
/// later) and stores each point's weighbridge tonnage, replacing what an earlier run stored
/// for those days: the `recycling_rate@3` and `resource_utilisation_rate@3` formulas read it.
pub fn store_weighed(
    store: &mut EmbeddedStore,
    range: DayRange,
    lookback_days: u32,
    tolerances: Tolerances,
    progress: &mut dyn crate::progress::Progress,
) -> Result<WeighedStored, AppError> {
    let mut out = WeighedStored::default();
    progress.start("reconciling trips", range.len() as u64, "days");
    let mut from = range.from;
    while from <= range.to {
        let to = from.next_month_start().plus(-1).min(range.to);
        let chunk = DayRange { from, to };
        let rows = trips_of(store, chunk, lookback_days, tolerances)?.weighed();
        out.point_rows += rows.len() as u64;
        out.lifted_kg += rows
            .iter()
            .map(|r| r.weighed.lifted_grams as f64)
            .sum::<f64>()
            / 1000.0;
        out.ticketed_kg += rows
            .iter()
            .map(|r| r.weighed.ticketed_grams as f64)
            .sum::<f64>()
            / 1000.0;
        out.unit_rows += store.replace_weighed(chunk, &rows)?;
        progress.set((to.0 - range.from.0 + 1) as u64);
        from = to.plus(1);
    }
    progress.finish(&format!(
        "{:.1} t lifted on ticketed trips, {:.1} t by their weigh tickets",
        out.lifted_kg / 1000.0,
        out.ticketed_kg / 1000.0
    ));
    Ok(out)
}
