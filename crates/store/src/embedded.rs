//! The embedded store: a directory holding `fenlei.sqlite` (units, households, low-volume
//! events, rollups, checkpoints) and `putins/` (the put-in log).
//!
//! Write path: [`EmbeddedStore::append`] deduplicates, makes the raw events durable (log blocks
//! fsynced; low-volume events committed) and aggregates them in memory; [`EmbeddedStore::flush`]
//! writes the aggregate into the rollup tables together with a checkpoint of how much raw data
//! they now hold, in one SQLite transaction. After a crash, opening the store replays the raw
//! data past the checkpoint: an acknowledged event is never lost and never counted twice.

use crate::bitmap;
use crate::log::{Damage, LogError, OpenReport, PutInLog, Redelivery};
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
    /// The put-in log is damaged: the store takes no writes until it is repaired.
    #[error("{}; the store takes no writes until `fenlei repair` has quarantined the damage (`fenlei verify` lists it)", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "))]
    Damaged(Vec<Damage>),
    /// A write the store refuses, with the reason.
    #[error("{0}")]
    Invalid(String),
}

/// What an append did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Events stored for the first time.
    pub accepted: u64,
    /// Events already stored with the same id and the same content, ignored.
    pub duplicates: u64,
    /// Events already stored with the same id but other content: the stored version stands
    /// (see [`EmbeddedStore::conflicts`]).
    pub conflicts: u64,
}

impl AppendOutcome {
    /// Adds another outcome.
    pub fn add(&mut self, other: AppendOutcome) {
        self.accepted += other.accepted;
        self.duplicates += other.duplicates;
        self.conflicts += other.conflicts;
    }
}

/// A field in which a re-delivered record differs from the stored one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDiff {
    /// The field's wire name.
    pub field: &'static str,
    /// The stored value (it stands).
    pub stored: String,
    /// The re-delivered value (ignored).
    pub offered: String,
}

/// A re-delivered id whose content differs from the stored record: the first version stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// Position of the re-delivered event in the slice given to the append.
    pub index: usize,
    /// The fields that differ.
    pub fields: Vec<FieldDiff>,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("id already stored with other content (the stored record stands): ")?;
        for (i, d) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} stored {} offered {}", d.field, d.stored, d.offered)?;
        }
        Ok(())
    }
}

/// Bytes the store occupies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskUsage {
    /// The put-in log.
    pub log_bytes: u64,
    /// The SQLite database (with its WAL).
    pub db_bytes: u64,
    /// The saved key index (`putins/keys.idx`, derived from the log).
    pub index_bytes: u64,
}

/// The embedded (SQLite + log) store.
pub struct EmbeddedStore {
    pub(crate) dir: PathBuf,
    pub(crate) conn: Connection,
    pub(crate) log: PutInLog,
    registry: std::sync::Arc<Registry>,
    delta: Delta,
    by_day: Vec<(Day, Vec<PutIn>)>,
    estates_under: Vec<u64>,
    redelivered: Vec<Redelivery>,
    conflicts: Vec<Conflict>,
    duplicates: Vec<usize>,
    /// Bytes of each day file the rollups plus the pending delta hold, not yet checkpointed.
    in_delta: HashMap<Day, u64>,
    /// The events-table sequence the rollups plus the delta hold, not yet checkpointed.
    events_in_delta: Option<i64>,
    /// Events replayed from raw data when the store was opened (after a crash).
    pub recovered: u64,
}

