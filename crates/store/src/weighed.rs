//! Weighbridge tonnage per unit and period: what the weigh tickets say the units' pickups
//! weighed, as the chain's reconciliation attributed them (`fenlei chain reconcile`).
//!
//! A ticket ends a truck's trip; its net weight is shared among the trip's pickups by their
//! lifted weight, so each collection point gets, per day and category, the lifted grams of its
//! ticketed pickups and their share of the tickets. Unlike the rollups these rows are not
//! derived at ingest — a trip is only known once its ticket arrives — but written by the
//! reconciliation for the days it covered, replacing what an earlier run wrote for them. Rows
//! are kept for every level above the point too, by day and by calendar month (a month row is
//! the sum of its day rows), so a query reads them like the rollups.

use crate::embedded::StoreError;
use crate::schema::Grain;
use fenlei_domain::{Category, CityModel, Day, DayRange, PointWeighed, UnitId, Weighed};
use foldhash::HashMap;
use rusqlite::{Connection, params};

/// Replaces the day rows of `range` (and the month rows of the months it touches) with `rows`
/// summed up the tree. Rows outside `range` are refused. Returns the unit-day rows written.
pub(crate) fn replace(
    conn: &mut Connection,
    model: &CityModel,
    range: DayRange,
    rows: &[PointWeighed],
) -> Result<u64, StoreError> {
    let mut sums: HashMap<(UnitId, Day, Category), Weighed> = HashMap::default();
    for r in rows {
        if !range.contains(r.day) {
            return Err(StoreError::Invalid(format!(
                "weighed tonnage of {} lies outside the days replaced ({range})",
                r.day
            )));
        }
        if r.point.0 as usize >= model.units.len() {
            return Err(StoreError::Invalid(format!(
                "weighed tonnage of unit id {} outside the city",
                r.point.0
            )));
        }
        for unit in model.ancestors(r.point) {
            sums.entry((unit, r.day, r.category))
                .or_default()
                .add(&r.weighed);
        }
    }
    // Inserted in key order (grain, start, unit, category): appended, not scattered, in the
    // table's B-tree.
    let mut days: Vec<((Day, UnitId, Category), Weighed)> = (sums.into_iter())
        .map(|((unit, day, c), w)| ((day, unit, c), w))
        .collect();
    days.sort_unstable_by_key(|(k, _)| (k.0, k.1, k.2.index()));
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM weighed WHERE grain = ?1 AND start BETWEEN ?2 AND ?3",
        params![Grain::Day as u8, range.from.0, range.to.0],
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO weighed (grain, start, unit, category, lifted_grams, ticketed_grams) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for &((day, unit, c), w) in &days {
        insert.execute(params![
            Grain::Day as u8,
            day.0,
            unit.0,
            c.index() as u8,
            w.lifted_grams as i64,
            w.ticketed_grams as i64
        ])?;
    }
    // A month row is the sum of its day rows: those just written and those of its days
    // outside `range`, kept from earlier runs.
    let mut month = range.from.month_start();
    while month <= range.to {
        let next = month.next_month_start();
        let mut sums: HashMap<(UnitId, Category), Weighed> = HashMap::default();
        for ((_, unit, c), w) in days
            .iter()
            .filter(|((d, _, _), _)| d.month_start() == month)
        {
            sums.entry((*unit, *c)).or_default().add(w);
        }
        let mut kept = tx.prepare_cached(
            "SELECT unit, category, lifted_grams, ticketed_grams FROM weighed
             WHERE grain = ?1 AND start >= ?2 AND start < ?3 AND (start < ?4 OR start > ?5)",
        )?;
        let mut rows = kept.query(params![
            Grain::Day as u8,
            month.0,
            next.0,
            range.from.0,
            range.to.0
        ])?;
        while let Some(r) = rows.next()? {
            let c: u8 = r.get(1)?;
            let c = Category::from_index(c)
                .ok_or_else(|| StoreError::Corrupt(format!("weighed: category {c}")))?;
            sums.entry((UnitId(r.get(0)?), c))
                .or_default()
                .add(&Weighed {
                    lifted_grams: r.get::<_, i64>(2)? as u64,
                    ticketed_grams: r.get::<_, i64>(3)? as u64,
                });
        }
        tx.execute(
            "DELETE FROM weighed WHERE grain = ?1 AND start = ?2",
            params![Grain::Month as u8, month.0],
        )?;
        let mut sums: Vec<_> = sums.into_iter().collect();
        sums.sort_unstable_by_key(|((u, c), _)| (*u, c.index()));
        for ((unit, c), w) in sums {
            insert.execute(params![
                Grain::Month as u8,
                month.0,
                unit.0,
                c.index() as u8,
                w.lifted_grams as i64,
                w.ticketed_grams as i64
            ])?;
        }
        month = next;
    }
    drop(insert);
    tx.commit()?;
    Ok(days.len() as u64)
}
