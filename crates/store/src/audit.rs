//! The whole-store audit behind `fenlei verify`: the log's checksums, one record per id, the
//! key index against the log, and every rollup row (every unit, every stored day and month,
//! every category) against a rebuild from the raw events.
//!
//! The rebuild runs month by month (memory stays at one month's aggregate) through a fresh
//! [`Delta`], so it finds what durability bugs leave behind — a block applied twice, a block
//! never applied, a lost flush. Whether the aggregation itself is right is settled by
//! [`crate::recompute`], which shares no code with it; `verify` runs that too, for the city
//! and every district over the whole stored range.

use crate::bitmap;
use crate::embedded::{EmbeddedStore, StoreError};
use crate::log::scan::{self, Damage, Segment};
use crate::log::{block, day_files};
use crate::rollup::{DAYS_WITH_DATA, Delta};
use crate::schema::Grain;
use fenlei_domain::{BinDay, Category, Day, Event, EventKey, Facts, UnitId};
use roaring::RoaringBitmap;
use rusqlite::params;
use std::collections::{BTreeMap, HashMap};

/// A rollup value that differs from the rebuild.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// Unit code.
    pub unit: String,
    /// Day or month row.
    pub grain: Grain,
    /// First day of the period.
    pub start: Day,
    /// The category, for per-category facts.
    pub category: Option<Category>,
    /// The column or counter.
    pub field: String,
    /// Stored value.
    pub stored: f64,
    /// Rebuilt value.
    pub rebuilt: f64,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let period = match self.grain {
            Grain::Day => format!("day {}", self.start),
            Grain::Month => format!("month {}", &self.start.to_string()[..7]),
        };
        write!(f, "{} {period}", self.unit)?;
        if let Some(c) = self.category {
            write!(f, " {}", c.key())?;
        }
        write!(
            f,
            " {}: stored {}, recomputed {}",
            self.field, self.stored, self.rebuilt
        )
    }
}

/// What the audit found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuditReport {
    /// Day files read.
    pub files: u64,
    /// Blocks whose checksum was verified.
    pub blocks: u64,
    /// Put-ins in the log.
    pub put_ins: u64,
    /// Low-volume events.
    pub events: u64,
    /// Damaged stretches of the log.
    pub damage: Vec<Damage>,
    /// Ids stored more than once in the log (must be 0).
    pub duplicate_ids: u64,
    /// Stored ids the key index does not place in their day (must be 0).
    pub unindexed_ids: u64,
    /// Rollup rows compared.
    pub rows: u64,
    /// Rollup values that differ from the rebuild (the first 1,000).
    pub mismatches: Vec<Mismatch>,
    /// Mismatches in all.
    pub mismatch_count: u64,
}

impl AuditReport {
    /// Whether the store is whole and consistent.
    pub fn ok(&self) -> bool {
        self.damage.is_empty()
            && self.duplicate_ids == 0
            && self.unindexed_ids == 0
            && self.mismatch_count == 0
    }

    fn mismatch(&mut self, m: Mismatch) {
        self.mismatch_count += 1;
        if self.mismatches.len() < 1000 {
            self.mismatches.push(m);
        }
    }
}

type Rows = (
    HashMap<(UnitId, Grain, Day, u8), Facts>,
    HashMap<(UnitId, Grain, Day), RoaringBitmap>,
    HashMap<(UnitId, Grain, Day, String), f64>,
);

