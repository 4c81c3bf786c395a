//! The data the server serves, behind one trait ([`Backend`]) so that another store (a
//! PostgreSQL one) can take the embedded store's place without touching the handlers.
//!
//! [`Embedded`] holds one fully opened [`EmbeddedStore`] behind a mutex for ingest (the only
//! writer) and a small pool of read handles (`open_for_queries`) for reports, so queries do not
//! wait for an ingest batch's fsync. Reports (and their JSON) are cached per (units, period)
//! and the cache is dropped whenever an ingest stores something, so a report is never staler
//! than the last acknowledged batch.

use fenlei_app::AppError;
use fenlei_app::govern::targets::{self, TargetRow};
use fenlei_app::records::{RecordResult, RecordStatus, ingest_records_checked};
use fenlei_app::report::{self, Report};
use fenlei_domain::plan::CollectionPlan;
use fenlei_domain::{
    CityModel, Day, DayRange, Event, Level, PutIn, Registry, Shape, Timestamp, UnitId,
};
use fenlei_store::EmbeddedStore;
use fenlei_store::plans::PlanSummary;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// What the handlers need from a store. Every method blocks; call them from
/// `tokio::task::spawn_blocking`.
pub trait Backend: Send + Sync + 'static {
    /// The city: units (with positions), vehicles, facilities.
    fn model(&self) -> &CityModel;
    /// Every metric of each of `units` over `range` (reductions against the default baseline).
    fn report(&self, units: &[UnitId], range: DayRange) -> Result<Arc<Report>, AppError>;
    /// [`Backend::report`] as JSON.
    fn report_json(&self, units: &[UnitId], range: DayRange) -> Result<Arc<[u8]>, AppError> {
        let r = self.report(units, range)?;
        Ok(serde_json::to_vec(&*r)
            .map_err(|e| AppError::Usage(e.to_string()))?
            .into())
    }
    /// The JSON of a report already computed, without blocking on the store (`None`: compute
    /// it with [`Backend::report_json`]).
    fn cached_report_json(&self, _units: &[UnitId], _range: DayRange) -> Option<Arc<[u8]>> {
        None
    }
    /// A response kept under `key` since the last ingest that stored something.
    fn cached_json(&self, _key: &str) -> Option<Arc<[u8]>> {
        None
    }
    /// Keeps a response derived from reports under `key` until the next ingest stores
    /// something.
    fn keep_json(&self, _key: String, _json: Arc<[u8]>) {}
    /// Loads what the first ingest would otherwise load (the deduplication index).
    fn warm_up(&self) -> Result<(), AppError> {
        Ok(())
    }
    /// The default period: 30 days ending on the last simulated day (else yesterday), or the
    /// days given.
    fn period(&self, from: Option<Day>, to: Option<Day>) -> Result<DayRange, AppError>;
    /// Validates and stores `records` (one JSON object each), durable on return.
    fn ingest(
        &self,
        records: &[&[u8]],
        now: Timestamp,
        permitted: &dyn Fn(&Event) -> Result<(), String>,
    ) -> Result<Vec<RecordResult>, AppError>;
    /// Stored collection plans.
    fn plans(&self) -> Result<Vec<PlanSummary>, AppError>;
    /// One stored plan.
    fn plan(&self, id: i64) -> Result<Option<CollectionPlan>, AppError>;
    /// The outlines of those of `units` that have one (in the local metres plane), in the
    /// order of `units`.
    fn shapes(&self, units: &[UnitId]) -> Result<Vec<(UnitId, Shape)>, AppError>;
    /// Put-ins stored for `day`.
    fn put_ins_of_day(&self, day: Day) -> Result<Vec<PutIn>, AppError>;
    /// Days holding put-ins, ascending.
    fn put_in_days(&self) -> Vec<Day>;
    /// Every unit of `level` under `within` against its (inherited) target for `metric` over
    /// `range`, projected to the deadline from the weeks of history the store holds
    /// (`fenlei targets` with the shipped targets).
    fn target_status(
        &self,
        metric: &str,
        level: Level,
        within: Option<UnitId>,
        range: DayRange,
    ) -> Result<Vec<TargetRow>, AppError>;
    /// Red and black lists (红黑榜) of the units of `level` under `within` by `figure` over
    /// `range`, `size` on each, from the stored data (`gov` for lists of published ratings).
    fn lists(
        &self,
        gov: &fenlei_governance::GovernanceDb,
        figure: &fenlei_app::govern::disclose::Figure,
        level: Level,
        within: UnitId,
        range: DayRange,
        size: usize,
    ) -> Result<fenlei_governance::disclose::Snapshot, AppError>;
    /// The registry of the stored city with its households (codes, homes).
    fn registry(&self) -> Arc<Registry>;
    /// Stored low-volume events of one wire type (`incident`, `inspection`, …) of the days in
    /// `range`, in arrival order.
    fn events_of(&self, kind: &str, range: DayRange) -> Result<Vec<Event>, AppError>;
}

