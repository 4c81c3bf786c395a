//! `fenlei bench`: the ingest and query benchmarks (figures for BENCHMARKS.md).

use super::store_args::CityArgs;
use crate::bar::Bars;
use fenlei_app::bench;
use fenlei_app::simulate::{self, FeedFormat};
use fenlei_domain::Day;
use fenlei_sim::SimConfig;
use std::path::PathBuf;

/// Benchmarks.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Ingest throughput: simulate feeds, then parse → validate → append → rollup them.
    Ingest {
        #[command(flatten)]
        city: CityArgs,
        /// Days of feed to ingest.
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Feed format.
        #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "csv"])]
        format: String,
        /// Working directory (feed and store are written here).
        #[arg(long, default_value = "target/bench-ingest")]
        work: PathBuf,
        /// Timed runs, each into a fresh store (the best and the median are reported).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// Metric query latency on a store holding a long simulated period.
    Query {
        #[command(flatten)]
        city: CityArgs,
        /// Days to simulate into the store before querying (skipped if it already holds them).
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Store directory.
        #[arg(long, default_value = "target/bench-query")]
        db: PathBuf,
        /// Runs per query.
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
    /// Batch ingest over HTTP against a running `fenlei serve`: post a feed file in batches
    /// and report stored put-ins per second (durable before each answer).
    ServeIngest {
        /// The server's address (host:port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// A device token (`fenlei token issue`).
        #[arg(long, env = "FENLEI_TOKEN")]
        token: String,
        /// The feed (JSON lines, e.g. from `fenlei sim --out`).
        feed: PathBuf,
        /// Records per request.
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
        /// Concurrent connections.
        #[arg(long, default_value_t = 2)]
        connections: usize,
        /// Prefix every record's id with this, so a feed of days the store already holds is
        /// stored again as new records (each run with its own prefix).
        #[arg(long)]
        id_prefix: Option<String>,
    },
}

/// Runs `fenlei bench ...`.
pub fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::ServeIngest {
            addr,
            token,
            feed,
            batch,
            connections,
            id_prefix,
        } => {
            let mut text = std::fs::read_to_string(&feed)
                .map_err(|e| anyhow::anyhow!("{}: {e}", feed.display()))?;
            if let Some(p) = &id_prefix {
                text = text.replace("\"id\":\"", &format!("\"id\":\"{p}"));
            }
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let put_ins = lines.iter().filter(|l| l.contains("\"put_in\"")).count();
            let r = fenlei_server::loadgen::post_feed(&addr, &token, &lines, batch, connections)?;
            println!(
                "serve ingest: {} records ({put_ins} put-ins) in {} batches of {batch} over {connections} connections: {:.2} s, {:.0} records/s stored, {} stored, {} not stored; batch latency p50 {:.1} ms, p99 {:.1} ms",
                r.records,
                r.batches,
                r.seconds,
                r.stored as f64 / r.seconds,
                r.stored,
                r.not_stored,
                r.p50_ms,
                r.p99_ms
            );
        }
        BenchCommand::Ingest {
            city,
            days,
            format,
            work,
            repeat,
        } => {
            std::fs::create_dir_all(&work)?;
            let format = if format == "csv" {
                FeedFormat::Csv
            } else {
                FeedFormat::JsonLines
            };
            let f = bench::ingest(
                &work,
                city.preset(),
                city.seed,
                days,
                format,
                repeat,
                &mut Bars::new(),
            )?;
            println!(
                "ingest, {} preset, {days} days, {} feed ({:.0} MB): {} records, {} put-ins",
                city.preset,
                f.format,
                f.feed_bytes as f64 / 1e6,
                f.records,
                f.put_ins
            );
            for (i, r) in f.runs.iter().enumerate() {
                let cpu = r
                    .cpu_seconds
                    .map(|c| format!("{c:.2} s CPU ({:.0} put-ins/CPU-s)", f.put_ins as f64 / c))
                    .unwrap_or_default();
                let waited = r
                    .waited_seconds
                    .map(|w| format!(", waited {w:.2} s for a core"))
                    .unwrap_or_default();
                println!(
                    "  run {}: {:.2} s wall ({:.0} put-ins/s), {cpu}{waited}",
                    i + 1,
                    r.seconds,
                    f.put_ins as f64 / r.seconds
                );
            }
            if let (Some(best), Some(median)) = (
                f.best_put_ins_per_cpu_second,
                f.median_put_ins_per_cpu_second,
            ) {
                println!(
                    "  put-ins per CPU-second   best {best:.0}, median {median:.0}  (one core: parse → validate → append → rollup)"
                );
            }
            println!(
                "  put-ins per wall second  best {:.0}",
                f.best_put_ins_per_second
            );
            println!(
                "  bytes per put-in in the log        {:.2}",
                f.log_bytes_per_put_in
            );
            println!(
                "  bytes per record in SQLite         {:.2}",
                f.db_bytes_per_record
            );
            println!(
                "  bytes per put-in, key index file   {:.2}",
                f.index_bytes_per_put_in
            );
            println!(
                "  bytes per record, whole store      {:.2}",
                f.store_bytes_per_record
            );
            println!(
                "  dedup index in memory              {:.2} MB per million stored ids",
                f.dedup_bytes_per_million_ids / 1e6
            );
            println!(
                "  re-ingest of the same feed         {:.2} s, nothing stored",
                f.reingest_seconds
            );
        }
        BenchCommand::Query {
            city,
            days,
            db,
            runs,
        } => {
            let world = simulate::world(city.preset(), city.seed);
            let mut store = simulate::open_or_create(&db, &world)?;
            let last = Day::today().plus(-1);
            let have = store.meta("last_day")?.and_then(|d| Day::parse(&d).ok());
            let first = store.meta("first_day")?.and_then(|d| Day::parse(&d).ok());
            if have != Some(last) || first.is_none_or(|f| f > last.plus(1 - days as i32)) {
                drop(store);
                std::fs::remove_dir_all(&db)?;
                store = simulate::create_store(&db, &world)?;
                let start = last.plus(1 - days as i32);
                store.set_meta("first_day", &start.to_string())?;
                simulate::simulate_into(
                    &mut store,
                    &world,
                    SimConfig { start, days },
                    &mut Bars::new(),
                )?;
            }
            store.compact()?;
            let usage = store.disk_usage();
            println!(
                "query latency, {} preset, {days} days in the store ({:.0} MB), {runs} runs each",
                city.preset,
                (usage.log_bytes + usage.db_bytes) as f64 / 1e6
            );
            for q in bench::queries(&mut store, last, runs)? {
                println!(
                    "  {:<66} median {:>8.3} ms   max {:>8.3} ms",
                    q.query, q.median_ms, q.max_ms
                );
            }
        }
    }
    Ok(())
}
