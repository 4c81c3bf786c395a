//! The embedded store: a directory holding `fenlei.sqlite` (units, households, low-volume
//! events, rollups, checkpoints) and `putins/` (the put-in log).
//!
//! Write path: [`EmbeddedStore::append`] deduplicates, makes the raw events durable (log blocks
//! fsynced; low-volume events committed) and aggregates them in memory; [`EmbeddedStore::flush`]
//! writes the aggregate into the rollup tables together with a checkpoint of how much raw data
//! they now hold, in one SQLite transaction. After a crash, opening the store replays the raw
//! data past the checkpoint: an acknowledged event is never lost and never counted twice.

use crate::bitmap;
use crate::log::{LogError, PutInLog};
use crate::query;
use crate::rollup::Delta;
use crate::schema::{self, FORMAT_VERSION};
use fenlei_domain::wire;
use fenlei_domain::{
    Category, CategorySet, CityModel, Day, DayRange, Event, Facility, FacilityKind, Facts,
    Household, Level, Limits, PutIn, Quantities, Registry, Timestamp, Unit, UnitId, Validator,
    Vehicle,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The put-in log failed.
    #[error("put-in log: {0}")]
    Log(#[from] LogError),
    /// A file or directory problem.
    #[error("{path}: {message}")]
    Path {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The store was written by another format version.
    #[error(
        "store format version {found}, this fenlei reads version {expected}; run a matching fenlei or migrate"
    )]
    Version {
        /// Version on disk.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// Stored data that does not decode.
    #[error("corrupt store: {0}")]
    Corrupt(String),
}

/// What an append did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Events stored for the first time.
    pub accepted: u64,
    /// Events already stored (same id), ignored.
    pub duplicates: u64,
}

impl AppendOutcome {
    /// Adds another outcome.
    pub fn add(&mut self, other: AppendOutcome) {
        self.accepted += other.accepted;
        self.duplicates += other.duplicates;
    }
}

/// Bytes the store occupies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskUsage {
    /// The put-in log.
    pub log_bytes: u64,
    /// The SQLite database (with its WAL).
    pub db_bytes: u64,
}

/// The embedded (SQLite + log) store.
pub struct EmbeddedStore {
    dir: PathBuf,
    pub(crate) conn: Connection,
    log: PutInLog,
    registry: std::sync::Arc<Registry>,
    delta: Delta,
    by_day: Vec<(Day, Vec<PutIn>)>,
    estates_under: Vec<u64>,
    /// Events replayed from raw data when the store was opened (after a crash).
    pub recovered: u64,
}

const DB_FILE: &str = "fenlei.sqlite";
const LOG_DIR: &str = "putins";

fn level_of(i: i64) -> Result<Level, StoreError> {
    Level::from_index(i as u8).ok_or_else(|| StoreError::Corrupt(format!("unit level {i}")))
}

impl EmbeddedStore {
    /// Whether `dir` holds a store.
    pub fn exists(dir: &Path) -> bool {
        dir.join(DB_FILE).exists()
    }

