//! Benchmarks through the real code paths: ingest throughput (parse → validate → append →
//! rollup) on simulated feeds, bytes on disk per event, and metric query latency for units of
//! every level over days, months and a year.

use crate::AppError;
use crate::progress::Progress;
use crate::simulate::{self, FeedFormat};
use fenlei_domain::{Day, DayRange, Level, Timestamp};
use fenlei_sim::{Preset, SimConfig};
use fenlei_store::EmbeddedStore;
use std::path::Path;
use std::time::{Duration, Instant};

/// One timed ingest of the whole feed into a fresh store.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct IngestRun {
    /// Wall time, seconds (includes the final flush; the store is opened before timing).
    pub seconds: f64,
    /// CPU time of the ingesting thread, seconds (Linux only).
    pub cpu_seconds: Option<f64>,
    /// Time the thread was runnable but waited for a core (other load on the machine).
    pub waited_seconds: Option<f64>,
}

/// Ingest figures.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct IngestFigures {
    /// Feed format.
    pub format: String,
    /// Records in the feed.
    pub records: u64,
    /// Of which put-ins.
    pub put_ins: u64,
    /// Feed size, bytes.
    pub feed_bytes: u64,
    /// Each timed run.
    pub runs: Vec<IngestRun>,
    /// Put-ins per CPU-second in the least disturbed run: one dedicated core's throughput.
    pub best_put_ins_per_cpu_second: Option<f64>,
    /// Put-ins per CPU-second, median run.
    pub median_put_ins_per_cpu_second: Option<f64>,
    /// Put-ins per wall-clock second, best run.
    pub best_put_ins_per_second: f64,
    /// Put-in log bytes per put-in.
    pub log_bytes_per_put_in: f64,
    /// SQLite (units, households, low-volume events, rollups) bytes per record.
    pub db_bytes_per_record: f64,
    /// Whole store (log + SQLite) bytes per record.
    pub store_bytes_per_record: f64,
    /// The saved key index (derived from the log) bytes per put-in.
    pub index_bytes_per_put_in: f64,
    /// Memory of the deduplication index, bytes per million stored ids.
    pub dedup_bytes_per_million_ids: f64,
    /// Seconds for a second run of the same feed (everything a duplicate).
    pub reingest_seconds: f64,
}

