//! `fenlei init`: create a store holding a simulated city's units, households, trucks and
//! facilities.

use super::store_args::{CityArgs, StoreArgs};
use anyhow::Context;

/// Arguments of `fenlei init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    city: CityArgs,
}

/// Runs `fenlei init`.
pub fn run(args: InitArgs) -> anyhow::Result<()> {
    let world = fenlei_app::simulate::world(args.city.preset(), args.city.seed);
    let store = fenlei_app::simulate::create_store_reporting(
        &args.store.db,
        &world,
        &mut crate::bar::Bars::new(),
    )
    .with_context(|| format!("creating {}", args.store.db.display()))?;
    let model = store.model();
    println!(
        "created {}: {} ({}), {} units, {} households, {} trucks, {} facilities",
        args.store.db.display(),
        model.city().map(|c| c.name.as_str()).unwrap_or("?"),
        model.ruleset,
        model.units.len(),
        store.registry().household_count(),
        model.vehicles.len(),
        model.facilities.len()
    );
    Ok(())
}
