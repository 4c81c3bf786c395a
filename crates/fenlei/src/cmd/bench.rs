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
}

/// Runs `fenlei bench ...`.
pub fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Ingest {
            city,
            days,
            format,
            work,
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
                &mut Bars::new(),
            )?;
            println!(
                "ingest, {} preset, {days} days, {} feed ({:.0} MB)",
                city.preset,
                f.format,
                f.feed_bytes as f64 / 1e6
            );
            println!("  records          {:>12}", f.records);
            println!("  put-ins          {:>12}", f.put_ins);
            println!("  seconds          {:>12.2}", f.seconds);
            println!(
                "  put-ins/s        {:>12.0}  (wall clock)",
                f.put_ins_per_second
            );
            if let (Some(cpu), Some(waited), Some(rate)) =
                (f.cpu_seconds, f.waited_seconds, f.put_ins_per_cpu_second)
            {
                println!("  CPU seconds      {cpu:>12.2}  (waited {waited:.2} s for a core)");
                println!("  put-ins/CPU-s    {rate:>12.0}  (one dedicated core)");
            }
            println!("  records/s        {:>12.0}", f.records_per_second);
            println!("  log B/put-in     {:>12.2}", f.log_bytes_per_put_in);
            println!("  store B/record   {:>12.2}", f.store_bytes_per_record);
            println!(
                "  re-ingest s      {:>12.2}  (every record a duplicate)",
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
