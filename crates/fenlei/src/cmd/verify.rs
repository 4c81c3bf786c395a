//! `fenlei verify`: recomputes a unit's quantities from the raw events alone and compares them
//! with the rollups the reports read: published figures must be reproducible from stored data.

use super::store_args::{StoreArgs, unit_or_first};
use fenlei_app::report;
use fenlei_domain::{Day, Level};
use fenlei_store::EmbeddedStore;

/// Arguments of `fenlei verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Unit code (default: the city).
    #[arg(long)]
    unit: Option<String>,
    /// First day (YYYY-MM-DD); default: 29 days before --to (30 days in all, as in `report`).
    #[arg(long)]
    from: Option<Day>,
    /// Last day (YYYY-MM-DD); default: the last simulated day, else yesterday.
    #[arg(long)]
    to: Option<Day>,
}

/// Runs `fenlei verify`.
pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let mut store = EmbeddedStore::open(&args.store.db)?;
    let unit = unit_or_first(&store, args.unit.as_deref(), Level::City)?;
    let range = report::period(&store, args.from, args.to)?;
    println!(
        "报告期 Period {}..{} ({} 天 days)",
        range.from,
        range.to,
        range.len()
    );
    let t = std::time::Instant::now();
    let rolled = store.quantities(unit, range)?;
    let raw = fenlei_store::recompute(&store, unit, range)?;
    let name = &store.model().unit(unit).name;
    if rolled == raw {
        println!(
            "{name} {range}: rollups equal the recomputation from raw events ({} put-ins, {} participating households; {:.1} s)",
            raw.total().putins,
            raw.participating_households,
            t.elapsed().as_secs_f64()
        );
        Ok(())
    } else {
        println!("rollups:   {rolled:?}\nraw data:  {raw:?}");
        anyhow::bail!("{name} {range}: rollups differ from the raw events")
    }
}
