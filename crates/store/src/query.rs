//! Answering for units and periods from the rollups.
//!
//! A period is split into whole months and the days around them ([`decompose`]); each piece is
//! one seek (one unit) or one range scan (a whole level, whose ids are contiguous) on tables
//! keyed period first. Participation above the point level is counted from each district's set
//! of participating households: households are numbered in tree order, so a unit's households
//! are one id range and its count is a popcount over that range of the district's union.

use crate::bitmap::Union;
use crate::embedded::StoreError;
use crate::rollup::{
    DAYS_WITH_DATA, IDENTIFIED, PICKED_KITCHEN, PICKED_MIXED, PICKED_OTHER, SURVEY_AWARE,
    SURVEY_RESPONDENTS,
};
use crate::schema::Grain;
use fenlei_domain::{
    CityModel, Day, DayRange, Facts, IncidentKind, Level, Quantities, Registry, TreatmentRoute,
    UnitId, Weighed,
};
use rusqlite::{Connection, params};
use std::collections::HashMap;

/// Splits `range` into whole months and the days around them, as `(grain, first, last)` runs
/// of period starts.
pub fn decompose(range: DayRange) -> Vec<(Grain, Day, Day)> {
    let mut runs: Vec<(Grain, Day, Day)> = Vec::new();
    let mut d = range.from;
    while d <= range.to {
        let (grain, next) = if d == d.month_start() && d.next_month_start().plus(-1) <= range.to {
            (Grain::Month, d.next_month_start())
        } else {
            (Grain::Day, d.plus(1))
        };
        match runs.last_mut() {
            Some((g, _, last)) if *g == grain => *last = d,
            _ => runs.push((grain, d, d)),
        }
        d = next;
    }
    runs
}

/// Every piece of `range`: `(grain, start)` of each day and whole month.
pub fn pieces(range: DayRange) -> Vec<(Grain, Day)> {
    let mut out = Vec::new();
    for (grain, first, last) in decompose(range) {
        let mut d = first;
        while d <= last {
            out.push((grain, d));
            d = match grain {
                Grain::Day => d.plus(1),
                Grain::Month => d.next_month_start(),
            };
        }
    }
    out
}

