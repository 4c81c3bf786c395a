//! `fenlei disclose …`: publish red and black lists as snapshots (CSV, JSON, xlsx) and verify a
//! published snapshot byte for byte against stored data.

use super::store_args::StoreArgs;
use anyhow::Context;
use fenlei_app::govern::{self, disclose as app};
use fenlei_domain::Level;
use fenlei_store::EmbeddedStore;
use std::path::PathBuf;

/// `fenlei disclose` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum DiscloseCommand {
    /// Rank the units of a level by a metric or a rating; write the snapshot.
    Publish(PublishArgs),
    /// Re-derive a snapshot from stored data and compare it byte for byte.
    Verify(VerifyArgs),
}

/// Arguments of `disclose publish`.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Rank by this metric (e.g. putin_accuracy).
    #[arg(long, conflicts_with = "rating", required_unless_present = "rating")]
    metric: Option<String>,
    /// Rank by the ratings of this rule set (latest published evaluation of the period).
    #[arg(long)]
    rating: Option<String>,
    /// Level of the units ranked.
    #[arg(long, default_value = "estate", value_parser = ["district", "street", "community", "estate", "point"])]
    level: String,
    /// Only units under this unit (its code).
    #[arg(long)]
    within: Option<String>,
    /// Period: YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD.
    #[arg(long)]
    period: String,
    /// Units on each list.
    #[arg(long, default_value_t = 10)]
    size: usize,
    /// Snapshot directory (must not hold one).
    #[arg(long)]
    out: PathBuf,
}

/// Arguments of `disclose verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Snapshot directory.
    snapshot: PathBuf,
}

/// Runs `fenlei disclose …`.
pub fn run(command: DiscloseCommand) -> anyhow::Result<()> {
    match command {
        DiscloseCommand::Publish(a) => {
            let mut store = EmbeddedStore::open_for_queries(&a.store.db)?;
            let gov = govern::open(&a.store.db)?;
            let figure = match (a.metric, a.rating) {
                (Some(m), _) => app::Figure::Metric(m),
                (None, Some(r)) => app::Figure::Rating(r),
                (None, None) => anyhow::bail!("--metric or --rating"),
            };
            let level = Level::parse(&a.level).context("level")?;
            let range = govern::parse_period(&a.period)?;
            let spec = app::spec(&store, &gov, &figure, level, a.within, range, a.size)?;
            let s = app::publish(&mut store, &gov, &spec, &a.out)?;
            println!("{}", s.spec.title);
            for (name, list) in [("红榜 red", &s.red), ("黑榜 black", &s.black)] {
                println!("{name}:");
                for e in list {
                    println!("  {:>2}. {} {} {}", e.rank, e.unit, e.name, e.value);
                }
            }
            println!(
                "published to {} ({} units without data not ranked)",
                a.out.display(),
                s.unranked
            );
        }
        DiscloseCommand::Verify(a) => {
            let mut store = EmbeddedStore::open_for_queries(&a.store.db)?;
            let gov = govern::open(&a.store.db)?;
            let problems = app::verify(&mut store, &gov, &a.snapshot)?;
            for p in &problems {
                println!("{p}");
            }
            anyhow::ensure!(
                problems.is_empty(),
                "{}: {} problems",
                a.snapshot.display(),
                problems.len()
            );
            println!(
                "{}: every file equals its re-derivation from stored data, byte for byte",
                a.snapshot.display()
            );
        }
    }
    Ok(())
}
