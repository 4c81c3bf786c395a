//! Flags shared by the management subcommands (evaluate, case, incident, points, disclose).

use fenlei_domain::Timestamp;

/// When an action happens: stored time, so that runs are replayable.
#[derive(Debug, Clone, clap::Args)]
pub struct AtArgs {
    /// When (RFC 3339, e.g. 2026-11-05T09:30:00+08:00); default: now.
    #[arg(long)]
    pub at: Option<String>,
}

impl AtArgs {
    /// The time given, or now.
    pub fn time(&self) -> anyhow::Result<Timestamp> {
        match &self.at {
            Some(s) => Ok(Timestamp::parse(s)?),
            None => Ok(Timestamp::now()),
        }
    }
}