type CacheKey = (Vec<UnitId>, Day, Day);

/// The embedded store: one writer, a pool of readers, a report cache.
pub struct Embedded {
    writer: Mutex<EmbeddedStore>,
    readers: Vec<Mutex<EmbeddedStore>>,
    next: AtomicUsize,
    model: CityModel,
    cache: Mutex<HashMap<CacheKey, Arc<Report>>>,
    json: Mutex<HashMap<CacheKey, Arc<[u8]>>>,
    derived: Mutex<HashMap<String, Arc<[u8]>>>,
    cache_reports: bool,
    /// The store's last simulated day (the default period's end), read at open and after
    /// each ingest.
    last_day: Mutex<Option<Day>>,
}

/// Reports cached at most; the cache is cleared when full.
const CACHE_MAX: usize = 20_000;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves the store as consistent as the store itself
    // guarantees (every write is a transaction or an fsynced append); carry on.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Embedded {
    /// Opens the store in `dir`: fully (households loaded, for ingest) and `readers` more
    /// times for queries.
    pub fn open(dir: &Path, readers: usize, cache_reports: bool) -> Result<Embedded, AppError> {
        let writer = EmbeddedStore::open(dir)?;
        let model = writer.model().clone();
        let last_day = report::last_day(&writer)?;
        let readers = (0..readers.max(1))
            .map(|_| EmbeddedStore::open_for_queries(dir).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Embedded {
            writer: Mutex::new(writer),
            readers,
            next: AtomicUsize::new(0),
            model,
            cache: Mutex::new(HashMap::new()),
            json: Mutex::new(HashMap::new()),
            derived: Mutex::new(HashMap::new()),
            cache_reports,
            last_day: Mutex::new(last_day),
        })
    }

    fn reader(&self) -> MutexGuard<'_, EmbeddedStore> {
        // Take a free reader if there is one, else wait for the next in turn.
        for r in &self.readers {
            if let Ok(g) = r.try_lock() {
                return g;
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        lock(&self.readers[i])
    }
}

impl Backend for Embedded {
    fn model(&self) -> &CityModel {
        &self.model
    }

    fn report(&self, units: &[UnitId], range: DayRange) -> Result<Arc<Report>, AppError> {
        let key = (units.to_vec(), range.from, range.to);
        if !self.cache_reports {
            return Ok(Arc::new(report::report(
                &mut self.reader(),
                units,
                range,
                report::baseline_of(range),
            )?));
        }
        if let Some(r) = lock(&self.cache).get(&key) {
            return Ok(r.clone());
        }
        let r = Arc::new(report::report(
            &mut self.reader(),
            units,
            range,
            report::baseline_of(range),
        )?);
        let mut cache = lock(&self.cache);
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(key, r.clone());
        Ok(r)
    }

    fn period(&self, from: Option<Day>, to: Option<Day>) -> Result<DayRange, AppError> {
        // As `report::period`, from the last day read at open (no store access per request).
        let to = match to {
            Some(d) => d,
            None => lock(&self.last_day).unwrap_or_else(|| Day::today().plus(-1)),
        };
        let from = from.unwrap_or(to.plus(1 - report::DEFAULT_PERIOD_DAYS as i32));
        DayRange::new(from, to)
            .ok_or_else(|| AppError::Usage(format!("--from {from} is after --to {to}")))
    }

