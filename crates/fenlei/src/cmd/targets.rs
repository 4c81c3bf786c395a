//! `fenlei targets`: every unit of a level against its (inherited) target for one metric, with
//! a projection to the deadline, its course and the units responsible; `--at-risk` lists only
//! those at risk or off track.

use super::store_args::StoreArgs;
use anyhow::Context;
use fenlei_app::govern::{self, targets as app};
use fenlei_domain::Level;
use fenlei_governance::targets::Course;
use fenlei_store::EmbeddedStore;
use std::path::PathBuf;

/// Arguments of `fenlei targets`.
#[derive(Debug, clap::Args)]
pub struct TargetsArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Metric key.
    #[arg(long, default_value = "participation_rate")]
    metric: String,
    /// Level of the units.
    #[arg(long, default_value = "estate", value_parser = ["city", "district", "street", "community", "estate"])]
    level: String,
    /// Only units under this unit (its code).
    #[arg(long)]
    within: Option<String>,
    /// Period of the current value: YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD.
    #[arg(long)]
    period: String,
    /// Weeks of history (ending with the period) to project from [default: all the store
    /// holds, up to two years]. From 61 weeks on, a yearly seasonal pattern is fitted too.
    #[arg(long)]
    weeks: Option<usize>,
    /// Targets file (default: data/rules/unit_targets.csv, compiled in).
    #[arg(long)]
    targets: Option<PathBuf>,
    /// Only units at risk or off track.
    #[arg(long)]
    at_risk: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `fenlei targets`.
pub fn run(a: TargetsArgs) -> anyhow::Result<()> {
    let mut store = EmbeddedStore::open_for_queries(&a.store.db)?;
    let level = Level::parse(&a.level).context("level")?;
    let within = match &a.within {
        Some(code) => Some(
            store
                .registry()
                .unit(code)
                .with_context(|| format!("no unit with code {code:?}"))?,
        ),
        None => None,
    };
    let unit_targets = app::load_targets(a.targets.as_deref())?;
    let range = govern::parse_period(&a.period)?;
    let weeks = a
        .weeks
        .unwrap_or_else(|| app::history_weeks(&store, range))
        .max(3);
    let mut rows = app::status(
        &mut store,
        &a.metric,
        level,
        within,
        range,
        weeks,
        &unit_targets,
    )?;
    if a.at_risk {
        rows.retain(|r| matches!(r.course, Course::AtRisk | Course::OffTrack));
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", app::render(&rows));
    }
    Ok(())
}
