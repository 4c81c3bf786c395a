//! The named rules of the chain, each finding with its evidence.
//!
//! Mixed transport (混装混运) and its traces:
//!
//! - `truck_category_mismatch`: a truck marked for one category lifts another category's bin
//!   (桶车不一致). One finding per pickup.
//! - `ticket_category_mismatch`: a trip's ticket declares another category than (some of) its
//!   pickups. One finding per trip.
//! - `mixed_trip`: a trip lifts bins of two or more categories between two tickets. One
//!   finding per trip.
//! - `ticket_without_pickups`: a collection truck's ticket with no pickups before it, or an
//!   onward load (no vehicle) from a district whose transfer stations received nothing that
//!   day.
//! - `pickups_without_ticket`: pickups followed by no ticket of their truck within the allowed
//!   time.
//! - `pickup_weight_implausible`: a pickup's weight differs from the put-ins at its bin since
//!   the bin's previous pickup by more than the tolerance (relative and absolute).
//! - `treatment_input_mismatch`: a treatment report's input of a category differs from the
//!   tickets delivered to the facility in its period by more than the balance tolerance.
//!
//! A finding belongs to the day of its first event and to a unit: the estate of the point for
//! pickup rules, the truck's district for trip rules, the ticket's origin for tickets, the city
//! for a plant's report. Its key is stable (rule and event ids), so storing findings or opening
//! cases twice does nothing new.

use crate::trips::TripStatus;
use crate::{Chain, kg};
use fenlei_domain::{
    Category, Day, FacilityKind, Level, Pickup, Timestamp, UnitId, Vehicle, WeighTicket,
};
use foldhash::HashMap;
use std::collections::BTreeMap;

/// A named rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A truck of one category lifts another category's bin.
    TruckCategoryMismatch,
    /// A ticket declares another category than the trip's pickups.
    TicketCategoryMismatch,
    /// A trip lifts bins of two or more categories.
    MixedTrip,
    /// A ticket without pickups.
    TicketWithoutPickups,
    /// Pickups without a ticket.
    PickupsWithoutTicket,
    /// A pickup's weight does not match the put-ins since the bin's last pickup.
    PickupWeightImplausible,
    /// A treatment report's input does not match the tickets it covers.
    TreatmentInputMismatch,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 7] = [
        Rule::TruckCategoryMismatch,
        Rule::TicketCategoryMismatch,
        Rule::MixedTrip,
        Rule::TicketWithoutPickups,
        Rule::PickupsWithoutTicket,
        Rule::PickupWeightImplausible,
        Rule::TreatmentInputMismatch,
    ];

    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            Rule::TruckCategoryMismatch => "truck_category_mismatch",
            Rule::TicketCategoryMismatch => "ticket_category_mismatch",
            Rule::MixedTrip => "mixed_trip",
            Rule::TicketWithoutPickups => "ticket_without_pickups",
            Rule::PickupsWithoutTicket => "pickups_without_ticket",
            Rule::PickupWeightImplausible => "pickup_weight_implausible",
            Rule::TreatmentInputMismatch => "treatment_input_mismatch",
        }
    }

    /// The rule for a key.
    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.key() == s)
    }

    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Rule::TruckCategoryMismatch => "桶车不一致",
            Rule::TicketCategoryMismatch => "过磅类别与收运不符",
            Rule::MixedTrip => "混装",
            Rule::TicketWithoutPickups => "有磅单无收运",
            Rule::PickupsWithoutTicket => "有收运无磅单",
            Rule::PickupWeightImplausible => "收运重量异常",
            Rule::TreatmentInputMismatch => "处置量与进场量不符",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// One piece of evidence: an event, or a sum of events.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evidence {
    /// `pickup`, `weigh_ticket`, `treatment` or `put_ins`.
    pub kind: &'static str,
    /// The event's id (for `put_ins`: the bin, point code and category).
    pub id: String,
    /// When.
    pub time: Option<Timestamp>,
    /// What it says.
    pub detail: String,
}

