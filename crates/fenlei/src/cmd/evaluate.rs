//! `fenlei evaluate`: rate every unit under rule sets, item by item, and publish the record.

use super::govern_args::AtArgs;
use super::store_args::StoreArgs;
use fenlei_app::govern::{self, evaluate};
use fenlei_domain::Timestamp;
use fenlei_store::EmbeddedStore;
use std::path::PathBuf;

/// Arguments of `fenlei evaluate`.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Rule file or directory of rule files (repeatable), e.g. data/rules/compliant_estate.toml.
    #[arg(long, required = true)]
    rules: Vec<PathBuf>,
    /// Period: YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD.
    #[arg(long)]
    period: String,
    /// Reviewers' points for explanation items (CSV: ruleset,item,unit,points,note).
    #[arg(long)]
    explanations: Option<PathBuf>,
    /// Explain this unit's ratings item by item (its code).
    #[arg(long)]
    unit: Option<String>,
    /// Open a rectification case for every failed item, due this many days after --at.
    #[arg(long)]
    open_cases: Option<u32>,
    /// Print the whole record as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    at: AtArgs,
}

/// Runs `fenlei evaluate`.
pub fn run(args: EvaluateArgs) -> anyhow::Result<()> {
    let now = args.at.time()?;
    let mut store = EmbeddedStore::open_for_queries(&args.store.db)?;
    let mut gov = govern::open(&args.store.db)?;
    let req = evaluate::EvaluateRequest {
        rules: args.rules,
        range: govern::parse_period(&args.period)?,
        explanations: args.explanations,
    };
    let t = std::time::Instant::now();
    let out = evaluate::evaluate(&mut store, &mut gov, &req, now)?;
    let secs = t.elapsed().as_secs_f64();
    let p = &out.published;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&p.record)?);
    } else {
        print!("{}", evaluate::render_summary(p));
        println!(
            "{} ({} ratings, {secs:.2} s)",
            if out.new {
                format!("published as version {}", p.version)
            } else {
                format!(
                    "same data and rules as published version {}: nothing new recorded",
                    p.version
                )
            },
            p.record.ratings.len()
        );
        if let Some(unit) = &args.unit {
            print!("\n{}", evaluate::render_unit(p, unit)?);
        }
    }
    if let Some(days) = args.open_cases {
        let deadline = Timestamp(now.0 + days as i64 * 86_400);
        let n = evaluate::open_cases_for_failures(&mut gov, p, deadline, now)?;
        eprintln!("{n} cases opened for failed items");
    }
    Ok(())
}