const DB_FILE: &str = "fenlei.sqlite";
pub(crate) const LOG_DIR: &str = "putins";

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
        crate::bin_days::mark_kept(&tx)?;
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

    /// Connects to the store's database after checking that it is a store of this version.
    pub(crate) fn connect_checked(dir: &Path) -> Result<Connection, StoreError> {
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
        Ok(conn)
    }

    fn open_as(dir: &Path, with_households: bool) -> Result<EmbeddedStore, StoreError> {
        let conn = Self::connect_checked(dir)?;
        // Tables added within a format version (plans) are created on open; the rest exist.
        conn.execute_batch(schema::SCHEMA)?;
        let model = load_model(&conn)?;
        let registry = if with_households {
            load_with_households(&conn, model)?
        } else {
            Registry::without_households(model, &load_estate_spans(&conn)?)
        };
        let registry = std::sync::Arc::new(registry);
        let mut log = PutInLog::open(
            &dir.join(LOG_DIR),
            &applied_lengths(&conn)?,
            with_households,
        )?;
        let model = registry.model();
        let city = model.at_level(Level::City).next().map(|u| u.id);
        log.bounds = Some(crate::log::Bounds {
            is_point: model
                .units
                .iter()
                .map(|u| u.level == Level::Point)
                .collect(),
            households: city
                .and_then(|c| registry.household_range(c))
                .map_or(0, |(_, hi)| hi),
        });
        if with_households && !log.opened.damage.is_empty() {
            return Err(StoreError::Damaged(log.opened.damage.clone()));
        }
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
            redelivered: Vec::new(),
            duplicates: Vec::new(),
            conflicts: Vec::new(),
            in_delta: HashMap::new(),
            events_in_delta: None,
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
        let applied = applied_lengths(&self.conn)?;
        let mut buf = Vec::new();
        for day in self.log.days() {
            let done = applied.get(&day).copied().unwrap_or(0);
            if self.log.lengths()[&day] > done.max(16) {
                buf.clear();
                self.log.read(day, done, &mut buf)?;
                self.recovered += buf.len() as u64;
                self.delta.add_put_ins(&buf);
                self.in_delta.insert(day, self.log.lengths()[&day]);
                // A rebuild replays everything: keep the pending aggregate to a few days.
                if self.delta.events > 5_000_000 {
                    self.flush()?;
                }
            }
        }
        let applied_seq: i64 =
            self.conn
                .query_row("SELECT applied_seq FROM checkpoint_events", [], |r| {
                    r.get(0)
                })?;
        let last_seq = self.last_event_seq()?;
        let events = self.read_events(applied_seq)?;
        for e in &events {
            self.delta.add_event(e, &self.registry);
        }
        self.events_in_delta = Some(last_seq);
        self.recovered += events.len() as u64;
        if !self.delta.is_empty() {
            self.flush()?;
        }
        self.fill_bin_days()?;
        Ok(())
    }

    pub(crate) fn delta_is_empty(&self) -> bool {
        self.delta.is_empty()
    }

    pub(crate) fn log_dir(&self) -> &Path {
        self.log.dir()
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Days the key index places `key` in (loading the index).
    pub(crate) fn key_candidates(
        &mut self,
        key: fenlei_domain::EventKey,
        out: &mut Vec<Day>,
    ) -> Result<(), StoreError> {
        self.log.candidates(key, out)?;
        Ok(())
    }

    /// Memory the key index holds and the ids in it (0 until the first append loads it).
    pub fn key_index_size(&self) -> (u64, u64) {
        (self.log.index_memory(), self.log.index_len())
    }

    /// The arrival number of the last stored low-volume event (0 when none): events stored
    /// later have higher numbers ([`Self::other_events_stored_after`]).
    pub fn last_event_seq(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?)
    }

    /// What opening the put-in log found: torn tails cut, torn new files removed, damage.
    pub fn log_opened(&self) -> &OpenReport {
        &self.log.opened
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

    /// Replaces the weighbridge tonnage of the days of `range` with `rows` (see
    /// [`crate::weighed`]): what the chain's reconciliation attributed to each point's ticketed
    /// pickups. Returns the unit-day rows written.
    pub fn replace_weighed(
        &mut self,
        range: DayRange,
        rows: &[fenlei_domain::PointWeighed],
    ) -> Result<u64, StoreError> {
        let model = self.registry.model();
        crate::weighed::replace(&mut self.conn, model, range, rows)
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

    /// Stores put-ins: deduplicated against every stored day, durable on return, aggregated
    /// for the next flush. Re-deliveries of a stored id count as duplicates when their content
    /// is the same and as conflicts otherwise ([`Self::conflicts`]); the stored record stands.
    /// On an error, nothing of the failed write counts as stored: retrying is safe.
    pub fn append_put_ins(&mut self, batch: &[PutIn]) -> Result<AppendOutcome, StoreError> {
        self.require_households()?;
        self.conflicts.clear();
        self.duplicates.clear();
        self.append_put_ins_at(batch, None)
    }

    fn append_put_ins_at(
        &mut self,
        batch: &[PutIn],
        positions: Option<&[usize]>,
    ) -> Result<AppendOutcome, StoreError> {
        for (_, v) in &mut self.by_day {
            v.clear();
        }
        self.redelivered.clear();
        self.log
            .classify(batch, &mut self.by_day, &mut self.redelivered)?;
        let mut outcome = AppendOutcome::default();
        for r in &self.redelivered {
            if r.differs.is_empty() {
                outcome.duplicates += 1;
                self.duplicates
                    .push(positions.map_or(r.index, |p| p[r.index]));
            } else {
                outcome.conflicts += 1;
                let offered = &batch[r.index];
                let fields = r
                    .differs
                    .iter()
                    .map(|&field| FieldDiff {
                        field,
                        stored: put_in_field(&self.registry, &r.stored, field),
                        offered: put_in_field(&self.registry, offered, field),
                    })
                    .collect();
                self.conflicts.push(Conflict {
                    index: positions.map_or(r.index, |p| p[r.index]),
                    fields,
                });
            }
        }
        self.conflicts.sort_by_key(|c| c.index);
        self.duplicates.sort_unstable();
        // Whatever reached the disk is stored (and marked), even when a later day failed.
        let (written, failure) = match self.log.append(&self.by_day) {
            Ok(w) => (w, None),
            Err(e) => (e.written, Some(e.error)),
        };
        for (day, _) in &written {
            let records = &self.by_day.iter().find(|(d, _)| d == day).expect("day").1;
            self.delta.add_put_ins(records);
            outcome.accepted += records.len() as u64;
            self.in_delta.insert(*day, self.log.lengths()[day]);
        }
        if let Some(e) = failure {
            return Err(e.into());
        }
        self.by_day.retain(|(_, v)| !v.is_empty());
        Ok(outcome)
    }

    /// Fault injection, for tests of the failure path: with `Some(n)`, every put-in append
    /// writes `n` bytes and then fails as a full disk does, until set back to `None`.
    pub fn inject_write_failure(&mut self, after_bytes: Option<u64>) {
        self.log.fail_after_bytes = after_bytes;
    }

    /// Makes room for about `put_ins` more put-ins in the deduplication index, so that a large
    /// feed does not grow it step by step.
    pub fn reserve_put_ins(&mut self, put_ins: u64) -> Result<(), StoreError> {
        self.require_households()?;
        self.log.reserve(put_ins)?;
        Ok(())
    }

    /// Conflicts of the last append: re-delivered ids whose content differs from the stored
    /// record, with the fields that differ.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// Positions (in the slice given to the last append) of the events that were already
    /// stored with the same content, in ascending order.
    pub fn duplicates(&self) -> &[usize] {
        &self.duplicates
    }

    /// Stores events of any type: put-ins go to the log, the others to the events table.
    pub fn append(&mut self, events: &[Event]) -> Result<AppendOutcome, StoreError> {
        self.require_households()?;
        self.conflicts.clear();
        self.duplicates.clear();
        let mut positions = Vec::new();
        let mut put_ins = Vec::new();
        for (i, e) in events.iter().enumerate() {
            if let Event::PutIn(p) = e {
                positions.push(i);
                put_ins.push(*p);
            }
        }
        let mut outcome = self.append_put_ins_at(&put_ins, Some(&positions))?;
        if put_ins.len() == events.len() {
            return Ok(outcome);
        }
        let mut stored = Vec::new();
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO events (key, type, day, body) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut existing = tx.prepare_cached("SELECT type, body FROM events WHERE key = ?1")?;
            let mut body = Vec::new();
            for (i, e) in events.iter().enumerate() {
                if matches!(e, Event::PutIn(_)) {
                    continue;
                }
                body.clear();
                let id = event_id(e);
                wire::write_csv(e, id, &*self.registry, &mut body);
                let text = std::str::from_utf8(&body)
                    .expect("writer emits UTF-8")
                    .trim_end();
                let key = e.key().0 as i64;
                if insert.execute(params![key, e.kind(), e.day().0, text])? == 1 {
                    stored.push(e);
                    outcome.accepted += 1;
                    continue;
                }
                let (kind, old): (String, String) =
                    existing.query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let fields = csv_row_differences(&kind, &old, e.kind(), text);
                if fields.is_empty() {
                    outcome.duplicates += 1;
                    self.duplicates.push(i);
                } else {
                    outcome.conflicts += 1;
                    self.conflicts.push(Conflict { index: i, fields });
                }
            }
        }
        tx.commit()?;
        self.duplicates.sort_unstable();
        for e in stored {
            self.delta.add_event(e, &self.registry);
        }
        self.events_in_delta = Some(self.last_event_seq()?);
        Ok(outcome)
    }

    /// Events aggregated in memory but not yet in the rollup tables.
    pub fn pending(&self) -> u64 {
        self.delta.events
    }

    /// Writes pending aggregates into the rollup tables, with the checkpoint, atomically.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        let crate::rollup::Expanded {
            facts,
            bitmaps,
            mut counters,
            bin_days,
        } = self.delta.expand(self.registry.model(), &self.registry);
        let treatments = std::mem::take(&mut self.delta.treatments);
        let tx = self.conn.transaction()?;
        crate::rollup::count_new_days(&tx, &facts, &mut counters)?;
        crate::rollup::write_pickup_flags(&tx, self.registry.model(), &facts)?;
        crate::bin_days::write(&tx, &bin_days)?;
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
            for (day, len) in &self.in_delta {
                st.execute(params![day.0, *len as i64])?;
            }
            if let Some(seq) = self.events_in_delta {
                tx.execute("UPDATE checkpoint_events SET applied_seq = ?1", [seq])?;
            }
        }
        tx.commit()?;
        self.in_delta.clear();
        self.events_in_delta = None;
        self.log.save_index(false)?;
        Ok(())
    }

    /// Bytes on disk.
    pub fn disk_usage(&self) -> DiskUsage {
        let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        DiskUsage {
            log_bytes: self.log.bytes(),
            db_bytes: size(self.dir.join(DB_FILE)) + size(self.dir.join(format!("{DB_FILE}-wal"))),
            index_bytes: size(self.log.dir().join(crate::log::INDEX_FILE)),
        }
    }

    /// Compacts the database file (checkpoints the WAL) and saves the key index.
    pub fn compact(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        self.log.save_index(true)?;
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

    /// A reader of the put-in log that other threads may share (the store itself holds a
    /// SQLite connection, which they may not).
    pub fn put_in_reader(&self) -> PutInReader<'_> {
        PutInReader { log: &self.log }
    }

    /// Days that hold put-ins.
    pub fn put_in_days(&self) -> Vec<Day> {
        self.log.days()
    }

    /// Every stored low-volume event (re-validated from its stored wire form).
    pub fn other_events(&self) -> Result<Vec<Event>, StoreError> {
        self.read_events(0)
    }

    /// The stored low-volume events of one type (`incident`, `pickup`, `weigh_ticket`, …: a
    /// wire type) whose day lies in `range`, in arrival order. A treatment report's day is
    /// the first day it covers. A long range is read and decoded on every core, each thread
    /// with its own connection and days.
    pub fn other_events_of(&self, kind: &str, range: DayRange) -> Result<Vec<Event>, StoreError> {
        let kind = wire::EVENT_TYPES
            .into_iter()
            .find(|t| *t == kind)
            .ok_or_else(|| StoreError::Corrupt(format!("no event type {kind:?}")))?;
        // The days that hold events of the type (the range may be "every day").
        let end = |order: &str| -> Result<Option<i32>, StoreError> {
            Ok(self
                .conn
                .prepare_cached(&format!("SELECT day FROM events WHERE type = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day {order} LIMIT 1"))?
                .query_row(params![kind, range.from.0, range.to.0], |r| r.get(0))
                .optional()?)
        };
        let (Some(first), Some(last)) = (end("ASC")?, end("DESC")?) else {
            return Ok(Vec::new());
        };
        let range = DayRange {
            from: Day(first),
            to: Day(last),
        };
        let days = (last as i64 - first as i64 + 1) as usize;
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(days / 4)
            .max(1);
        if threads == 1 {
            let rows = read_of_kind(&self.conn, &self.registry, kind, range)?;
            return Ok(in_arrival_order(vec![rows]));
        }
        // Chunks of whole days, more than threads so that a busy day does not hold up one.
        let chunks: Vec<DayRange> = (0..threads * 4)
            .map(|i| DayRange {
                from: range.from.plus((days * i / (threads * 4)) as i32),
                to: range.from.plus((days * (i + 1) / (threads * 4)) as i32 - 1),
            })
            .filter(|c| c.to >= c.from)
            .collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let parts = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let (chunks, next, dir, registry) =
                        (&chunks, &next, &self.dir, &*self.registry);
                    scope.spawn(move || -> Result<Vec<(i64, Event)>, StoreError> {
                        let conn = Self::connect_checked(dir)?;
                        let mut out = Vec::new();
                        while let Some(&c) =
                            chunks.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                        {
                            out.extend(read_of_kind(&conn, registry, kind, c)?);
                        }
                        Ok(out)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("an event reader panicked"))
                .collect::<Result<Vec<_>, _>>()
        })?;
        Ok(in_arrival_order(parts))
    }

    /// The stored low-volume events of one type that arrived after arrival number `seq`
    /// ([`Self::last_event_seq`]), whatever day they are of: late deliveries included.
    pub fn other_events_stored_after(
        &self,
        kind: &str,
        seq: i64,
    ) -> Result<Vec<Event>, StoreError> {
        self.events_where("seq > ?1 AND type = ?2", params![seq, kind])
    }

    /// Stored low-volume events after `seq`, in arrival order, re-read from their CSV rows.
    fn read_events(&self, after: i64) -> Result<Vec<Event>, StoreError> {
        self.events_where("seq > ?1", params![after])
    }

    /// The stored low-volume events matching `condition` (an SQL condition on the events
    /// table, with `params`), in arrival order, decoded.
    fn events_where(
        &self,
        condition: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Event>, StoreError> {
        // Sorted here, not by SQLite: its sorter moves every row's body around, while the
        // rows mostly come in arrival order already (an index's order is day, then seq),
        // which a stable sort merely checks.
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT seq, type, body FROM events WHERE {condition}"
        ))?;
        let mut rows: Vec<(i64, (String, String))> = st
            .query_map(params, |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<Result<_, _>>()?;
        rows.sort_by_key(|(seq, _)| *seq);
        let rows: Vec<(String, String)> = rows.into_iter().map(|(_, row)| row).collect();
        self.decode_events(&rows)
    }

    /// Events from their stored `(type, CSV row)`.
    fn decode_events(&self, rows: &[(String, String)]) -> Result<Vec<Event>, StoreError> {
        let mut decoder = Decoder::new(&self.registry);
        let mut out = Vec::with_capacity(rows.len());
        for (kind, body) in rows {
            let kind = wire::EVENT_TYPES
                .into_iter()
                .find(|t| t == kind)
                .ok_or_else(|| StoreError::Corrupt(format!("stored event: type {kind:?}")))?;
            out.push(decoder.decode(kind, body)?);
        }
        Ok(out)
    }
}

