//! `fenlei sim`: simulate a city's days into feed files (JSON lines or CSV) or into a store.

use super::store_args::CityArgs;
use crate::bar::Bars;
use anyhow::Context;
use fenlei_app::simulate::{self, FeedFormat};
use fenlei_domain::Day;
use fenlei_sim::SimConfig;
use std::path::PathBuf;

/// Arguments of `fenlei sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    #[command(flatten)]
    city: CityArgs,
    /// Days to simulate.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// First day (YYYY-MM-DD); by default the run ends yesterday.
    #[arg(long)]
    start: Option<Day>,
    /// Write feed files here: a JSON-lines file, or a directory of CSV files with --format csv.
    #[arg(long, conflicts_with = "into", required_unless_present = "into")]
    out: Option<PathBuf>,
    /// Feed format for --out.
    #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "csv"])]
    format: String,
    /// Store the events directly in this store (created if missing).
    #[arg(long)]
    into: Option<PathBuf>,
}

/// Runs `fenlei sim`.
pub fn run(args: SimArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.days > 0, "--days must be at least 1");
    let world = simulate::world(args.city.preset(), args.city.seed);
    let start = args
        .start
        .unwrap_or_else(|| Day::today().plus(-(args.days as i32)));
    let config = SimConfig {
        start,
        days: args.days,
    };
    let mut bars = Bars::new();
    if let Some(out) = &args.out {
        let format = if args.format == "csv" {
            FeedFormat::Csv
        } else {
            FeedFormat::JsonLines
        };
        let stats = simulate::simulate_to_files(&world, config, out, format, &mut bars)
            .with_context(|| format!("writing {}", out.display()))?;
        println!(
            "{} households, {}..{}: {stats:?}",
            world.household_count,
            start,
            start.plus(args.days as i32 - 1)
        );
    } else if let Some(db) = &args.into {
        let mut store = simulate::open_or_create(db, &world)?;
        let (stats, outcome) = simulate::simulate_into(&mut store, &world, config, &mut bars)?;
        println!(
            "{} households, {}..{}: {} events, {} stored, {} duplicates",
            world.household_count,
            start,
            start.plus(args.days as i32 - 1),
            stats.total(),
            outcome.accepted,
            outcome.duplicates
        );
    }
    Ok(())
}
