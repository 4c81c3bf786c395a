//! Quantities recomputed from the raw events alone (the put-in log and the events table),
//! bypassing every rollup: the reference the rollups are tested against, and an audit tool.
//! Slow by design: it reads every stored event.

use crate::embedded::{EmbeddedStore, StoreError};
use crate::rollup::passes;
use fenlei_domain::{Category, CityConstants, DayRange, Event, Level, Quantities, UnitId};
use std::collections::HashMap;

/// Recomputes quantities for `unit` over `range` from the raw events alone, bypassing every
/// rollup: the reference the rollups are tested against.
pub fn recompute(
    store: &EmbeddedStore,
    unit: UnitId,
    range: DayRange,
) -> Result<Quantities, StoreError> {
    let model = store.model();
    let reg = store.registry();
    let under = |u: UnitId| model.ancestors(u).any(|a| a == unit);
    let mut q = Quantities::empty(unit, range);
    let u = model.unit(unit);
    q.households = u.households as u64;
    q.residents = u.residents as u64;
    q.estates = crate::query::estates_under(model)[unit.0 as usize];
    let mut households = std::collections::HashSet::new();
    // Days with a put-in or a pickup under the unit.
    let mut days = std::collections::HashSet::new();
    let mut buf = Vec::new();
    for day in store.put_in_days() {
        if !range.contains(day) {
            continue;
        }
        buf.clear();
        store.put_ins_of_day(day, &mut buf)?;
        for e in &buf {
            if under(e.point) {
                days.insert(day);
                q.identified_putins += e.household.is_some() as u64;
                let f = &mut q.facts[e.category.index()];
                f.putin_grams += e.grams as u64;
                f.putins += 1;
                if e.verdict != fenlei_domain::Verdict::Unchecked {
                    f.judged += 1;
                    f.correct += (e.verdict == fenlei_domain::Verdict::Correct) as u64;
                }
            }
            if let Some(h) = e.household
                && e.verdict != fenlei_domain::Verdict::Incorrect
            {
                let counted = if u.level == Level::Point {
                    e.point == unit
                } else {
                    under(reg.household_estate(h))
                };
                if counted {
                    households.insert(h);
                }
            }
        }
    }
    q.participating_households = households.len() as u64;
    let threshold = CityConstants::shipped(&model.ruleset).purity_pass_threshold();
    // Per estate over the period: kitchen and other waste collected, grams lifted by a truck
    // of another category.
    let mut estate_sums: HashMap<UnitId, (u64, u64, u64)> = HashMap::new();
    let mut score_x10 = 0.0;
    for e in store.other_events()? {
        let in_range = range.contains(e.day());
        match &e {
            Event::Incident(x) if in_range && under(x.point) => q.incidents[x.kind as usize] += 1,
            Event::Inspection(x) if in_range && under(x.unit) => {
                q.inspections += 1;
                score_x10 += (x.score.unwrap_or(0.0) as f64 * 10.0).round();
                for c in &x.containers {
                    let f = &mut q.facts[c.category.index()];
                    f.containers += 1;
                    f.containers_pass += passes(c.purity, threshold) as u64;
                }
            }
            Event::Pickup(x) => {
                let mixed = model.vehicles[x.vehicle.0 as usize].category != x.category;
                if in_range && under(x.point) {
                    days.insert(x.time.day());
                    let f = &mut q.facts[x.category.index()];
                    f.collected_grams += x.grams as u64;
                    f.pickups += 1;
                    f.poor_pickups += (x.grade == Some(fenlei_domain::Grade::Poor)) as u64;
                    if mixed {
                        f.mixed_grams += x.grams as u64;
                    }
                }
                if in_range {
                    let s = estate_sums.entry(reg.estate_of_point(x.point)).or_default();
                    match x.category {
                        Category::Kitchen => s.0 += x.grams as u64,
                        Category::Other => s.1 += x.grams as u64,
                        _ => {}
                    }
                    if mixed {
                        s.2 += x.grams as u64;
                    }
                }
            }
            Event::WeighTicket(x) if in_range => {
                if let Some(o) = x.origin
                    && under(o)
                {
                    q.facts[x.category.index()].weighed_grams += x.net_grams;
                }
            }
            Event::Treatment(t) if t.to >= range.from && t.from <= range.to => {
                let overlap = (t.to.0.min(range.to.0) - t.from.0.max(range.from.0) + 1) as f64;
                let share = overlap / (t.to.0 - t.from.0 + 1) as f64;
                for f in &t.output {
                    if f.category.index() < 4 {
                        q.treated[f.category.index()][f.route as usize] +=
                            (f.grams as f64 * share).round() as u64;
                    }
                }
            }
            Event::Survey(x) if in_range && under(x.unit) => {
                q.survey_respondents += u64::from(x.respondents);
                q.survey_aware += u64::from(x.aware);
            }
            _ => {}
        }
    }
    q.inspection_score_sum = score_x10 / 10.0;
    q.days_with_data = days.len() as u64;
    if u.level != Level::Point {
        q.estates_covered = estate_sums
            .iter()
            .filter(|(e, s)| under(**e) && s.0 > 0 && s.1 > 0 && s.2 == 0)
            .count() as u64;
    }
    Ok(q)
}
