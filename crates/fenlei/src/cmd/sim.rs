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
    #[arg(long, conflicts_with_all = ["into", "publish"], required_unless_present_any = ["into", "publish"])]
    out: Option<PathBuf>,
    /// Feed format for --out.
    #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "csv"])]
    format: String,
    /// Store the events directly in this store (created if missing).
    #[arg(long, conflicts_with = "publish")]
    into: Option<PathBuf>,
    /// Publish the events as the city's devices to this MQTT broker (e.g. mqtt://127.0.0.1:1883).
    #[arg(long)]
    publish: Option<String>,
    /// With --publish: fast, realtime or a factor such as 60x (simulated seconds per second).
    #[arg(long, default_value = "fast", requires = "publish")]
    pace: String,
    /// With --publish: records per message at most.
    #[arg(long, default_value_t = 500, requires = "publish")]
    batch: usize,
    /// With --publish: topic prefix.
    #[arg(long, default_value = fenlei_mqtt::DEFAULT_PREFIX, requires = "publish")]
    prefix: String,
    /// With --publish: the publisher's client id.
    #[arg(long, default_value = "fenlei-sim", requires = "publish")]
    client_id: String,
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
    } else if let Some(url) = &args.publish {
        let cfg = fenlei_mqtt::publish::PublishConfig {
            broker: fenlei_mqtt::Broker::parse(url)?,
            client_id: args.client_id.clone(),
            prefix: args.prefix.clone(),
            batch: args.batch,
            pace: fenlei_mqtt::publish::Pace::parse(&args.pace)?,
        };
        let (sim, stats) =
            fenlei_mqtt::publish::publish_sim(&world, config, &cfg, &mut |day, s| {
                eprintln!("{day}: {} events in {} messages", s.events, s.messages);
            })?;
        println!(
            "{} households, {}..{}: {} events published in {} messages ({:.1} MB) in {:.1} s, every message acknowledged by the broker",
            world.household_count,
            start,
            start.plus(args.days as i32 - 1),
            sim.total(),
            stats.messages,
            stats.bytes as f64 / 1e6,
            stats.seconds
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