impl EmbeddedStore {
    /// Audits the whole store (see the module doc). `progress(done, total)` counts months.
    pub fn audit(&mut self, progress: &mut dyn FnMut(u64, u64)) -> Result<AuditReport, StoreError> {
        if !self.delta_is_empty() {
            self.flush()?;
        }
        let mut report = AuditReport::default();
        // The log: every block's checksum, every key once.
        let mut keys: Vec<u64> = Vec::new();
        let mut damaged_days = Vec::new();
        let mut day_keys: Vec<(Day, Vec<EventKey>)> = Vec::new();
        for (day, path) in day_files(self.log_dir())? {
            report.files += 1;
            let data = std::fs::read(&path).map_err(|e| StoreError::Path {
                path: path.clone(),
                message: e.to_string(),
            })?;
            if let Err(crate::log::LogError::Damaged(d)) = scan::check_header(&data, &path, day) {
                report.damage.push(d);
                damaged_days.push(day);
                continue;
            }
            let mut these = Vec::new();
            for s in scan::walk(&data) {
                match s {
                    Segment::Block { offset, .. } => {
                        report.blocks += 1;
                        let raw = block::read_raw(&data[offset as usize..])
                            .expect("walk returns valid blocks");
                        block::keys(&raw, &mut these)
                            .map_err(|e| StoreError::Corrupt(format!("{}: {e}", path.display())))?;
                    }
                    Segment::Bad { offset, len } => {
                        report.damage.push(Damage {
                            path: path.clone(),
                            day,
                            offset,
                            what: format!("{len} bytes that are no valid block"),
                        });
                        damaged_days.push(day);
                    }
                }
            }
            report.put_ins += these.len() as u64;
            keys.extend(these.iter().map(|k| k.0));
            day_keys.push((day, these));
        }
        keys.sort_unstable();
        report.duplicate_ids = keys.windows(2).filter(|w| w[0] == w[1]).count() as u64;
        drop(keys);
        if report.damage.is_empty() && self.registry().has_households() {
            report.unindexed_ids = self.unindexed(&day_keys)?;
        }
        drop(day_keys);

        // The rollups, month by month, against a rebuild from the raw events.
        let events = self.other_events()?;
        report.events = events.len() as u64;
        let mut months: BTreeMap<Day, (Vec<Day>, Vec<&Event>)> = BTreeMap::new();
        for day in self.put_in_days() {
            months.entry(day.month_start()).or_default().0.push(day);
        }
        for e in &events {
            months.entry(e.day().month_start()).or_default().1.push(e);
        }
        let total = months.len() as u64;
        let mut buf = Vec::new();
        for (done, (month, (days, month_events))) in months.into_iter().enumerate() {
            progress(done as u64, total);
            if days.iter().any(|d| damaged_days.contains(d)) {
                continue;
            }
            let mut delta = Delta::default();
            for day in days {
                buf.clear();
                self.put_ins_of_day(day, &mut buf)?;
                delta.add_put_ins(&buf);
            }
            for e in month_events {
                delta.add_event(e, self.registry());
            }
            let crate::rollup::Expanded {
                facts,
                bitmaps,
                mut counters,
                bin_days,
            } = delta.expand(self.model(), self.registry());
            if self.bin_days_kept()? {
                self.compare_bin_days(month, bin_days, &mut report)?;
            }
            // Days with data: 1 on each unit-day with a put-in or a pickup, summed by month.
            let mut with_data: Vec<(UnitId, Day)> = facts
                .iter()
                .filter(|(((_, g, _), _), f)| *g == Grain::Day && (f.putins > 0 || f.pickups > 0))
                .map(|(((unit, _, day), _), _)| (*unit, *day))
                .collect();
            with_data.sort_unstable();
            with_data.dedup();
            for (unit, day) in with_data {
                counters.insert(((unit, Grain::Day, day), DAYS_WITH_DATA.to_owned()), 1.0);
                *counters
                    .entry(((unit, Grain::Month, month), DAYS_WITH_DATA.to_owned()))
                    .or_default() += 1.0;
            }
            let flags = crate::rollup::pickup_flags(self.model(), &facts);
            self.compare_flags(month, flags, &mut report)?;
            let rebuilt: Rows = (
                facts
                    .into_iter()
                    .map(|(((u, g, s), c), f)| ((u, g, s, c), f))
                    .collect(),
                bitmaps.into_iter().collect(),
                counters
                    .into_iter()
                    .map(|(((u, g, s), n), v)| ((u, g, s, n), v))
                    .collect(),
            );
            self.compare_month(month, rebuilt, &mut report)?;
        }
        progress(total, total);
        Ok(report)
    }

    /// Stored ids the key index does not place in their day.
    fn unindexed(&mut self, day_keys: &[(Day, Vec<EventKey>)]) -> Result<u64, StoreError> {
        let mut missing = 0;
        let mut candidates = Vec::new();
        for (day, keys) in day_keys {
            for &k in keys {
                candidates.clear();
                self.key_candidates(k, &mut candidates)?;
                missing += u64::from(!candidates.contains(day));
            }
        }
        Ok(missing)
    }

