//! `fenlei case …`: rectification cases — open, assign, add evidence, fix, verify or reopen,
//! list with overdue counts, stats per responsible unit, escalate from stored time.

use super::govern_args::AtArgs;
use super::store_args::StoreArgs;
use anyhow::Context;
use fenlei_app::govern::{self, cases as app};
use fenlei_domain::Timestamp;
use fenlei_governance::cases::{self, Action, CaseBook, NewCase, Outcome, Status};
use fenlei_store::EmbeddedStore;
use std::path::PathBuf;

/// `fenlei case` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum CaseCommand {
    /// Open a case by hand, or from every inspection with findings in a period.
    Open(OpenArgs),
    /// Accept a case for the unit responsible, naming the handler.
    Assign(AssignArgs),
    /// Attach a file (photo, document) as evidence; stored content-addressed.
    Evidence(EvidenceArgs),
    /// Mark a case fixed (needs evidence).
    Fix(NoteArgs),
    /// Verify a fixed case (not by its fixer), or close one as false_alarm / no_response.
    Verify(VerifyArgs),
    /// Send a fixed or verified case back.
    Reopen(NoteArgs),
    /// List cases with overdue marks.
    List(ListArgs),
    /// Per responsible unit: cases, overdue, time to fix, on-time rate.
    Stats(ListArgs),
    /// One case with its full history.
    Show(IdArgs),
    /// Escalate every overdue case up its unit's tree, from stored time (idempotent).
    Escalate(ListArgs),
}

/// Who acts, where, when.
#[derive(Debug, clap::Args)]
pub struct Common {
    #[command(flatten)]
    store: StoreArgs,
    /// Who does it (recorded in the history).
    #[arg(long)]
    by: String,
    #[command(flatten)]
    at: AtArgs,
}

/// Arguments of `case open`.
#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    #[command(flatten)]
    common: Common,
    /// Unit code where the problem is.
    #[arg(long, required_unless_present = "from_inspections")]
    unit: Option<String>,
    /// The unit responsible (default: the unit's property manager, property:<unit>).
    #[arg(long)]
    responsible: Option<String>,
    /// The problem.
    #[arg(long, required_unless_present = "from_inspections")]
    problem: Option<String>,
    /// The required action.
    #[arg(long, required_unless_present = "from_inspections")]
    action: Option<String>,
    /// Days until the deadline.
    #[arg(long, default_value_t = 7)]
    days: u32,
    /// Instead: a case per inspection with findings in this period (YYYY-MM, …).
    #[arg(long)]
    from_inspections: Option<String>,
}

/// A case number.
#[derive(Debug, clap::Args)]
pub struct IdArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Case number (42 or CASE-000042).
    case: String,
}

/// Arguments of `case assign`.
#[derive(Debug, clap::Args)]
pub struct AssignArgs {
    #[command(flatten)]
    common: Common,
    /// Case number.
    case: String,
    /// The handler.
    #[arg(long)]
    to: String,
}

/// Arguments of `case evidence`.
#[derive(Debug, clap::Args)]
pub struct EvidenceArgs {
    #[command(flatten)]
    common: Common,
    /// Case number.
    case: String,
    /// The file.
    file: PathBuf,
}

/// A case number and a note.
#[derive(Debug, clap::Args)]
pub struct NoteArgs {
    #[command(flatten)]
    common: Common,
    /// Case number.
    case: String,
    /// What was done, or why it goes back.
    #[arg(long)]
    note: String,
}

/// Arguments of `case verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    common: Common,
    /// Case number.
    case: String,
    /// done, false_alarm, poor_management, no_response or not_handled_in_time (default: done
    /// when fixed on time, not_handled_in_time otherwise).
    #[arg(long)]
    outcome: Option<String>,
}

/// Arguments of `case list`, `stats` and `escalate`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Only cases of this responsible unit.
    #[arg(long)]
    responsible: Option<String>,
    /// Only cases in this status.
    #[arg(long)]
    status: Option<String>,
    #[command(flatten)]
    at: AtArgs,
}

fn act(c: &Common, case: &str, action: Action) -> anyhow::Result<()> {
    let mut gov = govern::open(&c.store.db)?;
    let id = app::parse_id(case)?;
    let done = cases::act(&mut gov, id, &c.by, c.at.time()?, action).map_err(app::case_error)?;
    println!("{} {}", done.code(), done.status);
    Ok(())
}

