//! `fenlei guide QUERY`: placeholder until the guide crate lands.

/// Arguments of `fenlei guide`.
#[derive(Debug, clap::Args)]
pub struct GuideArgs {
    /// The item to look up.
    pub query: Vec<String>,
}

/// Runs `fenlei guide`.
pub fn run(_args: GuideArgs) -> anyhow::Result<()> {
    anyhow::bail!("the sorting guide is not built yet")
}
