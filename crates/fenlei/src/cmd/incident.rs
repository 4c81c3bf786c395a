//! `fenlei incident …`: station incidents — list, acknowledge, handle, and run the escalation
//! ladder from stored time (30 min reminder, 90 min case, then street and district).

use super::govern_args::AtArgs;
use super::store_args::StoreArgs;
use fenlei_app::govern::{self, incidents as app};
use fenlei_governance::incidents::StaffAction;
use fenlei_store::EmbeddedStore;

/// `fenlei incident` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum IncidentCommand {
    /// Incidents of a period with their handling and escalation steps.
    List(ListArgs),
    /// The estate's staff have seen the incident.
    Ack(ActArgs),
    /// The estate's staff have dealt with it: the ladder stops.
    Handle(ActArgs),
    /// Take every escalation step due by --at (idempotent, replayable).
    Scan(ScanArgs),
}

/// Arguments of `incident list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Period: YYYY-MM, YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD.
    #[arg(long)]
    period: String,
}

/// Arguments of `incident ack` and `handle`.
#[derive(Debug, clap::Args)]
pub struct ActArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The incident's id.
    incident: String,
    /// Who.
    #[arg(long)]
    by: String,
    #[command(flatten)]
    at: AtArgs,
}

/// Arguments of `incident scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    at: AtArgs,
}

/// Runs `fenlei incident …`.
pub fn run(command: IncidentCommand) -> anyhow::Result<()> {
    match command {
        IncidentCommand::List(a) => {
            let store = EmbeddedStore::open_for_queries(&a.store.db)?;
            let gov = govern::open(&a.store.db)?;
            let list = app::stored(&store, Some(govern::parse_period(&a.period)?))?;
            print!("{}", app::render(&gov, &list)?);
        }
        IncidentCommand::Ack(a) => act(a, StaffAction::Ack)?,
        IncidentCommand::Handle(a) => act(a, StaffAction::Handled)?,
        IncidentCommand::Scan(a) => {
            let store = EmbeddedStore::open_for_queries(&a.store.db)?;
            let mut gov = govern::open(&a.store.db)?;
            let t = std::time::Instant::now();
            let taken = app::scan(&store, &mut gov, a.at.time()?)?;
            let count = |k: &str| taken.iter().filter(|e| e.step.key() == k).count();
            println!(
                "{} steps taken: {} reminders, {} cases opened, {} to the street, {} to the district ({:.2} s)",
                taken.len(),
                count("remind"),
                count("case"),
                count("street"),
                count("district"),
                t.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

fn act(a: ActArgs, action: StaffAction) -> anyhow::Result<()> {
    let store = EmbeddedStore::open_for_queries(&a.store.db)?;
    let mut gov = govern::open(&a.store.db)?;
    let new = app::record(&store, &mut gov, &a.incident, action, &a.by, a.at.time()?)?;
    println!(
        "{} {}{}",
        a.incident,
        action.key(),
        if new {
            ""
        } else {
            " (already recorded; the first record stands)"
        }
    );
    Ok(())
}