/// Runs `fenlei case …`.
pub fn run(command: CaseCommand) -> anyhow::Result<()> {
    match command {
        CaseCommand::Open(a) => {
            let store = EmbeddedStore::open_for_queries(&a.common.store.db)?;
            let mut gov = govern::open(&a.common.store.db)?;
            let at = a.common.at.time()?;
            if let Some(p) = &a.from_inspections {
                let range = govern::parse_period(p)?;
                let from = Timestamp::at(range.from, 0);
                let n = app::open_from_inspections(
                    &store,
                    &mut gov,
                    from,
                    govern::end_of(range),
                    a.days as i64,
                )?;
                println!("{n} cases opened from inspection findings");
                return Ok(());
            }
            let unit = a.unit.context("--unit")?;
            let new = NewCase {
                origin: "manual".into(),
                responsible: a.responsible.unwrap_or_else(|| format!("property:{unit}")),
                problem: a.problem.context("--problem")?,
                action: a.action.context("--action")?,
                deadline: Timestamp(at.0 + a.days as i64 * 86_400),
                unit,
            };
            let c = app::open(&store, &mut gov, new, &a.common.by, at)?;
            println!("{} open, due {}", c.code(), c.new.deadline);
        }
        CaseCommand::Assign(a) => act(&a.common, &a.case, Action::Assign { to: a.to })?,
        CaseCommand::Evidence(a) => {
            let mut gov = govern::open(&a.common.store.db)?;
            let id = app::parse_id(&a.case)?;
            let c = app::add_evidence(&mut gov, id, &a.file, &a.common.by, a.common.at.time()?)?;
            let e = c.evidence.last().expect("just added");
            println!("{} evidence {} ({} bytes)", c.code(), e.sha256, e.bytes);
        }
        CaseCommand::Fix(a) => act(&a.common, &a.case, Action::Fix { note: a.note })?,
        CaseCommand::Verify(a) => {
            let outcome = a
                .outcome
                .as_deref()
                .map(|o| {
                    Outcome::parse(o).with_context(|| {
                        format!("unknown outcome {o:?}; expected done, false_alarm, poor_management, no_response or not_handled_in_time")
                    })
                })
                .transpose()?;
            act(&a.common, &a.case, Action::Verify { outcome })?
        }
        CaseCommand::Reopen(a) => act(&a.common, &a.case, Action::Reopen { reason: a.note })?,
        CaseCommand::Show(a) => {
            let gov = govern::open(&a.store.db)?;
            print!("{}", app::render_case(&gov, app::parse_id(&a.case)?)?);
        }
        CaseCommand::List(a) => {
            let gov = govern::open(&a.store.db)?;
            print!("{}", app::render_list(&filtered(&gov, &a)?, a.at.time()?));
        }
        CaseCommand::Stats(a) => {
            let gov = govern::open(&a.store.db)?;
            print!("{}", app::render_stats(&filtered(&gov, &a)?, a.at.time()?));
        }
        CaseCommand::Escalate(a) => {
            let store = EmbeddedStore::open_for_queries(&a.store.db)?;
            let mut gov = govern::open(&a.store.db)?;
            let up = app::escalate(&store, &mut gov, a.at.time()?)?;
            for c in &up {
                println!("{} escalated to level {}", c.code(), c.escalation);
            }
            println!("{} cases escalated", up.len());
        }
    }
    Ok(())
}

fn filtered(
    gov: &fenlei_governance::GovernanceDb,
    a: &ListArgs,
) -> anyhow::Result<Vec<cases::Case>> {
    let status = a
        .status
        .as_deref()
        .map(|s| {
            Status::parse(s).with_context(|| {
                format!(
                    "unknown status {s:?}; expected open, accepted, fixed, verified or reopened"
                )
            })
        })
        .transpose()?;
    Ok(gov
        .all()?
        .into_iter()
        .filter(|c| {
            a.responsible
                .as_ref()
                .is_none_or(|r| &c.new.responsible == r)
        })
        .filter(|c| status.is_none_or(|s| c.status == s))
        .collect())
}