    fn compare_month(
        &self,
        month: Day,
        rebuilt: Rows,
        report: &mut AuditReport,
    ) -> Result<(), StoreError> {
        let (mut facts, mut bitmaps, mut counters) = rebuilt;
        let end = month.plus(31).month_start();
        let code = |u: UnitId| self.model().unit(u).code.clone();
        let in_month = "(grain = 0 AND start >= ?1 AND start < ?2) OR (grain = 1 AND start = ?1)";
        let conn = self.connection();
        let mut st = conn.prepare(&format!(
            "SELECT unit, grain, start, category, {} FROM facts WHERE {in_month}",
            Facts::COLUMNS.join(", ")
        ))?;
        let mut rows = st.query(params![month.0, end.0])?;
        while let Some(r) = rows.next()? {
            report.rows += 1;
            let key = (
                UnitId(r.get(0)?),
                grain_of(r.get(1)?),
                Day(r.get(2)?),
                r.get::<_, u8>(3)?,
            );
            let mut stored = [0u64; 16];
            for (i, v) in stored.iter_mut().enumerate().take(Facts::COLUMNS.len()) {
                *v = r.get::<_, i64>(4 + i)? as u64;
            }
            let again = facts.remove(&key).unwrap_or_default().to_array();
            self.compare_facts(key, &stored, &again, report, &code);
        }
        for (key, f) in facts {
            let again = f.to_array();
            if again.iter().any(|&v| v != 0) {
                self.compare_facts(key, &[0; 16], &again, report, &code);
            }
        }
        let mut st = conn.prepare(&format!(
            "SELECT unit, grain, start, households FROM participation WHERE {in_month}"
        ))?;
        let mut rows = st.query(params![month.0, end.0])?;
        while let Some(r) = rows.next()? {
            report.rows += 1;
            let (unit, grain, start) = (UnitId(r.get(0)?), grain_of(r.get(1)?), Day(r.get(2)?));
            let blob: Vec<u8> = r.get(3)?;
            let stored = bitmap::decode(&blob).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let again = bitmaps.remove(&(unit, grain, start)).unwrap_or_default();
            if stored != again {
                report.mismatch(Mismatch {
                    unit: code(unit),
                    grain,
                    start,
                    category: None,
                    field: "participating households".into(),
                    stored: stored.len() as f64,
                    rebuilt: again.len() as f64,
                });
            }
        }
        for ((unit, grain, start), again) in bitmaps {
            report.mismatch(Mismatch {
                unit: code(unit),
                grain,
                start,
                category: None,
                field: "participating households".into(),
                stored: 0.0,
                rebuilt: again.len() as f64,
            });
        }
        let mut st = conn.prepare(&format!(
            "SELECT unit, grain, start, name, value FROM counters WHERE {in_month}"
        ))?;
        let mut rows = st.query(params![month.0, end.0])?;
        while let Some(r) = rows.next()? {
            report.rows += 1;
            let key = (
                UnitId(r.get(0)?),
                grain_of(r.get(1)?),
                Day(r.get(2)?),
                r.get::<_, String>(3)?,
            );
            let stored: f64 = r.get(4)?;
            let again = counters.remove(&key).unwrap_or(0.0);
            if stored != again {
                report.mismatch(Mismatch {
                    unit: code(key.0),
                    grain: key.1,
                    start: key.2,
                    category: None,
                    field: key.3,
                    stored,
                    rebuilt: again,
                });
            }
        }
        for ((unit, grain, start, name), again) in counters {
            if again != 0.0 {
                report.mismatch(Mismatch {
                    unit: code(unit),
                    grain,
                    start,
                    category: None,
                    field: name,
                    stored: 0.0,
                    rebuilt: again,
                });
            }
        }
        Ok(())
    }