/// Runs the ingest benchmark: simulates `days` of `preset` into a feed file under `work`, then
/// ingests it `repeat` times into a fresh store each time, and once more into the last store
/// (where everything is a duplicate and nothing may be added).
pub fn ingest(
    work: &Path,
    preset: Preset,
    seed: u64,
    days: u32,
    format: FeedFormat,
    repeat: usize,
    progress: &mut dyn Progress,
) -> Result<IngestFigures, AppError> {
    let world = simulate::world(preset, seed);
    let start = Day::today().plus(-(days as i32) - 1);
    let config = SimConfig { start, days };
    let feed = work.join(match format {
        FeedFormat::JsonLines => "feed.jsonl",
        FeedFormat::Csv => "feed-csv",
    });
    let stats = simulate::simulate_to_files(&world, config, &feed, format, progress)?;
    let feed_bytes = dir_bytes(&feed);
    let db = work.join("store");
    let rejects = work.join("rejects.jsonl");
    let mut runs = Vec::new();
    let mut store = None;
    for _ in 0..repeat.max(1) {
        drop(store.take());
        let _ = std::fs::remove_dir_all(&db);
        let mut fresh = simulate::create_store(&db, &world)?;
        let t = Instant::now();
        let sched = schedstat();
        let report = crate::ingest::ingest(
            &mut fresh,
            std::slice::from_ref(&feed),
            &rejects,
            Timestamp::now(),
            progress,
        )?;
        let seconds = t.elapsed().as_secs_f64();
        let (cpu_seconds, waited_seconds) = match (sched, schedstat()) {
            (Some((c0, w0)), Some((c1, w1))) => (Some(c1 - c0), Some(w1 - w0)),
            _ => (None, None),
        };
        let total = report.total();
        if total.rejected > 0 || total.accepted != stats.total() {
            return Err(AppError::Usage(format!(
                "benchmark feed did not ingest cleanly: {total:?}"
            )));
        }
        runs.push(IngestRun {
            seconds,
            cpu_seconds,
            waited_seconds,
        });
        store = Some(fresh);
    }
    let mut store = store.expect("at least one run");
    store.compact()?;
    let usage = store.disk_usage();
    let (index_memory, index_ids) = store.key_index_size();
    let t = Instant::now();
    let again = crate::ingest::ingest(
        &mut store,
        std::slice::from_ref(&feed),
        &rejects,
        Timestamp::now(),
        progress,
    )?
    .total();
    let reingest_seconds = t.elapsed().as_secs_f64();
    if again.accepted != 0 {
        return Err(AppError::Usage(format!(
            "re-ingest stored {} records",
            again.accepted
        )));
    }
    let mut cpu: Vec<f64> = runs.iter().filter_map(|r| r.cpu_seconds).collect();
    cpu.sort_by(f64::total_cmp);
    let rate = |c: f64| stats.put_ins as f64 / c;
    let best_wall = runs.iter().map(|r| r.seconds).fold(f64::INFINITY, f64::min);
    Ok(IngestFigures {
        format: match format {
            FeedFormat::JsonLines => "jsonl".into(),
            FeedFormat::Csv => "csv".into(),
        },
        records: stats.total(),
        put_ins: stats.put_ins,
        feed_bytes,
        best_put_ins_per_cpu_second: cpu.first().map(|&c| rate(c)),
        median_put_ins_per_cpu_second: cpu.get(cpu.len() / 2).map(|&c| rate(c)),
        best_put_ins_per_second: rate(best_wall),
        runs,
        log_bytes_per_put_in: usage.log_bytes as f64 / stats.put_ins as f64,
        db_bytes_per_record: usage.db_bytes as f64 / stats.total() as f64,
        store_bytes_per_record: (usage.log_bytes + usage.db_bytes + usage.index_bytes) as f64
            / stats.total() as f64,
        index_bytes_per_put_in: usage.index_bytes as f64 / stats.put_ins as f64,
        dedup_bytes_per_million_ids: index_memory as f64 * 1e6 / index_ids.max(1) as f64,
        reingest_seconds,
    })
}

/// This thread's time on a core and time spent runnable but waiting, in seconds, from
/// `/proc/thread-self/schedstat` (nanosecond counters; Linux only).
pub fn schedstat() -> Option<(f64, f64)> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let mut f = text.split_whitespace().map(|x| x.parse::<f64>().ok());
    Some((f.next()?? / 1e9, f.next()?? / 1e9))
}

fn dir_bytes(path: &Path) -> u64 {
    if path.is_dir() {
        std::fs::read_dir(path)
            .map(|it| {
                it.filter_map(|e| e.ok())
                    .map(|e| dir_bytes(&e.path()))
                    .sum()
            })
            .unwrap_or(0)
    } else {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }
}

/// Latency of one query shape.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct QueryFigure {
    /// What was asked.
    pub query: String,
    /// Median, milliseconds.
    pub median_ms: f64,
    /// Slowest run, milliseconds.
    pub max_ms: f64,
    /// Runs.
    pub runs: usize,
}

fn time<T>(
    runs: usize,
    mut f: impl FnMut() -> Result<T, AppError>,
) -> Result<(f64, f64), AppError> {
    let mut samples: Vec<Duration> = Vec::with_capacity(runs);
    f()?; // warm the page cache and statement cache
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f()?);
        samples.push(t.elapsed());
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok((
        ms(samples[samples.len() / 2]),
        ms(*samples.last().expect("runs > 0")),
    ))
}

