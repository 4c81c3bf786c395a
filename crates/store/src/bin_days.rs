//! The put-ins of each bin and day, summed at ingest (table `bin_days`, one row per collection
//! point, category and day: grams, first and last second): what the collection chain reads
//! instead of the put-in log. A bin-day whose span holds none of its bin's pickups was emptied
//! whole by one pickup; only the others need their put-ins one by one.
//!
//! The rows are written with the other rollups, in the same transaction as the checkpoint, so
//! they hold exactly what the rollups hold. A store made before the table existed gets it filled
//! from the log the first time it is opened for writing (meta `bin_days`); until then
//! [`EmbeddedStore::bin_days_kept`] says no and readers fall back to the log.

use crate::embedded::{EmbeddedStore, StoreError};
use fenlei_domain::{BinDay, Category, Day, UnitId};
use rusqlite::{Connection, Transaction, params};
use std::collections::HashMap;

/// Meta key set once the table holds every stored put-in.
const KEPT: &str = "bin_days";

/// Adds bin-days to the table (summing grams, widening spans).
pub(crate) fn write(tx: &Transaction<'_>, rows: &[(Day, BinDay)]) -> Result<(), StoreError> {
    let mut st = tx.prepare_cached(
        "INSERT INTO bin_days VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET
         grams = grams + excluded.grams,
         first_second = min(first_second, excluded.first_second),
         last_second = max(last_second, excluded.last_second)",
    )?;
    for (day, b) in rows {
        st.execute(params![
            day.0,
            b.point.0,
            b.category as u8,
            b.grams as i64,
            b.first_second,
            b.last_second
        ])?;
    }
    Ok(())
}

/// Marks a new (empty) store's table as complete.
pub(crate) fn mark_kept(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute("INSERT OR REPLACE INTO meta VALUES (?1, '1')", [KEPT])?;
    Ok(())
}

/// Reads the bin-days of one day at a time over its own connection: one per thread.
pub struct BinDayReader {
    conn: Connection,
}

impl BinDayReader {
    /// The bin-days of `day`, by point then category, into `out` (cleared first).
    pub fn day(&self, day: Day, out: &mut Vec<BinDay>) -> Result<(), StoreError> {
        out.clear();
        let mut st = self.conn.prepare_cached(
            "SELECT point, category, grams, first_second, last_second FROM bin_days WHERE day = ?1",
        )?;
        let mut rows = st.query([day.0])?;
        while let Some(r) = rows.next()? {
            let c: u8 = r.get(1)?;
            out.push(BinDay {
                point: UnitId(r.get(0)?),
                category: Category::from_index(c).ok_or_else(|| {
                    StoreError::Corrupt(format!("bin_days: category {c} on {day}"))
                })?,
                grams: r.get::<_, i64>(2)? as u64,
                first_second: r.get(3)?,
                last_second: r.get(4)?,
            });
        }
        Ok(())
    }
}

impl EmbeddedStore {
    /// Whether the bin-days hold every stored put-in (see the module documentation).
    pub fn bin_days_kept(&self) -> Result<bool, StoreError> {
        Ok(self.meta(KEPT)?.is_some())
    }

    /// A reader of the bin-days with a connection of its own (to use from another thread).
    pub fn bin_day_reader(&self) -> Result<BinDayReader, StoreError> {
        Ok(BinDayReader {
            conn: Self::connect_checked(&self.dir)?,
        })
    }

    /// Fills the table from the put-in log if it has never been (a store made before it
    /// existed). Call with nothing pending: the log is read whole. Returns the days filled.
    pub(crate) fn fill_bin_days(&mut self) -> Result<Option<usize>, StoreError> {
        if self.bin_days_kept()? {
            return Ok(None);
        }
        let days = self.put_in_days();
        let mut buf = Vec::new();
        let mut rows = Vec::new();
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM bin_days", [])?;
        for &day in &days {
            let mut sums: HashMap<(UnitId, Category), (u64, u32, u32)> = HashMap::new();
            self.log.scan_weights(day, &mut buf, |w| {
                let s = sums
                    .entry((w.point, w.category))
                    .or_insert((0, u32::MAX, 0));
                *s = (s.0 + w.grams as u64, s.1.min(w.second), s.2.max(w.second));
            })?;
            rows.clear();
            rows.extend(sums.into_iter().map(|((point, category), (grams, f, l))| {
                (
                    day,
                    BinDay {
                        point,
                        category,
                        grams,
                        first_second: f,
                        last_second: l,
                    },
                )
            }));
            write(&tx, &rows)?;
        }
        mark_kept(&tx)?;
        tx.commit()?;
        Ok(Some(days.len()))
    }
}