/// A finding of a rule.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// Stable identity: the rule and its events' ids.
    pub key: String,
    /// The day it belongs to.
    pub day: Day,
    /// The unit concerned (code).
    pub unit: String,
    /// Its name.
    pub unit_name: String,
    /// The truck, if any (code).
    pub vehicle: Option<String>,
    /// The facility, if any (code).
    pub facility: Option<String>,
    /// One sentence.
    pub summary: String,
    /// The events behind it.
    pub evidence: Vec<Evidence>,
}

fn pickup_evidence(chain: &Chain<'_>, p: &Pickup) -> Evidence {
    let m = chain.model;
    Evidence {
        kind: "pickup",
        id: p.id.clone(),
        time: Some(p.time),
        detail: format!(
            "{} lifted the {} bin at {} ({:.1} kg)",
            m.vehicles[p.vehicle.0 as usize].code,
            p.category,
            m.unit(p.point).code,
            kg(p.grams as f64)
        ),
    }
}

fn ticket_evidence(chain: &Chain<'_>, t: &WeighTicket) -> Evidence {
    let m = chain.model;
    Evidence {
        kind: "weigh_ticket",
        id: t.id.clone(),
        time: Some(t.time),
        detail: format!(
            "{} net {:.1} kg declared {}{}",
            m.facilities[t.facility.0 as usize].code,
            kg(t.net_grams as f64),
            t.category,
            t.vehicle
                .map(|v| format!(", truck {}", m.vehicles[v.0 as usize].code))
                .unwrap_or_default()
        ),
    }
}

struct Builder<'c, 'a> {
    chain: &'c Chain<'a>,
    out: Vec<Finding>,
}

impl Builder<'_, '_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        rule: Rule,
        ids: &[&str],
        time: Timestamp,
        unit: UnitId,
        vehicle: Option<&Vehicle>,
        facility: Option<String>,
        summary: String,
        evidence: Vec<Evidence>,
    ) {
        let day = time.day();
        if !self.chain.period.contains(day) {
            return;
        }
        let u = self.chain.model.unit(unit);
        self.out.push(Finding {
            rule,
            key: format!("{}:{}", rule.key(), ids.join("+")),
            day,
            unit: u.code.clone(),
            unit_name: u.name.clone(),
            vehicle: vehicle.map(|v| v.code.clone()),
            facility,
            summary,
            evidence,
        });
    }
}

fn estate_of(chain: &Chain<'_>, point: UnitId) -> UnitId {
    chain
        .model
        .ancestor_at(point, Level::Estate)
        .unwrap_or(point)
}

/// The district a ticket belongs to: its origin's district, else its truck's.
pub(crate) fn ticket_district(chain: &Chain<'_>, t: &WeighTicket) -> Option<UnitId> {
    t.origin
        .and_then(|o| chain.model.ancestor_at(o, Level::District))
        .or_else(|| {
            t.vehicle
                .map(|v| chain.model.vehicles[v.0 as usize].district)
        })
}