    /// The month's bin-days (see [`crate::bin_days`]) against the rebuild.
    fn compare_bin_days(
        &self,
        month: Day,
        rebuilt: Vec<(Day, BinDay)>,
        report: &mut AuditReport,
    ) -> Result<(), StoreError> {
        let key = |b: &BinDay| (b.point, b.category);
        let mut rebuilt: HashMap<(Day, UnitId, Category), BinDay> = rebuilt
            .into_iter()
            .map(|(d, b)| ((d, b.point, b.category), b))
            .collect();
        let end = month.plus(31).month_start();
        let mut st = self.connection().prepare(
            "SELECT day, point, category, grams, first_second, last_second FROM bin_days WHERE day >= ?1 AND day < ?2",
        )?;
        let mut rows = st.query(params![month.0, end.0])?;
        let check =
            |day: Day, stored: Option<BinDay>, again: Option<BinDay>, report: &mut AuditReport| {
                if stored == again {
                    return;
                }
                let b = stored.or(again).expect("one of the two");
                let (point, category) = key(&b);
                let value = |x: Option<BinDay>| x.map_or(0.0, |x| x.grams as f64);
                let span = |x: Option<BinDay>| {
                    x.map_or(String::from("none"), |x| {
                        format!("{}-{}", x.first_second, x.last_second)
                    })
                };
                report.mismatch(Mismatch {
                    unit: self.model().unit(point).code.clone(),
                    grain: Grain::Day,
                    start: day,
                    category: Some(category),
                    field: format!(
                        "bin-day put-in grams (seconds {} stored, {} rebuilt)",
                        span(stored),
                        span(again)
                    ),
                    stored: value(stored),
                    rebuilt: value(again),
                });
            };
        while let Some(r) = rows.next()? {
            report.rows += 1;
            let day = Day(r.get(0)?);
            let c: u8 = r.get(2)?;
            let Some(category) = Category::from_index(c) else {
                return Err(StoreError::Corrupt(format!(
                    "bin_days: category {c} on {day}"
                )));
            };
            let stored = BinDay {
                point: UnitId(r.get(1)?),
                category,
                grams: r.get::<_, i64>(3)? as u64,
                first_second: r.get(4)?,
                last_second: r.get(5)?,
            };
            let again = rebuilt.remove(&(day, stored.point, category));
            check(day, Some(stored), again, report);
        }
        for ((day, _, _), again) in rebuilt {
            check(day, None, Some(again), report);
        }
        Ok(())
    }

    fn compare_flags(
        &self,
        month: Day,
        flags: crate::rollup::Map<(UnitId, Grain, Day), u8>,
        report: &mut AuditReport,
    ) -> Result<(), StoreError> {
        let mut flags: HashMap<(UnitId, Grain, Day), u8> = flags.into_iter().collect();
        let end = month.plus(31).month_start();
        let mut st = self.connection().prepare(
            "SELECT estate, grain, start, flags FROM pickup_flags WHERE (grain = 0 AND start >= ?1 AND start < ?2) OR (grain = 1 AND start = ?1)",
        )?;
        let mut rows = st.query(params![month.0, end.0])?;
        let check = |key: (UnitId, Grain, Day), stored: u8, again: u8, report: &mut AuditReport| {
            if stored != again {
                report.mismatch(Mismatch {
                    unit: self.model().unit(key.0).code.clone(),
                    grain: key.1,
                    start: key.2,
                    category: None,
                    field: "pickup flags (kitchen 1, other 2, mixed 4)".into(),
                    stored: stored as f64,
                    rebuilt: again as f64,
                });
            }
        };
        while let Some(r) = rows.next()? {
            report.rows += 1;
            let key = (UnitId(r.get(0)?), grain_of(r.get(1)?), Day(r.get(2)?));
            let stored: u8 = r.get(3)?;
            check(key, stored, flags.remove(&key).unwrap_or(0), report);
        }
        for (key, again) in flags {
            check(key, 0, again, report);
        }
        Ok(())
    }

    fn compare_facts(
        &self,
        (unit, grain, start, c): (UnitId, Grain, Day, u8),
        stored: &[u64],
        again: &[u64],
        report: &mut AuditReport,
        code: &dyn Fn(UnitId) -> String,
    ) {
        for (i, name) in Facts::COLUMNS.iter().enumerate() {
            if stored[i] != again[i] {
                report.mismatch(Mismatch {
                    unit: code(unit),
                    grain,
                    start,
                    category: Category::from_index(c),
                    field: (*name).to_owned(),
                    stored: stored[i] as f64,
                    rebuilt: again[i] as f64,
                });
            }
        }
    }
}

fn grain_of(g: u8) -> Grain {
    if g == 0 { Grain::Day } else { Grain::Month }
}
