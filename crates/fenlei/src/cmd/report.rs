//! `fenlei report`: every metric for every unit of a level over a period.

use super::store_args::StoreArgs;
use anyhow::Context;
use fenlei_app::report;
use fenlei_domain::{Day, DayRange, Level};
use fenlei_store::EmbeddedStore;

/// Arguments of `fenlei report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Level of the units to report: city, district, street, community, estate or point.
    #[arg(long, default_value = "street", value_parser = ["city", "district", "street", "community", "estate", "point"])]
    level: String,
    /// Only units under this unit (its code).
    #[arg(long)]
    within: Option<String>,
    /// First day (YYYY-MM-DD); default: 29 days before --to (30 days in all, as in `verify`).
    #[arg(long)]
    from: Option<Day>,
    /// Last day (YYYY-MM-DD); default: the last simulated day, else yesterday.
    #[arg(long)]
    to: Option<Day>,
    /// First day of the baseline period for reductions; default: --from one year earlier.
    #[arg(long, requires = "baseline_to")]
    baseline_from: Option<Day>,
    /// Last day of the baseline period; default: --to one year earlier.
    #[arg(long, requires = "baseline_from")]
    baseline_to: Option<Day>,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = ["table", "csv", "json"])]
    format: String,
}

/// Runs `fenlei report`.
pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let mut store = EmbeddedStore::open_for_queries(&args.store.db)?;
    for d in &store.log_opened().damage {
        eprintln!(
            "warning: {d}; figures still count what was stored before the damage: run `fenlei verify`, then `fenlei repair`"
        );
    }
    let range = report::period(&store, args.from, args.to)?;
    let baseline = match (args.baseline_from, args.baseline_to) {
        (Some(from), Some(to)) => DayRange::new(from, to)
            .with_context(|| format!("--baseline-from {from} is after --baseline-to {to}"))?,
        _ => report::baseline_of(range),
    };
    let level = Level::parse(&args.level).expect("clap checked the value");
    let within = match &args.within {
        Some(code) => Some(
            store
                .registry()
                .unit(code)
                .with_context(|| format!("no unit with code {code:?}"))?,
        ),
        None => None,
    };
    let units = report::units_at(&store, level, within);
    anyhow::ensure!(
        !units.is_empty(),
        "no {level} units{}",
        args.within
            .map(|w| format!(" under {w}"))
            .unwrap_or_default()
    );
    let report = report::report(&mut store, &units, range, baseline)?;
    match args.format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&report)?),
        "csv" => print!("{}", report::render_csv(&report)?),
        _ => print!("{}", report::render_table(&report)),
    }
    Ok(())
}