pub(crate) fn findings(chain: &Chain<'_>) -> Vec<Finding> {
    let m = chain.model;
    let mut b = Builder {
        chain,
        out: Vec::new(),
    };
    // Pickups: the truck's category, the weight against the bin's put-ins.
    for (i, p) in chain.pickups.iter().enumerate() {
        let vehicle = &m.vehicles[p.vehicle.0 as usize];
        if vehicle.category != p.category {
            b.push(
                Rule::TruckCategoryMismatch,
                &[&p.id],
                p.time,
                estate_of(chain, p.point),
                Some(vehicle),
                None,
                format!(
                    "{} truck {} lifted the {} bin at {}",
                    vehicle.category,
                    vehicle.code,
                    p.category,
                    m.unit(p.point).code
                ),
                vec![pickup_evidence(chain, p)],
            );
        }
        if chain.complete[i] {
            let put = chain.collected[i];
            let picked = p.grams as u64;
            let diff = picked.abs_diff(put);
            let tol = chain.tol;
            if diff > tol.pickup_absolute_grams && diff as f64 > tol.pickup_relative * put as f64 {
                b.push(
                    Rule::PickupWeightImplausible,
                    &[&p.id],
                    p.time,
                    estate_of(chain, p.point),
                    Some(vehicle),
                    None,
                    format!(
                        "{:.1} kg lifted from the {} bin at {}, {:.1} kg put in since its last pickup (tolerance {:.0} % and {:.1} kg)",
                        kg(picked as f64),
                        p.category,
                        m.unit(p.point).code,
                        kg(put as f64),
                        tol.pickup_relative * 100.0,
                        kg(tol.pickup_absolute_grams as f64)
                    ),
                    vec![
                        pickup_evidence(chain, p),
                        Evidence {
                            kind: "put_ins",
                            id: format!("{}/{}", m.unit(p.point).code, p.category),
                            time: None,
                            detail: format!(
                                "{:.1} kg put in since the bin's previous pickup",
                                kg(put as f64)
                            ),
                        },
                    ],
                );
            }
        }
    }
    // Trips.
    for trip in &chain.trips {
        let vehicle = &m.vehicles[trip.vehicle.0 as usize];
        let district = vehicle.district;
        let pickups: Vec<&Pickup> = trip
            .pickups
            .iter()
            .map(|&i| &chain.pickups[i as usize])
            .collect();
        let ticket = trip.ticket.map(|t| &chain.tickets[t as usize]);
        let mut by_category: BTreeMap<Category, u64> = BTreeMap::new();
        for p in &pickups {
            *by_category.entry(p.category).or_default() += p.grams as u64;
        }
        let off_ticket = ticket.is_some_and(|t| by_category.keys().any(|c| *c != t.category));
        let flagged = matches!(trip.status, TripStatus::TicketOnly | TripStatus::Unticketed);
        if by_category.len() <= 1 && !off_ticket && !flagged {
            // Most trips: nothing to say, and no evidence to write.
            continue;
        }
        let ids: Vec<&str> = pickups
            .iter()
            .map(|p| p.id.as_str())
            .chain(ticket.map(|t| t.id.as_str()))
            .collect();
        let mut evidence: Vec<Evidence> =
            pickups.iter().map(|p| pickup_evidence(chain, p)).collect();
        if let Some(t) = ticket {
            evidence.push(ticket_evidence(chain, t));
        }
        let start = pickups
            .first()
            .map(|p| p.time)
            .or(ticket.map(|t| t.time))
            .unwrap_or(Timestamp(0));
        let facility = ticket.map(|t| m.facilities[t.facility.0 as usize].code.clone());
        let split = by_category
            .iter()
            .map(|(c, g)| format!("{c} {:.1} kg", kg(*g as f64)))
            .collect::<Vec<_>>()
            .join(", ");
        if by_category.len() > 1 {
            b.push(
                Rule::MixedTrip,
                &ids,
                start,
                district,
                Some(vehicle),
                facility.clone(),
                format!(
                    "{} lifted bins of {} categories in one trip: {split}",
                    vehicle.code,
                    by_category.len()
                ),
                evidence.clone(),
            );
        }
        if let Some(t) = ticket {
            let other: u64 = by_category
                .iter()
                .filter(|(c, _)| **c != t.category)
                .map(|(_, g)| g)
                .sum();
            if other > 0 {
                b.push(
                    Rule::TicketCategoryMismatch,
                    &ids,
                    start,
                    district,
                    Some(vehicle),
                    facility.clone(),
                    format!(
                        "ticket {} declares {} but the trip lifted {split}",
                        t.id, t.category
                    ),
                    evidence.clone(),
                );
            }
        }
        match trip.status {
            TripStatus::TicketOnly => {
                let t = ticket.expect("a ticket-only trip has its ticket");
                b.push(
                    Rule::TicketWithoutPickups,
                    &[&t.id],
                    t.time,
                    ticket_district(chain, t).unwrap_or(district),
                    Some(vehicle),
                    facility.clone(),
                    format!(
                        "{} was ticketed {:.1} kg of {} with no pickup in the {} h before",
                        vehicle.code,
                        kg(t.net_grams as f64),
                        t.category,
                        chain.tol.max_trip_gap_s / 3600
                    ),
                    evidence.clone(),
                );
            }
            TripStatus::Unticketed => b.push(
                Rule::PickupsWithoutTicket,
                &ids,
                start,
                district,
                Some(vehicle),
                None,
                format!(
                    "{} lifted {split} in {} pickups and no ticket followed within {} h",
                    vehicle.code,
                    pickups.len(),
                    chain.tol.max_trip_gap_s / 3600
                ),
                evidence.clone(),
            ),
            TripStatus::Ticketed | TripStatus::Open => {}
        }
    }
    // Onward loads: from a district whose transfer stations received something that day.
    let mut transfer_days: HashMap<(UnitId, Day), u64> = HashMap::default();
    for t in &chain.tickets {
        if t.vehicle.is_some()
            && m.facilities[t.facility.0 as usize].kind == FacilityKind::TransferStation
            && let Some(d) = ticket_district(chain, t)
        {
            *transfer_days.entry((d, t.time.day())).or_default() += t.net_grams;
        }
    }
    for t in &chain.tickets {
        if t.vehicle.is_none() {
            let district = ticket_district(chain, t);
            let fed = district.is_some_and(|d| transfer_days.contains_key(&(d, t.time.day())));
            if !fed {
                let unit = district.or(t.origin).unwrap_or(UnitId(0));
                b.push(
                    Rule::TicketWithoutPickups,
                    &[&t.id],
                    t.time,
                    unit,
                    None,
                    Some(m.facilities[t.facility.0 as usize].code.clone()),
                    format!(
                        "onward load of {:.1} kg of {} from {} with nothing delivered to its transfer stations that day",
                        kg(t.net_grams as f64),
                        t.category,
                        m.unit(unit).code
                    ),
                    vec![ticket_evidence(chain, t)],
                );
            }
        }
    }
    // Treatment reports against the tickets of their period.
    for r in &chain.treatments {
        let mut delivered: BTreeMap<Category, u64> = BTreeMap::new();
        let mut count = 0;
        for t in &chain.tickets {
            let day = t.time.day();
            if t.facility == r.facility && day >= r.from && day <= r.to {
                *delivered.entry(t.category).or_default() += t.net_grams;
                count += 1;
            }
        }
        let mut categories: Vec<Category> = delivered.keys().copied().collect();
        categories.extend(r.input.iter().map(|(c, _)| *c));
        categories.sort_unstable();
        categories.dedup();
        for c in categories {
            let input = r
                .input
                .iter()
                .filter(|(k, _)| *k == c)
                .map(|(_, g)| g)
                .sum::<u64>();
            let got = delivered.get(&c).copied().unwrap_or(0);
            if input.abs_diff(got) as f64 > chain.tol.balance * got.max(input) as f64 {
                let code = m.facilities[r.facility.0 as usize].code.clone();
                b.push(
                    Rule::TreatmentInputMismatch,
                    &[&r.id, c.key()],
                    Timestamp::at(r.from.max(chain.period.from), 0),
                    UnitId(0),
                    None,
                    Some(code.clone()),
                    format!(
                        "{code} reports {:.1} kg of {c} treated {}..{}, its {count} tickets deliver {:.1} kg (tolerance {:.0} %)",
                        kg(input as f64),
                        r.from,
                        r.to,
                        kg(got as f64),
                        chain.tol.balance * 100.0
                    ),
                    vec![Evidence {
                        kind: "treatment",
                        id: r.id.clone(),
                        time: None,
                        detail: format!("input {c} {:.1} kg", kg(input as f64)),
                    }],
                );
            }
        }
    }
    b.out
        .sort_by(|a, b| (a.rule, a.day, &a.key).cmp(&(b.rule, b.day, &b.key)));
    b.out
}
