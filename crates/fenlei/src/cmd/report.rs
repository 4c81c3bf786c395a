//! `fenlei report`: every metric for every unit of a level over a period.

use super::store_args::{StoreArgs, last_day};
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
    /// First day (YYYY-MM-DD); default: 29 days before --to.
    #[arg(long)]
    from: Option<Day>,
    /// Last day (YYYY-MM-DD); default: the last simulated day, else yesterday.
    #[arg(long)]
    to: Option<Day>,
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
    let to = match args.to {
        Some(d) => d,
        None => last_day(&store)?.unwrap_or_else(|| Day::today().plus(-1)),
    };
    let from = args.from.unwrap_or(to.plus(-29));
    let range =
        DayRange::new(from, to).with_context(|| format!("--from {from} is after --to {to}"))?;
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
    let reports = report::report(&mut store, &units, range)?;
    match args.format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&reports)?),
        "csv" => print!("{}", report::render_csv(&reports)?),
        _ if reports.len() == 1 => print!("{}", report::render_unit(&reports[0])),
        _ => print!("{}", report::render_table(&reports)),
    }
    Ok(())
}