/// Events read in parts, put back in arrival order (by `events.seq`), sorting small keys
/// rather than the events themselves.
fn in_arrival_order(parts: Vec<Vec<(i64, Event)>>) -> Vec<Event> {
    let mut events: Vec<Option<Event>> = Vec::new();
    let mut order: Vec<(i64, u32)> = Vec::new();
    for (seq, e) in parts.into_iter().flatten() {
        order.push((seq, events.len() as u32));
        events.push(Some(e));
    }
    order.sort_unstable();
    order
        .into_iter()
        .map(|(_, i)| events[i as usize].take().expect("each event once"))
        .collect()
}

/// The events of one type and some days, with their arrival numbers, decoded.
fn read_of_kind(
    conn: &Connection,
    registry: &Registry,
    kind: &'static str,
    range: DayRange,
) -> Result<Vec<(i64, Event)>, StoreError> {
    let mut st = conn
        .prepare_cached("SELECT seq, body FROM events WHERE type = ?1 AND day BETWEEN ?2 AND ?3")?;
    let mut rows = st.query(params![kind, range.from.0, range.to.0])?;
    let mut decoder = Decoder::new(registry);
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let body = (r.get_ref(1)?.as_str())
            .map_err(|e| StoreError::Corrupt(format!("stored event {seq}: {e}")))?;
        out.push((seq, decoder.decode(kind, body)?));
    }
    Ok(out)
}