/// Query latencies on a store: every metric for one estate, one street and the whole district
/// over one day, one month and the last year; and the anchor queries Q1–Q5.
pub fn queries(
    store: &mut EmbeddedStore,
    last: Day,
    runs: usize,
) -> Result<Vec<QueryFigure>, AppError> {
    let model = store.model().clone();
    let pick = |level: Level| {
        model
            .at_level(level)
            .nth(model.at_level(level).count() / 2)
            .map(|u| u.id)
    };
    let (Some(estate), Some(street), Some(district)) = (
        pick(Level::Estate),
        pick(Level::Street),
        pick(Level::District),
    ) else {
        return Err(AppError::Usage(
            "the store has no estate, street or district".into(),
        ));
    };
    let day = DayRange {
        from: last,
        to: last,
    };
    let month = DayRange {
        from: last.month_start(),
        to: last.month_start().next_month_start().plus(-1).min(last),
    };
    let year = DayRange {
        from: last.plus(-364),
        to: last,
    };
    let mut out = Vec::new();
    for (unit_label, unit) in [
        ("estate", estate),
        ("street", street),
        ("district", district),
    ] {
        for (period_label, range) in [("day", day), ("month", month), ("year (365 days)", year)] {
            let (median, max) = time(runs, || {
                crate::report::report(store, &[unit], range, crate::report::baseline_of(range))
            })?;
            out.push(QueryFigure {
                query: format!("all metrics, one {unit_label}, one {period_label}"),
                median_ms: median,
                max_ms: max,
                runs,
            });
        }
    }
    let estates: Vec<_> = model.at_level(Level::Estate).map(|u| u.id).collect();
    let last30 = DayRange {
        from: last.plus(-29),
        to: last,
    };
    let (m, x) = time(runs, || {
        Ok(store.quantities(estate, last30)?.participating_households)
    })?;
    out.push(QueryFigure {
        query: "Q1 one estate's participation, 30 days".into(),
        median_ms: m,
        max_ms: x,
        runs,
    });
    let (m, x) = time(runs, || Ok(store.participation_many(&estates, year)?))?;
    out.push(QueryFigure {
        query: format!(
            "Q2 participation of all {} estates, 365 days",
            estates.len()
        ),
        median_ms: m,
        max_ms: x,
        runs,
    });
    let (m, x) = time(runs, || {
        let mut months = Vec::new();
        let mut d = year.from.month_start();
        while d <= year.to {
            let range = DayRange {
                from: d.max(year.from),
                to: d.next_month_start().plus(-1).min(year.to),
            };
            let q = store.quantities(district, range)?;
            months.push((
                q.total().correct,
                q.total().judged,
                q.facts.map(|f| f.putin_grams),
            ));
            d = d.next_month_start();
        }
        Ok(months)
    })?;
    out.push(QueryFigure {
        query: "Q3 district accuracy and kg per category, per month, 12 months".into(),
        median_ms: m,
        max_ms: x,
        runs,
    });
    // The last whole calendar month.
    let last_month = {
        let to = last.plus(1).month_start().plus(-1);
        DayRange {
            from: to.month_start(),
            to,
        }
    };
    let (m, x) = time(runs, || {
        let mut ranked: Vec<(fenlei_domain::UnitId, f64)> = store
            .quantities_many(&estates, last_month)?
            .iter()
            .map(|q| {
                (
                    q.unit,
                    q.total().correct as f64 / q.total().judged.max(1) as f64,
                )
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(ranked)
    })?;
    out.push(QueryFigure {
        query: format!(
            "Q4 ranking of {} estates by accuracy, last calendar month",
            estates.len()
        ),
        median_ms: m,
        max_ms: x,
        runs,
    });
    let (m, x) = time(runs, || {
        Ok(store.quantities(district, year)?.participating_households)
    })?;
    out.push(QueryFigure {
        query: "Q5 distinct participating households in the district, 365 days".into(),
        median_ms: m,
        max_ms: x,
        runs,
    });
    Ok(out)
}
