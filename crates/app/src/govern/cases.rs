//! `fenlei case …`: rectification cases over the stored city — opened by hand, from
//! inspection findings, failed rating items or incidents; evidence files content-addressed in
//! the store directory; escalation up the unit's own tree (its street, then its district).

use crate::AppError;
use crate::report::table;
use fenlei_domain::{CityModel, Event, Level, Timestamp, UnitId};
use fenlei_governance::cases::{self, Action, Case, CaseBook, CaseError, Evidence, NewCase, Phase};
use fenlei_governance::{GovernanceDb, evidence};
use fenlei_store::EmbeddedStore;
use std::path::Path;

/// A refused case action is the user's to fix; storage failures are not.
pub fn case_error(e: CaseError) -> AppError {
    match e {
        CaseError::Db(e) => AppError::Governance(e),
        e => AppError::Usage(e.to_string()),
    }
}

/// Days between escalation steps once a case is overdue.
pub const ESCALATION_STEP_SECS: i64 = 3 * 86_400;

/// The supervising levels above a unit: its street, then its district (`street:<code>`, …).
pub fn ladder_of(store: &EmbeddedStore, unit_code: &str) -> Vec<String> {
    store
        .registry()
        .unit(unit_code)
        .map_or_else(Vec::new, |u| ladder_in(store.model(), u))
}

/// [`ladder_of`] for a unit of a city model.
pub fn ladder_in(model: &CityModel, unit: UnitId) -> Vec<String> {
    [Level::Street, Level::District]
        .into_iter()
        .filter(|&l| l < model.unit(unit).level)
        .filter_map(|l| model.ancestor_at(unit, l))
        .map(|u| format!("{}:{}", model.unit(u).level, model.unit(u).code))
        .collect()
}

/// The next rung of the ladder of `case` (whose unit is `unit`): the action raising it one
/// supervision level by hand.
pub fn escalate_one(model: &CityModel, unit: UnitId, case: &Case) -> Result<Action, CaseError> {
    let ladder = ladder_in(model, unit);
    let level = case.escalation as usize + 1;
    let to = ladder.get(level - 1).cloned().ok_or_else(|| {
        CaseError::Invalid(format!(
            "{} is at escalation level {} already, the top of its unit's ladder ({})",
            case.code(),
            case.escalation,
            if ladder.is_empty() {
                "none above it".to_owned()
            } else {
                ladder.join(" → ")
            }
        ))
    })?;
    Ok(Action::Escalate {
        level: level as u8,
        to,
    })
}

/// Checks that a case's unit exists in the stored city.
pub fn check_unit(store: &EmbeddedStore, code: &str) -> Result<(), AppError> {
    store
        .registry()
        .unit(code)
        .map(|_| ())
        .ok_or_else(|| AppError::Usage(format!("no unit with code {code:?}")))
}

/// Opens a case by hand.
pub fn open(
    store: &EmbeddedStore,
    gov: &mut GovernanceDb,
    new: NewCase,
    actor: &str,
    at: Timestamp,
) -> Result<Case, AppError> {
    check_unit(store, &new.unit)?;
    Ok(cases::open(gov, new, actor, at).map_err(case_error)?.0)
}

/// Opens a case for every stored inspection in `[from, to)` that lists findings (once per
/// inspection), the estate's property manager responsible, due `days` after the inspection.
/// Returns how many were opened.
pub fn open_from_inspections(
    store: &EmbeddedStore,
    gov: &mut GovernanceDb,
    from: Timestamp,
    to: Timestamp,
    days: i64,
) -> Result<usize, AppError> {
    let mut opened = 0;
    if to <= from {
        return Ok(0);
    }
    let window = fenlei_domain::DayRange {
        from: from.day(),
        to: Timestamp(to.0 - 1).day(),
    };
    for e in store.other_events_of("inspection", window)? {
        let Event::Inspection(ins) = e else { continue };
        if ins.findings.is_empty() || ins.time < from || ins.time >= to {
            continue;
        }
        let unit = store.model().unit(ins.unit).code.clone();
        let new = NewCase {
            origin: format!("inspection:{}", ins.id),
            responsible: format!("property:{unit}"),
            problem: format!(
                "inspection {} by {}: {}",
                ins.id,
                ins.inspector,
                ins.findings.join("、")
            ),
            action: "rectify every finding and photograph the result".into(),
            deadline: Timestamp(ins.time.0 + days * 86_400),
            unit,
        };
        opened += cases::open(gov, new, &ins.inspector, ins.time)
            .map_err(case_error)?
            .1 as usize;
    }
    Ok(opened)
}

/// Adds a file as evidence: stored content-addressed, then attached.
pub fn add_evidence(
    gov: &mut GovernanceDb,
    id: u64,
    file: &Path,
    actor: &str,
    at: Timestamp,
) -> Result<Case, AppError> {
    let bytes = std::fs::read(file).map_err(|e| AppError::io(file, e))?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    add_evidence_bytes(
        gov,
        id,
        EvidenceFile {
            name: &name,
            bytes: &bytes,
            phase: None,
            note: "",
        },
        actor,
        at,
    )
    .map_err(case_error)
}

/// A file handed over in memory (an upload), with what it shows.
#[derive(Clone, Copy, Debug)]
pub struct EvidenceFile<'a> {
    /// The file's name.
    pub name: &'a str,
    /// Its content.
    pub bytes: &'a [u8],
    /// The problem or the fix, if said.
    pub phase: Option<Phase>,
    /// What it shows.
    pub note: &'a str,
}