/// Decodes stored events from their CSV rows, re-validating them.
struct Decoder<'r> {
    validator: Validator<'r>,
    /// One CSV parser for all rows: building one is most of the cost of a short row.
    row: CsvRow,
}

impl<'r> Decoder<'r> {
    fn new(registry: &'r Registry) -> Decoder<'r> {
        Decoder {
            // They were validated when they arrived; only the clock check must not apply again.
            validator: Validator::new(registry, Timestamp(i64::MAX / 4), Limits::default()),
            row: CsvRow::default(),
        }
    }

    fn decode(&mut self, kind: &'static str, body: &str) -> Result<Event, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("stored event: {what}"));
        let header = wire::csv_header(kind).expect("known type");
        let cells = self.row.parse(body).map_err(|e| corrupt(e.into()))?;
        let wire =
            wire::record_from_csv(kind, header, cells).map_err(|e| corrupt(e.to_string()))?;
        self.validator
            .validate(&wire)
            .map_err(|e| corrupt(e.to_string()))
    }
}

/// Read-only access to a store's put-in log, shareable between threads.
#[derive(Clone, Copy)]
pub struct PutInReader<'s> {
    log: &'s PutInLog,
}

impl PutInReader<'_> {
    /// Days that hold put-ins.
    pub fn days(&self) -> Vec<Day> {
        self.log.days()
    }

    /// Calls `f` with the weight of every put-in stored for `day` — its second of the day,
    /// point, category and grams —, decoding nothing else (see
    /// [`crate::log::PutInLog::scan_weights`]; `buf` is reused between calls). Returns the
    /// number of put-ins.
    pub fn weights_of_day(
        &self,
        day: Day,
        buf: &mut Vec<u8>,
        f: impl FnMut(crate::log::block::Weight),
    ) -> Result<u64, StoreError> {
        Ok(self.log.scan_weights(day, buf, f)?)
    }
}

