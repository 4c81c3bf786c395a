//! Flags shared by the subcommands that work on a store.

use std::path::PathBuf;

/// Where the store lives.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// Store directory (created by `fenlei init`, `fenlei sim --into` or `fenlei demo`).
    #[arg(long, default_value = "fenlei-data", env = "FENLEI_DB")]
    pub db: PathBuf,
}

/// The simulated city to build.
#[derive(Debug, Clone, clap::Args)]
pub struct CityArgs {
    /// City size: tiny (one street), towns (three small districts and a rural county),
    /// district (~300,000 households) or city (~10 million).
    #[arg(long, default_value = "district", value_parser = ["tiny", "towns", "district", "city"])]
    pub preset: String,
    /// Seed: the same seed gives the same city and the same events.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

impl CityArgs {
    /// The preset.
    pub fn preset(&self) -> fenlei_sim::Preset {
        fenlei_sim::Preset::parse(&self.preset).expect("clap checked the value")
    }
}

/// The unit with `code`, or the first unit of `level` when no code is given.
pub fn unit_or_first(
    store: &fenlei_store::EmbeddedStore,
    code: Option<&str>,
    level: fenlei_domain::Level,
) -> anyhow::Result<fenlei_domain::UnitId> {
    use anyhow::Context;
    match code {
        Some(code) => store
            .registry()
            .unit(code)
            .with_context(|| format!("no unit with code {code:?}")),
        None => Ok(store
            .model()
            .at_level(level)
            .next()
            .with_context(|| format!("the store has no {level}"))?
            .id),
    }
}