    /// Creates a store in `dir` (which must not hold one) for a city.
    pub fn create(
        dir: &Path,
        model: &CityModel,
        households: impl Iterator<Item = Household>,
        meta: &[(&str, String)],
    ) -> Result<EmbeddedStore, StoreError> {
        if Self::exists(dir) {
            return Err(StoreError::Path {
                path: dir.to_owned(),
                message: "already holds a fenlei store".into(),
            });
        }
        model.check().map_err(StoreError::Corrupt)?;
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Path {
            path: dir.to_owned(),
            message: e.to_string(),
        })?;
        let mut conn = schema::connect(&dir.join(DB_FILE))?;
        conn.execute_batch(schema::SCHEMA)?;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO meta VALUES ('format_version', ?1)",
            [FORMAT_VERSION.to_string()],
        )?;
        tx.execute("INSERT INTO meta VALUES ('ruleset', ?1)", [&model.ruleset])?;
        tx.execute(
            "INSERT INTO meta VALUES ('created', ?1)",
            [Timestamp::now().to_string()],
        )?;
        for (k, v) in meta {
            tx.execute("INSERT OR REPLACE INTO meta VALUES (?1, ?2)", params![k, v])?;
        }
        {
            let mut st =
                tx.prepare("INSERT INTO units VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,NULL,NULL)")?;
            for u in &model.units {
                st.execute(params![
                    u.id.0,
                    u.code,
                    u.name,
                    u.level as u8,
                    u.parent.map(|p| p.0),
                    u.households,
                    u.residents,
                    u.accepts.0,
                    u.x_m,
                    u.y_m
                ])?;
            }
            let mut st = tx.prepare("INSERT INTO households VALUES (?1,?2,?3,?4,?5)")?;
            let mut last_estate = UnitId(0);
            let mut spans: Vec<(UnitId, u32, u32)> = Vec::new();
            for (i, h) in households.enumerate() {
                match spans.last_mut() {
                    Some((e, _, n)) if *e == h.estate => *n += 1,
                    _ => spans.push((h.estate, i as u32, 1)),
                }
                // Participation counts a unit's households as one id range: they must come
                // estate by estate, in the order of the estates.
                if h.estate < last_estate {
                    return Err(StoreError::Corrupt(format!(
                        "household {} is listed after households of a later estate; list households estate by estate",
                        h.code
                    )));
                }
                last_estate = h.estate;
                st.execute(params![
                    i as i64,
                    h.code,
                    h.estate.0,
                    h.home_point.0,
                    h.persons
                ])?;
            }
            let mut st =
                tx.prepare("UPDATE units SET first_household = ?2, registered = ?3 WHERE id = ?1")?;
            for (estate, first, n) in spans {
                st.execute(params![estate.0, first, n])?;
            }
            let mut st = tx.prepare("INSERT INTO vehicles VALUES (?1,?2,?3,?4,?5,?6,?7)")?;
            for (i, v) in model.vehicles.iter().enumerate() {
                st.execute(params![
                    i as i64,
                    v.code,
                    v.category as u8,
                    v.capacity_kg,
                    v.district.0,
                    v.depot_x_m,
                    v.depot_y_m
                ])?;
            }
            let mut st = tx.prepare("INSERT INTO facilities VALUES (?1,?2,?3,?4,?5,?6,?7,?8)")?;
            for (i, f) in model.facilities.iter().enumerate() {
                st.execute(params![
                    i as i64,
                    f.code,
                    f.name,
                    f.kind.key(),
                    f.accepts.0,
                    f.capacity_t_per_day,
                    f.x_m,
                    f.y_m
                ])?;
            }
            tx.execute("INSERT INTO checkpoint_events VALUES (1, 0)", [])?;
        }
        tx.commit()?;
        drop(conn);
        Self::open(dir)
    }

    /// Opens the store in `dir`, replaying raw data the rollups do not hold yet.
    pub fn open(dir: &Path) -> Result<EmbeddedStore, StoreError> {
        Self::open_as(dir, true)
    }

    /// Opens the store for queries (and plans) only, without loading the households: seconds
    /// faster for a city of millions. Appending events to it is refused. When raw data waits
    /// to be replayed (after a crash), this opens fully instead.
    pub fn open_for_queries(dir: &Path) -> Result<EmbeddedStore, StoreError> {
        Self::open_as(dir, false)
    }

    fn raw_data_pending(&self) -> Result<bool, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT day, applied_bytes FROM checkpoint_log")?;
        let applied: HashMap<i32, u64> = st
            .query_map([], |r| {
                Ok((r.get::<_, i32>(0)?, r.get::<_, i64>(1)? as u64))
            })?
            .collect::<Result<_, _>>()?;
        if self
            .log
            .lengths()
            .iter()
            .any(|(d, &len)| len > applied.get(&d.0).copied().unwrap_or(0).max(16))
        {
            return Ok(true);
        }
        let pending: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM events WHERE seq > (SELECT applied_seq FROM checkpoint_events)",
            [],
            |r| r.get(0),
        )?;
        Ok(pending > 0)
    }

    fn open_as(dir: &Path, with_households: bool) -> Result<EmbeddedStore, StoreError> {
        if !Self::exists(dir) {
            return Err(StoreError::Path {
                path: dir.to_owned(),
                message: "no fenlei store here (run `fenlei init` first)".into(),
            });
        }
        let conn = schema::connect(&dir.join(DB_FILE))?;
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'format_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let found = version.and_then(|v| v.parse().ok()).unwrap_or(0);
        if found != FORMAT_VERSION {
            return Err(StoreError::Version {
                found,
                expected: FORMAT_VERSION,
            });
        }
        // Tables added within a format version (plans) are created on open; the rest exist.
        conn.execute_batch(schema::SCHEMA)?;
        let model = load_model(&conn)?;
        let registry = if with_households {
            load_with_households(&conn, model)?
        } else {
            Registry::without_households(model, &load_estate_spans(&conn)?)
        };
        let registry = std::sync::Arc::new(registry);
        let log = PutInLog::open(&dir.join(LOG_DIR))?;
        if let Some(u) = registry
            .model()
            .units
            .iter()
            .find(|u| u.level != Level::Point && registry.household_range(u.id).is_none())
        {
            return Err(StoreError::Corrupt(format!(
                "households of {} are not numbered in tree order",
                u.code
            )));
        }
        let estates_under = query::estates_under(registry.model());
        let mut store = EmbeddedStore {
            dir: dir.to_owned(),
            conn,
            log,
            registry,
            delta: Delta::default(),
            by_day: Vec::new(),
            estates_under,
            recovered: 0,
        };
        if !with_households {
            if store.raw_data_pending()? {
                // Replaying needs the households: open fully (once; it catches up).
                drop(store);
                return Self::open_as(dir, true);
            }
            return Ok(store);
        }
        store.recover()?;
        Ok(store)
    }

    fn recover(&mut self) -> Result<(), StoreError> {
        let applied: HashMap<i32, u64> = {
            let mut st = self
                .conn
                .prepare("SELECT day, applied_bytes FROM checkpoint_log")?;
            let rows = st.query_map([], |r| {
                Ok((r.get::<_, i32>(0)?, r.get::<_, i64>(1)? as u64))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        let mut buf = Vec::new();
        for day in self.log.days() {
            let done = applied.get(&day.0).copied().unwrap_or(0);
            if self.log.lengths()[&day] > done.max(16) {
                buf.clear();
                self.log.read(day, done, &mut buf)?;
                self.recovered += buf.len() as u64;
                self.delta.add_put_ins(&buf);
            }
        }
        let applied_seq: i64 =
            self.conn
                .query_row("SELECT applied_seq FROM checkpoint_events", [], |r| {
                    r.get(0)
                })?;
        let events = self.read_events(applied_seq)?;
        for e in &events {
            self.delta.add_event(e, &self.registry);
        }
        self.recovered += events.len() as u64;
        if !self.delta.is_empty() {
            self.flush()?;
        }
        Ok(())
    }

    /// The registry of the stored city.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The registry, shared: validators can hold it while the store appends.
    pub fn registry_shared(&self) -> std::sync::Arc<Registry> {
        self.registry.clone()
    }

    /// The stored city model.
    pub fn model(&self) -> &CityModel {
        self.registry.model()
    }

    /// A metadata value.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Sets a metadata value.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO meta VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }

    fn require_households(&self) -> Result<(), StoreError> {
        if self.registry.has_households() {
            Ok(())
        } else {
            Err(StoreError::Path {
                path: self.dir.clone(),
                message: "opened for queries only; open it fully to append events".into(),
            })
        }
    }

    /// Stores put-ins: deduplicated, durable on return, aggregated for the next flush.
    pub fn append_put_ins(&mut self, batch: &[PutIn]) -> Result<AppendOutcome, StoreError> {
        self.require_households()?;
        for (_, v) in &mut self.by_day {
            v.clear();
        }
        let duplicates = self.log.dedup(batch, &mut self.by_day)?;
        self.log.append(&self.by_day)?;
        let mut accepted = 0;
        for (_, records) in &self.by_day {
            self.delta.add_put_ins(records);
            accepted += records.len() as u64;
        }
        self.by_day.retain(|(_, v)| !v.is_empty());
        Ok(AppendOutcome {
            accepted,
            duplicates,
        })
    }

    /// Stores events of any type: put-ins go to the log, the others to the events table.
    pub fn append(&mut self, events: &[Event]) -> Result<AppendOutcome, StoreError> {
        self.require_households()?;
        let put_ins: Vec<PutIn> = events
            .iter()
            .filter_map(|e| {
                if let Event::PutIn(p) = e {
                    Some(*p)
                } else {
                    None
                }
            })
            .collect();
        let mut outcome = self.append_put_ins(&put_ins)?;
        let others: Vec<&Event> = events
            .iter()
            .filter(|e| !matches!(e, Event::PutIn(_)))
            .collect();
        if others.is_empty() {
            return Ok(outcome);
        }
        let mut stored = Vec::new();
        let tx = self.conn.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT OR IGNORE INTO events (key, type, day, body) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut body = Vec::new();
            for e in others {
                body.clear();
                let id = event_id(e);
                wire::write_csv(e, id, &*self.registry, &mut body);
                let text = std::str::from_utf8(&body)
                    .expect("writer emits UTF-8")
                    .trim_end();
                if st.execute(params![e.key().0 as i64, e.kind(), e.day().0, text])? == 1 {
                    stored.push(e);
                    outcome.accepted += 1;
                } else {
                    outcome.duplicates += 1;
                }
            }
        }
        tx.commit()?;
        for e in stored {
            self.delta.add_event(e, &self.registry);
        }
        Ok(outcome)
    }

    /// Events aggregated in memory but not yet in the rollup tables.
    pub fn pending(&self) -> u64 {
        self.delta.events
    }

    /// Writes pending aggregates into the rollup tables, with the checkpoint, atomically.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        let (facts, bitmaps, mut counters) =
            self.delta.expand(self.registry.model(), &self.registry);
        let treatments = std::mem::take(&mut self.delta.treatments);
        let tx = self.conn.transaction()?;
        crate::rollup::count_new_days(&tx, &facts, &mut counters)?;
        crate::rollup::write_pickup_flags(&tx, self.registry.model(), &facts)?;
        {
            let cols = Facts::COLUMNS.join(", ");
            let sets = Facts::COLUMNS
                .iter()
                .map(|c| format!("{c} = {c} + excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO facts (unit, grain, start, category, {cols}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15) ON CONFLICT DO UPDATE SET {sets}"
            );
            let mut st = tx.prepare_cached(&sql)?;
            for (((unit, grain, start), c), f) in &facts {
                let a = f.to_array().map(|v| v as i64);
                st.execute(params![
                    unit.0,
                    *grain as u8,
                    start.0,
                    c,
                    a[0],
                    a[1],
                    a[2],
                    a[3],
                    a[4],
                    a[5],
                    a[6],
                    a[7],
                    a[8],
                    a[9],
                    a[10]
                ])?;
            }
            let mut get = tx.prepare_cached("SELECT households FROM participation WHERE unit = ?1 AND grain = ?2 AND start = ?3")?;
            let mut put =
                tx.prepare_cached("INSERT OR REPLACE INTO participation (unit, grain, start, households) VALUES (?1, ?2, ?3, ?4)")?;
            let mut blob = Vec::new();
            for ((unit, grain, start), set) in bitmaps {
                let key = params![unit.0, grain as u8, start.0];
                let old: Option<Vec<u8>> = get.query_row(key, |r| r.get(0)).optional()?;
                let merged = match old {
                    Some(bytes) => {
                        bitmap::decode(&bytes).map_err(|e| StoreError::Corrupt(e.to_string()))?
                            | set
                    }
                    None => set,
                };
                blob.clear();
                bitmap::encode(&merged, &mut blob);
                put.execute(params![unit.0, grain as u8, start.0, blob])?;
            }
            let mut st = tx.prepare_cached("INSERT INTO counters (unit, grain, start, name, value) VALUES (?1,?2,?3,?4,?5) ON CONFLICT DO UPDATE SET value = value + excluded.value")?;
            for (((unit, grain, start), name), v) in &counters {
                st.execute(params![unit.0, *grain as u8, start.0, name, v])?;
            }
            let mut st = tx.prepare_cached(
                "INSERT OR REPLACE INTO treatment_flows VALUES (?1,?2,?3,?4,?5,?6,?7)",
            )?;
            for t in &treatments {
                for f in &t.output {
                    st.execute(params![
                        t.key.0 as i64,
                        t.facility.0,
                        t.from.0,
                        t.to.0,
                        f.category as u8,
                        f.route as u8,
                        f.grams as i64
                    ])?;
                }
            }
            let mut st =
                tx.prepare_cached("INSERT OR REPLACE INTO checkpoint_log VALUES (?1, ?2)")?;
            for (day, len) in self.log.lengths() {
                st.execute(params![day.0, *len as i64])?;
            }
            tx.execute("UPDATE checkpoint_events SET applied_seq = (SELECT COALESCE(MAX(seq), 0) FROM events)", [])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Bytes on disk.
    pub fn disk_usage(&self) -> DiskUsage {
        let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        DiskUsage {
            log_bytes: self.log.bytes(),
            db_bytes: size(self.dir.join(DB_FILE)) + size(self.dir.join(format!("{DB_FILE}-wal"))),
        }
    }

    /// Compacts the database file (checkpoints the WAL).
    pub fn compact(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }

    /// The stored quantities for `unit` over `range`, from the rollups. Flushes first.
    pub fn quantities(&mut self, unit: UnitId, range: DayRange) -> Result<Quantities, StoreError> {
        Ok(self
            .quantities_many(&[unit], range)?
            .pop()
            .expect("one unit asked, one answered"))
    }

    /// The stored quantities for each of `units` over `range`, in order. A whole level (or any
    /// units of one level) costs about as much as one unit. Flushes first.
    pub fn quantities_many(
        &mut self,
        units: &[UnitId],
        range: DayRange,
    ) -> Result<Vec<Quantities>, StoreError> {
        if !self.delta.is_empty() {
            self.flush()?;
        }
        query::quantities_many(
            &self.conn,
            &self.registry,
            &self.estates_under,
            units,
            range,
        )
    }

    /// Distinct participating households of each of `units` over `range` (see
    /// [`Self::quantities_many`] for everything else). Flushes first.
    pub fn participation_many(
        &mut self,
        units: &[UnitId],
        range: DayRange,
    ) -> Result<Vec<u64>, StoreError> {
        if !self.delta.is_empty() {
            self.flush()?;
        }
        query::participation_many(&self.conn, &self.registry, units, range)
    }

    /// Every put-in stored for `day` (from the log), for audits and recomputation.
    pub fn put_ins_of_day(&self, day: Day, out: &mut Vec<PutIn>) -> Result<(), StoreError> {
        self.log.read(day, 0, out)?;
        Ok(())
    }

    /// Days that hold put-ins.
    pub fn put_in_days(&self) -> Vec<Day> {
        self.log.days()
    }

    /// Every stored low-volume event (re-validated from its stored wire form).
    pub fn other_events(&self) -> Result<Vec<Event>, StoreError> {
        self.read_events(0)
    }

    /// Stored low-volume events after `seq`, in arrival order, re-read from their CSV rows.
    fn read_events(&self, after: i64) -> Result<Vec<Event>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT type, body FROM events WHERE seq > ?1 ORDER BY seq")?;
        let rows: Vec<(String, String)> = st
            .query_map([after], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        // They were validated when they arrived; only the clock check must not apply again.
        let validator = Validator::new(&self.registry, Timestamp(i64::MAX / 4), Limits::default());
        let corrupt = |what: String| StoreError::Corrupt(format!("stored event: {what}"));
        let mut out = Vec::with_capacity(rows.len());
        for (kind, body) in &rows {
            let kind = wire::EVENT_TYPES
                .into_iter()
                .find(|t| t == kind)
                .ok_or_else(|| corrupt(format!("type {kind:?}")))?;
            let header = wire::csv_header(kind).expect("known type");
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(body.as_bytes());
            let record = reader
                .records()
                .next()
                .ok_or_else(|| corrupt("empty row".into()))?
                .map_err(|e| corrupt(e.to_string()))?;
            let wire = wire::record_from_csv(kind, header, record.iter())
                .map_err(|e| corrupt(e.to_string()))?;
            out.push(
                validator
                    .validate(&wire)
                    .map_err(|e| corrupt(e.to_string()))?,
            );
        }
        Ok(out)
    }
}

fn event_id(e: &Event) -> &str {
    match e {
        Event::PutIn(_) => "",
        Event::Incident(x) => &x.id,
        Event::Inspection(x) => &x.id,
        Event::Pickup(x) => &x.id,
        Event::WeighTicket(x) => &x.id,
        Event::Treatment(x) => &x.id,
        Event::Survey(x) => &x.id,
    }
}

fn load_estate_spans(conn: &Connection) -> Result<Vec<(UnitId, u32, u32)>, StoreError> {
    let mut st = conn.prepare("SELECT id, first_household, registered FROM units WHERE first_household IS NOT NULL ORDER BY first_household")?;
    let spans = st
        .query_map([], |r| Ok((UnitId(r.get(0)?), r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(spans)
}

/// The registry with every household, streamed from the table (a city has millions: no
/// intermediate list).
fn load_with_households(conn: &Connection, model: CityModel) -> Result<Registry, StoreError> {
    let mut st =
        conn.prepare("SELECT code, estate, home_point, persons FROM households ORDER BY id")?;
    let rows = st.query_map([], |r| {
        Ok(Household {
            code: r.get(0)?,
            estate: UnitId(r.get(1)?),
            home_point: UnitId(r.get(2)?),
            persons: r.get(3)?,
        })
    })?;
    let mut failure = None;
    let registry = Registry::new(
        model,
        rows.map_while(|row| row.map_err(|e| failure = Some(e)).ok()),
    );
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(registry),
    }
}

fn load_model(conn: &Connection) -> Result<CityModel, StoreError> {
    let ruleset: String =
        conn.query_row("SELECT value FROM meta WHERE key = 'ruleset'", [], |r| {
            r.get(0)
        })?;
    let mut units = Vec::new();
    let mut st = conn.prepare("SELECT id, code, name, level, parent, households, residents, accepts, x_m, y_m FROM units ORDER BY id")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        units.push(Unit {
            id: UnitId(r.get::<_, u32>(0)?),
            code: r.get(1)?,
            name: r.get(2)?,
            level: level_of(r.get(3)?)?,
            parent: r.get::<_, Option<u32>>(4)?.map(UnitId),
            households: r.get(5)?,
            residents: r.get(6)?,
            accepts: CategorySet(r.get(7)?),
            x_m: r.get(8)?,
            y_m: r.get(9)?,
        });
    }
    let mut vehicles = Vec::new();
    let mut st = conn.prepare("SELECT code, category, capacity_kg, district, depot_x_m, depot_y_m FROM vehicles ORDER BY id")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        vehicles.push(Vehicle {
            code: r.get(0)?,
            category: Category::from_index(r.get(1)?)
                .ok_or_else(|| StoreError::Corrupt("vehicle category".into()))?,
            capacity_kg: r.get(2)?,
            district: UnitId(r.get(3)?),
            depot_x_m: r.get(4)?,
            depot_y_m: r.get(5)?,
        });
    }
    let mut facilities = Vec::new();
    let mut st = conn.prepare("SELECT code, name, kind, accepts, capacity_t_per_day, x_m, y_m FROM facilities ORDER BY id")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let kind: String = r.get(2)?;
        facilities.push(Facility {
            code: r.get(0)?,
            name: r.get(1)?,
            kind: FacilityKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("facility kind {kind}")))?,
            accepts: CategorySet(r.get(3)?),
            capacity_t_per_day: r.get(4)?,
            x_m: r.get(5)?,
            y_m: r.get(6)?,
        });
    }
    Ok(CityModel {
        ruleset,
        units,
        vehicles,
        facilities,
    })
}