/// A reusable parser of one CSV row (the stored form of a low-volume event).
struct CsvRow {
    reader: csv_core::Reader,
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl Default for CsvRow {
    fn default() -> CsvRow {
        CsvRow {
            // `new`, not `default`: only `new` builds the parser's state machine.
            reader: csv_core::Reader::new(),
            text: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl CsvRow {
    /// The cells of the first record of `body`.
    fn parse<'r>(&'r mut self, body: &str) -> Result<impl Iterator<Item = &'r str>, &'static str> {
        use csv_core::ReadRecordResult;
        self.reader.reset();
        if self.text.len() < body.len() + 16 {
            self.text.resize(body.len() + 16, 0);
        }
        if self.ends.len() < 32 {
            self.ends.resize(32, 0);
        }
        let (mut input, mut written, mut fields) = (body.as_bytes(), 0, 0);
        loop {
            let (result, read, wrote, ended) =
                self.reader
                    .read_record(input, &mut self.text[written..], &mut self.ends[fields..]);
            input = &input[read..];
            written += wrote;
            fields += ended;
            match result {
                ReadRecordResult::Record => break,
                ReadRecordResult::End => return Err("empty row"),
                ReadRecordResult::OutputFull => {
                    let len = self.text.len() * 2;
                    self.text.resize(len, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len() * 2;
                    self.ends.resize(len, 0);
                }
                // With the input all given, the next call (on nothing) ends the record.
                ReadRecordResult::InputEmpty => {}
            }
        }
        // The cells are the body's bytes less quoting: whole UTF-8 characters.
        let text = std::str::from_utf8(&self.text[..written]).map_err(|_| "not UTF-8")?;
        let ends = &self.ends[..fields];
        Ok((0..fields).map(move |i| &text[if i == 0 { 0 } else { ends[i - 1] }..ends[i]]))
    }
}

/// The checkpoint: how many bytes of each day file the rollups hold.
fn applied_lengths(conn: &Connection) -> Result<HashMap<Day, u64>, StoreError> {
    let mut st = conn.prepare("SELECT day, applied_bytes FROM checkpoint_log")?;
    let rows = st.query_map([], |r| Ok((Day(r.get(0)?), r.get::<_, i64>(1)? as u64)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The fields in which two stored CSV rows of events differ (the rows are the wire form of
/// their types; a different type differs in `type`).
fn csv_row_differences(kind_a: &str, a: &str, kind_b: &str, b: &str) -> Vec<FieldDiff> {
    if kind_a != kind_b {
        return vec![FieldDiff {
            field: "type",
            stored: kind_a.to_owned(),
            offered: kind_b.to_owned(),
        }];
    }
    if a == b {
        return Vec::new();
    }
    let row = |text: &str| -> Vec<String> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .next()
            .and_then(Result::ok)
            .map(|r| r.iter().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let (ra, rb) = (row(a), row(b));
    let header = wire::csv_header(kind_a).unwrap_or(&[]);
    let mut out = Vec::new();
    for i in 0..ra.len().max(rb.len()) {
        let (va, vb) = (ra.get(i), rb.get(i));
        if va != vb {
            out.push(FieldDiff {
                field: header.get(i).copied().unwrap_or("?"),
                stored: va.cloned().unwrap_or_default(),
                offered: vb.cloned().unwrap_or_default(),
            });
        }
    }
    if out.is_empty() {
        // Same fields, other quoting: the same record.
        return Vec::new();
    }
    out
}

/// A put-in's field as its wire form writes it.
fn put_in_field(registry: &Registry, e: &PutIn, field: &str) -> String {
    match field {
        "time" => e.time.to_string(),
        "point" => registry.unit_code(e.point).to_owned(),
        "household" => e
            .household
            .map_or(String::new(), |h| registry.household_code(h).to_owned()),
        "category" => e.category.key().to_owned(),
        "grams" => e.grams.to_string(),
        "verdict" => e.verdict.key().to_owned(),
        "source" => e.source.key().to_owned(),
        _ => String::new(),
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

pub(crate) fn load_model(conn: &Connection) -> Result<CityModel, StoreError> {
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

#[cfg(test)]
mod tests {
    use super::CsvRow;

    #[test]
    fn a_reused_csv_row_parser_reads_what_the_csv_reader_reads() {
        let rows = [
            "pk-1,2026-11-01T06:00:00+08:00,P000001,kitchen,12.5",
            "a,\"b, with a comma\",\"say \"\"hi\"\"\",,\"two\nlines\"",
            "one",
            "é,中文,\"引号\"\"\"",
            "trailing,comma,",
            &"x,".repeat(100),
            &"long".repeat(500),
        ];
        let mut row = CsvRow::default();
        for body in rows {
            let expected: Vec<String> = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(body.as_bytes())
                .records()
                .next()
                .expect("a record")
                .expect("parses")
                .iter()
                .map(str::to_owned)
                .collect();
            let got: Vec<String> = row
                .parse(body)
                .expect("parses")
                .map(str::to_owned)
                .collect();
            assert_eq!(got, expected, "{body:?}");
        }
        assert_eq!(row.parse("").err(), Some("empty row"));
    }
}
