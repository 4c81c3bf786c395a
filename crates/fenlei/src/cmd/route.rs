//! `fenlei route ...`: placeholder until the routing crate lands.

/// Subcommands of `fenlei route`.
#[derive(Debug, clap::Subcommand)]
pub enum RouteCommand {
    /// Solve one instance file.
    Solve {
        /// Instance file.
        file: std::path::PathBuf,
    },
}

/// Runs `fenlei route ...`.
pub fn run(_command: RouteCommand) -> anyhow::Result<()> {
    anyhow::bail!("the routing solver is not built yet")
}
