//! `fenlei plan`: a district's collection routes for one category and day, solved, stored and
//! printed; or a stored plan shown again.

use super::store_args::{StoreArgs, unit_or_first};
use crate::bar::Bars;
use anyhow::Context;
use fenlei_app::plan::{self, PlanRequest};
use fenlei_app::report::last_day;
use fenlei_domain::{Category, Day, Level, RuleSet};
use fenlei_store::EmbeddedStore;
use std::time::Duration;

/// Arguments of `fenlei plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// District code (default: the first district).
    #[arg(long)]
    district: Option<String>,
    /// Category to collect.
    #[arg(long, default_value = "kitchen", value_parser = ["recyclable", "hazardous", "kitchen", "other"])]
    category: String,
    /// Day to plan (YYYY-MM-DD); default: the day after the last simulated day, else today.
    #[arg(long)]
    date: Option<Day>,
    /// Days of recent put-ins that estimate each point's volume.
    #[arg(long, default_value_t = 7)]
    lookback: u32,
    /// Solver time budget, seconds.
    #[arg(long, default_value_t = 10.0)]
    time: f64,
    /// Solver iteration budget (stops at whichever budget ends first).
    #[arg(long)]
    iterations: Option<u64>,
    /// Solver seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Parallel searches (seeds seed, seed+1, …), the best plan wins.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Write the day's routing problem as VRPLIB (explicit matrices, windows, the plant as
    /// a reload depot, the lunch break) to this file instead of planning, so that other
    /// solvers can take the same day.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["show", "list", "json", "stops"])]
    export_vrplib: Option<std::path::PathBuf>,
    /// Print every stop of every route.
    #[arg(long)]
    stops: bool,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
    /// Show a stored plan instead of planning.
    #[arg(long, conflicts_with_all = ["district", "date", "list"])]
    show: Option<i64>,
    /// List stored plans.
    #[arg(long)]
    list: bool,
}

/// Runs `fenlei plan`.
pub fn run(args: PlanArgs) -> anyhow::Result<()> {
    let mut store = EmbeddedStore::open_for_queries(&args.store.db)?;
    let rules = RuleSet::for_city(&store.model().ruleset)?;
    if args.list {
        for p in store.plans()? {
            println!(
                "#{:<4} {}  {:<10} {}  {} trucks  {:.1} km  {}",
                p.id,
                p.day,
                p.category,
                store.model().unit(p.district).name,
                p.vehicles,
                p.distance_m as f64 / 1000.0,
                if p.feasible {
                    "feasible"
                } else {
                    "NOT feasible"
                }
            );
        }
        return Ok(());
    }
    let plan = match args.show {
        Some(id) => store.plan(id)?.with_context(|| format!("no plan #{id}"))?,
        None => {
            let district = unit_or_first(&store, args.district.as_deref(), Level::District)?;
            let day = match args.date {
                Some(d) => d,
                None => last_day(&store)?.map_or_else(Day::today, |d| d.plus(1)),
            };
            let request = PlanRequest {
                district,
                category: Category::parse(&args.category)?,
                day,
                lookback_days: args.lookback,
                time_limit: Duration::from_secs_f64(args.time.max(0.1)),
                iterations: args.iterations,
                seed: args.seed,
                threads: args.threads.max(1),
            };
            if let Some(path) = &args.export_vrplib {
                let text = plan::export_vrplib(&mut store, &request)?;
                std::fs::write(path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
                return Ok(());
            }
            plan::plan(&mut store, &request, &mut Bars::new())?
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    } else {
        print!("{}", plan::render(&plan, store.model(), &rules, args.stops));
    }
    Ok(())
}