    fn report_json(&self, units: &[UnitId], range: DayRange) -> Result<Arc<[u8]>, AppError> {
        if let Some(j) = self.cached_report_json(units, range) {
            return Ok(j);
        }
        let r = self.report(units, range)?;
        let j: Arc<[u8]> = serde_json::to_vec(&*r)
            .map_err(|e| AppError::Usage(e.to_string()))?
            .into();
        if self.cache_reports {
            let mut cache = lock(&self.json);
            if cache.len() >= CACHE_MAX {
                cache.clear();
            }
            cache.insert((units.to_vec(), range.from, range.to), j.clone());
        }
        Ok(j)
    }

    fn cached_report_json(&self, units: &[UnitId], range: DayRange) -> Option<Arc<[u8]>> {
        if !self.cache_reports {
            return None;
        }
        lock(&self.json)
            .get(&(units.to_vec(), range.from, range.to))
            .cloned()
    }

    fn cached_json(&self, key: &str) -> Option<Arc<[u8]>> {
        if !self.cache_reports {
            return None;
        }
        lock(&self.derived).get(key).cloned()
    }

    fn keep_json(&self, key: String, json: Arc<[u8]>) {
        if !self.cache_reports {
            return;
        }
        let mut cache = lock(&self.derived);
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(key, json);
    }

    fn warm_up(&self) -> Result<(), AppError> {
        lock(&self.writer).reserve_put_ins(0)?;
        Ok(())
    }

    fn ingest(
        &self,
        records: &[&[u8]],
        now: Timestamp,
        permitted: &dyn Fn(&Event) -> Result<(), String>,
    ) -> Result<Vec<RecordResult>, AppError> {
        let results = ingest_records_checked(&mut lock(&self.writer), records, now, permitted)?;
        if results.iter().any(|r| r.status == RecordStatus::Stored) {
            lock(&self.cache).clear();
            lock(&self.json).clear();
            lock(&self.derived).clear();
        }
        Ok(results)
    }

    fn plans(&self) -> Result<Vec<PlanSummary>, AppError> {
        Ok(self.reader().plans()?)
    }

    fn plan(&self, id: i64) -> Result<Option<CollectionPlan>, AppError> {
        Ok(self.reader().plan(id)?)
    }

    fn shapes(&self, units: &[UnitId]) -> Result<Vec<(UnitId, Shape)>, AppError> {
        Ok(self.reader().shapes_of(units)?)
    }

    fn put_ins_of_day(&self, day: Day) -> Result<Vec<PutIn>, AppError> {
        let mut out = Vec::new();
        lock(&self.writer).put_ins_of_day(day, &mut out)?;
        Ok(out)
    }

    fn put_in_days(&self) -> Vec<Day> {
        lock(&self.writer).put_in_days()
    }

    fn events_of(&self, kind: &str, range: DayRange) -> Result<Vec<Event>, AppError> {
        Ok(self.reader().other_events_of(kind, range)?)
    }

    fn target_status(
        &self,
        metric: &str,
        level: Level,
        within: Option<UnitId>,
        range: DayRange,
    ) -> Result<Vec<TargetRow>, AppError> {
        let mut store = self.reader();
        let weeks = targets::history_weeks(&store, range);
        let shipped = targets::load_targets(None)?;
        targets::status(&mut store, metric, level, within, range, weeks, &shipped)
    }

    fn lists(
        &self,
        gov: &fenlei_governance::GovernanceDb,
        figure: &fenlei_app::govern::disclose::Figure,
        level: Level,
        within: UnitId,
        range: DayRange,
        size: usize,
    ) -> Result<fenlei_governance::disclose::Snapshot, AppError> {
        use fenlei_app::govern::disclose;
        let mut store = self.reader();
        let within = Some(self.model.unit(within).code.clone());
        let spec = disclose::spec(&store, gov, figure, level, within, range, size)?;
        disclose::derive(&mut store, gov, &spec)
    }

    fn registry(&self) -> Arc<Registry> {
        // The writer's: it is the one opened with the households.
        lock(&self.writer).registry_shared()
    }
}