/// Adds a file handed over in memory as evidence: stored content-addressed, then attached.
/// Refusals are [`CaseError`]s, for callers that answer each kind differently.
pub fn add_evidence_bytes(
    gov: &mut GovernanceDb,
    id: u64,
    file: EvidenceFile<'_>,
    actor: &str,
    at: Timestamp,
) -> Result<Case, CaseError> {
    if file.bytes.is_empty() {
        return Err(CaseError::Invalid(format!(
            "{}: the evidence file is empty",
            file.name
        )));
    }
    let case = gov
        .get(id)?
        .ok_or_else(|| CaseError::NotFound(format!("CASE-{id:06}")))?;
    let sha256 = evidence::put(gov.dir(), file.bytes)?;
    let action = Action::Evidence {
        file: Evidence {
            sha256,
            name: file.name.to_owned(),
            bytes: file.bytes.len() as u64,
            by: actor.to_owned(),
            at,
            stage: case.status,
            phase: file.phase,
            note: file.note.trim().to_owned(),
        },
    };
    cases::act(gov, id, actor, at, action)
}

/// Escalates every overdue case up its unit's tree, from stored time `at`.
pub fn escalate(
    store: &EmbeddedStore,
    gov: &mut GovernanceDb,
    at: Timestamp,
) -> Result<Vec<Case>, AppError> {
    cases::escalate_overdue(gov, at, ESCALATION_STEP_SECS, |c| {
        ladder_of(store, &c.new.unit)
    })
    .map_err(case_error)
}

/// Parses a case number: `42` or `CASE-000042`.
pub fn parse_id(s: &str) -> Result<u64, AppError> {
    s.trim_start_matches("CASE-")
        .parse()
        .map_err(|_| AppError::Usage(format!("{s:?} is not a case number (42 or CASE-000042)")))
}

/// Cases as a table, overdue ones marked at `at`.
pub fn render_list(cases: &[Case], at: Timestamp) -> String {
    let header = vec![
        [
            "case",
            "status",
            "unit",
            "responsible",
            "deadline",
            "overdue",
            "esc",
            "outcome",
            "problem",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let rows: Vec<Vec<String>> = cases
        .iter()
        .map(|c| {
            vec![
                c.code(),
                c.status.to_string(),
                c.new.unit.clone(),
                c.new.responsible.clone(),
                c.new.deadline.to_string(),
                if c.waiting() && c.overdue_at(at) {
                    "yes".into()
                } else {
                    String::new()
                },
                c.escalation.to_string(),
                c.outcome.map(|o| o.to_string()).unwrap_or_default(),
                c.new.problem.chars().take(40).collect(),
            ]
        })
        .collect();
    let overdue = cases
        .iter()
        .filter(|c| c.waiting() && c.overdue_at(at))
        .count();
    format!(
        "{}{} cases, {overdue} overdue\n",
        table(&header, &rows, 9),
        cases.len()
    )
}

/// Per responsible unit: counts, overdue, time to fix, on-time rate.
pub fn render_stats(cases: &[Case], at: Timestamp) -> String {
    let header = vec![
        [
            "responsible",
            "cases",
            "open",
            "overdue",
            "escalated",
            "fixed",
            "on time",
            "on-time rate",
            "mean h to fix",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let rows: Vec<Vec<String>> = cases::stats(cases, at)
        .into_iter()
        .map(|s| {
            vec![
                s.responsible,
                s.cases.to_string(),
                s.open.to_string(),
                s.overdue.to_string(),
                s.escalated.to_string(),
                s.fixed.to_string(),
                s.fixed_on_time.to_string(),
                s.on_time_rate
                    .map_or("—".into(), |r| format!("{:.1}%", r * 100.0)),
                s.mean_hours_to_fix
                    .map_or("—".into(), |h| format!("{h:.1}")),
            ]
        })
        .collect();
    table(&header, &rows, 1)
}

/// A case and its history.
pub fn render_case(gov: &GovernanceDb, id: u64) -> Result<String, AppError> {
    let c = gov
        .get(id)?
        .ok_or_else(|| AppError::Usage(format!("no case CASE-{id:06}")))?;
    let mut out = format!(
        "{} [{}] {} — responsible {}, deadline {}, escalation {}\nproblem: {}\naction: {}\n",
        c.code(),
        c.status,
        c.new.unit,
        c.new.responsible,
        c.new.deadline,
        c.escalation,
        c.new.problem,
        c.new.action
    );
    for e in &c.evidence {
        out += &format!(
            "evidence: {} {} ({} bytes, by {} at {})\n",
            e.sha256, e.name, e.bytes, e.by, e.at
        );
    }
    for h in gov.history(id)? {
        let detail = serde_json::to_value(&h.action).expect("actions serialize");
        out += &format!(
            "{:>3} {} {:<8} {} → {}  {}\n",
            h.seq,
            h.at,
            h.action.key(),
            h.before
                .map(|s| s.to_string())
                .unwrap_or_else(|| "—".into()),
            h.after,
            h.actor
        );
        if detail.as_object().is_some_and(|o| o.len() > 1) {
            out += &format!("      {detail}\n");
        }
    }
    Ok(out)
}