/// Number of estates at or under each unit.
pub fn estates_under(model: &CityModel) -> Vec<u64> {
    let mut n = vec![0u64; model.units.len()];
    for u in model.units.iter().rev() {
        if u.level == Level::Estate {
            n[u.id.0 as usize] += 1;
        }
        if let Some(p) = u.parent {
            n[p.0 as usize] += n[u.id.0 as usize];
        }
    }
    n
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// The quantities of each unit in `units` over `range`, in the same order.
pub(crate) fn quantities_many(
    conn: &Connection,
    registry: &Registry,
    estates: &[u64],
    units: &[UnitId],
    range: DayRange,
) -> Result<Vec<Quantities>, StoreError> {
    let model = registry.model();
    let mut out: Vec<Quantities> = units
        .iter()
        .map(|&unit| {
            let u = model.unit(unit);
            let mut q = Quantities::empty(unit, range);
            q.households = u.households as u64;
            q.residents = u.residents as u64;
            q.estates = estates[unit.0 as usize];
            q
        })
        .collect();
    if units.is_empty() {
        return Ok(out);
    }
    let slot: HashMap<UnitId, usize> = units.iter().enumerate().map(|(i, &u)| (u, i)).collect();
    let lo = units.iter().min().expect("not empty").0;
    let hi = units.iter().max().expect("not empty").0;
    let pieces = pieces(range);

    let cols = Facts::COLUMNS.join(", ");
    let mut st = conn.prepare_cached(&format!(
        "SELECT unit, category, {cols} FROM facts WHERE grain = ?1 AND start = ?2 AND unit BETWEEN ?3 AND ?4"
    ))?;
    for &(grain, start) in &pieces {
        let mut rows = st.query(params![grain as u8, start.0, lo, hi])?;
        while let Some(r) = rows.next()? {
            let Some(&i) = slot.get(&UnitId(r.get(0)?)) else {
                continue;
            };
            let c: u8 = r.get(1)?;
            if (c as usize) < 4 {
                let mut a = [0u64; 11];
                for (k, v) in a.iter_mut().enumerate() {
                    *v = r.get::<_, i64>(k + 2)? as u64;
                }
                out[i].facts[c as usize].add(&Facts::from_array(a));
            }
        }
    }

    let mut st = conn.prepare_cached(
        "SELECT unit, category, lifted_grams, ticketed_grams FROM weighed WHERE grain = ?1 AND start = ?2 AND unit BETWEEN ?3 AND ?4",
    )?;
    for &(grain, start) in &pieces {
        let mut rows = st.query(params![grain as u8, start.0, lo, hi])?;
        while let Some(r) = rows.next()? {
            let Some(&i) = slot.get(&UnitId(r.get(0)?)) else {
                continue;
            };
            let c: u8 = r.get(1)?;
            if (c as usize) < 4 {
                out[i].weighed[c as usize].add(&Weighed {
                    lifted_grams: r.get::<_, i64>(2)? as u64,
                    ticketed_grams: r.get::<_, i64>(3)? as u64,
                });
            }
        }
    }

    let mut st = conn.prepare_cached(
        "SELECT unit, name, value FROM counters WHERE grain = ?1 AND start = ?2 AND unit BETWEEN ?3 AND ?4",
    )?;
    let mut score_x10 = vec![0.0; units.len()];
    for &(grain, start) in &pieces {
        let mut rows = st.query(params![grain as u8, start.0, lo, hi])?;
        while let Some(r) = rows.next()? {
            let Some(&i) = slot.get(&UnitId(r.get(0)?)) else {
                continue;
            };
            let name = r.get_ref(1)?.as_str().map_err(corrupt)?;
            let v: f64 = r.get(2)?;
            if let Some(kind) = name.strip_prefix("incident.").and_then(IncidentKind::parse) {
                out[i].incidents[kind as usize] += v as u64;
            } else if name == "inspections" {
                out[i].inspections += v as u64;
            } else if name == "inspection_score_x10" {
                score_x10[i] += v;
            } else if name == DAYS_WITH_DATA {
                out[i].days_with_data += v as u64;
            } else if name == IDENTIFIED {
                out[i].identified_putins += v as u64;
            } else if name == SURVEY_RESPONDENTS {
                out[i].survey_respondents += v as u64;
            } else if name == SURVEY_AWARE {
                out[i].survey_aware += v as u64;
            }
        }
    }
    for (q, s) in out.iter_mut().zip(score_x10) {
        q.inspection_score_sum = s / 10.0;
    }

    participation(conn, registry, units, &pieces, &mut out)?;

    coverage(conn, model, units, &pieces, &mut out)?;

    // Treatment reports are facility-wide; a report spanning the period's edge counts for the
    // share of its days inside the period.
    let mut treated = [[0u64; 5]; 4];
    let mut st = conn.prepare_cached(
        "SELECT from_day, to_day, category, route, grams FROM treatment_flows WHERE to_day >= ?1 AND from_day <= ?2",
    )?;
    let mut rows = st.query(params![range.from.0, range.to.0])?;
    while let Some(r) = rows.next()? {
        let (from, to, c, route, grams): (i32, i32, u8, u8, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let overlap = (to.min(range.to.0) - from.max(range.from.0) + 1) as f64;
        let share = overlap / (to - from + 1) as f64;
        if (c as usize) < 4 && (route as usize) < TreatmentRoute::ALL.len() {
            treated[c as usize][route as usize] += (grams as f64 * share).round() as u64;
        }
    }
    for q in &mut out {
        q.treated = treated;
    }
    Ok(out)
}

/// The first and last estate id at or under each unit (estates are one contiguous id range
/// under any unit: ids are breadth first), or `None` for units without estates.
fn estate_ranges(model: &CityModel) -> Vec<Option<(u32, u32)>> {
    let mut ranges: Vec<Option<(u32, u32)>> = vec![None; model.units.len()];
    for e in model.at_level(Level::Estate) {
        for a in model.ancestors(e.id) {
            let r = &mut ranges[a.0 as usize];
            *r = Some(r.map_or((e.id.0, e.id.0), |(lo, hi)| {
                (lo.min(e.id.0), hi.max(e.id.0))
            }));
        }
    }
    ranges
}

/// Fills `estates_covered`: estates whose pickups over exactly the period include kitchen and
/// other waste and none by a truck of another category (sorted collection and sorted
/// transport), counted for every unit at or above them.
fn coverage(
    conn: &Connection,
    model: &CityModel,
    units: &[UnitId],
    pieces: &[(Grain, Day)],
    out: &mut [Quantities],
) -> Result<(), StoreError> {
    let ranges = estate_ranges(model);
    let asked: Vec<(usize, u32, u32)> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| model.unit(**u).level != Level::Point)
        .filter_map(|(i, u)| ranges[u.0 as usize].map(|(lo, hi)| (i, lo, hi)))
        .collect();
    let (Some(lo), Some(hi)) = (
        asked.iter().map(|a| a.1).min(),
        asked.iter().map(|a| a.2).max(),
    ) else {
        return Ok(());
    };
    // Per estate: what its pickups over the pieces held (see `pickup_flags` in the schema).
    let mut flags_of: HashMap<u32, u8> = HashMap::new();
    let mut st = conn.prepare_cached(
        "SELECT estate, flags FROM pickup_flags WHERE grain = ?1 AND start = ?2 AND estate BETWEEN ?3 AND ?4",
    )?;
    for &(grain, start) in pieces {
        let mut rows = st.query(params![grain as u8, start.0, lo, hi])?;
        while let Some(r) = rows.next()? {
            *flags_of.entry(r.get(0)?).or_default() |= r.get::<_, u8>(1)?;
        }
    }
    let mut covered: Vec<u32> = flags_of
        .into_iter()
        .filter(|(_, flags)| {
            *flags & (PICKED_KITCHEN | PICKED_OTHER | PICKED_MIXED) == PICKED_KITCHEN | PICKED_OTHER
        })
        .map(|(estate, _)| estate)
        .collect();
    covered.sort_unstable();
    for (i, lo, hi) in asked {
        let from = covered.partition_point(|&e| e < lo);
        let to = covered.partition_point(|&e| e <= hi);
        out[i].estates_covered = (to - from) as u64;
    }
    Ok(())
}

/// Distinct participating households of each unit over `range`, without the other
/// quantities: the fast path for rankings over a whole level.
pub(crate) fn participation_many(
    conn: &Connection,
    registry: &Registry,
    units: &[UnitId],
    range: DayRange,
) -> Result<Vec<u64>, StoreError> {
    let mut out: Vec<Quantities> = units.iter().map(|&u| Quantities::empty(u, range)).collect();
    participation(conn, registry, units, &pieces(range), &mut out)?;
    Ok(out
        .into_iter()
        .map(|q| q.participating_households)
        .collect())
}

/// Fills `participating_households`: points from their own sets, every other unit from its
/// household range in its district's set (the city sums its districts).
fn participation(
    conn: &Connection,
    registry: &Registry,
    units: &[UnitId],
    pieces: &[(Grain, Day)],
    out: &mut [Quantities],
) -> Result<(), StoreError> {
    let model = registry.model();
    let mut st = conn.prepare_cached(
        "SELECT households FROM participation WHERE grain = ?1 AND start = ?2 AND unit = ?3",
    )?;
    let mut union_of = |unit: UnitId| -> Result<Union, StoreError> {
        let mut union = Union::default();
        for &(grain, start) in pieces {
            let mut rows = st.query(params![grain as u8, start.0, unit.0])?;
            if let Some(r) = rows.next()? {
                union
                    .add(r.get_ref(0)?.as_blob().map_err(corrupt)?)
                    .map_err(corrupt)?;
            }
        }
        Ok(union)
    };
    let mut districts: HashMap<UnitId, Union> = HashMap::new();
    for (i, &unit) in units.iter().enumerate() {
        let u = model.unit(unit);
        out[i].participating_households = match u.level {
            Level::Point => union_of(unit)?.len(),
            Level::City => {
                let mut total = 0;
                for d in model
                    .at_level(Level::District)
                    .filter(|d| d.parent == Some(unit))
                {
                    if let std::collections::hash_map::Entry::Vacant(e) = districts.entry(d.id) {
                        e.insert(union_of(d.id)?);
                    }
                    total += districts[&d.id].len();
                }
                total
            }
            _ => {
                let Some(d) = model.ancestor_at(unit, Level::District) else {
                    continue;
                };
                let (lo, hi) = registry.household_range(unit).ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "households of {} are not numbered in tree order",
                        u.code
                    ))
                })?;
                if let std::collections::hash_map::Entry::Vacant(e) = districts.entry(d) {
                    e.insert(union_of(d)?);
                }
                districts[&d].count_range(lo, hi)
            }
        };
    }
    Ok(())
}
