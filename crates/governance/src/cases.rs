//! Rectification cases (督查整改): a problem, the unit responsible, a deadline, the required
//! action, evidence, a status that moves open → accepted → fixed → verified (or reopened),
//! escalation when overdue, an outcome code and the full history of who did what when.
//!
//! The state machine is pure ([`apply`]); [`CaseBook`] stores cases and their append-only
//! history; evidence files are content-addressed ([`crate::evidence`]).

use crate::db::{DbError, GovernanceDb};
use fenlei_domain::Timestamp;
use rusqlite::{OptionalExtension, params};

macro_rules! keyed {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $key:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// The stable key.
            pub fn key(self) -> &'static str {
                match self { $($name::$var => $key),+ }
            }
            /// The value for a key.
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.key() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.key())
            }
        }
    };
}

keyed! {
    /// Where a case is in its life.
    Status {
        /// Opened, not yet taken on by the unit responsible.
        Open = "open",
        /// Taken on, with a named handler.
        Accepted = "accepted",
        /// Reported fixed, awaiting verification.
        Fixed = "fixed",
        /// Closed by a verifier, with an outcome.
        Verified = "verified",
        /// Sent back after a failed verification.
        Reopened = "reopened",
    }
}

keyed! {
    /// How a case ended (办结情况).
    Outcome {
        /// 已整改: done.
        Done = "done",
        /// 误报: false alarm.
        FalseAlarm = "false_alarm",
        /// 管理不善: fixed, but the problem came from poor management.
        PoorManagement = "poor_management",
        /// 未响应: the unit responsible never responded.
        NoResponse = "no_response",
        /// 未及时处置: fixed after the deadline.
        NotHandledInTime = "not_handled_in_time",
    }
}

keyed! {
    /// What a piece of evidence shows, when its author says so.
    Phase {
        /// The problem as found (整改前).
        Before = "before",
        /// The result of the fix (整改后).
        After = "after",
    }
}

/// A file attached to a case.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// SHA-256 of the content: its address in the evidence store.
    pub sha256: String,
    /// The file's name when it was added.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Who added it.
    pub by: String,
    /// When.
    #[serde(deserialize_with = "crate::ts::de")]
    pub at: Timestamp,
    /// The status the case had (before or after the fix).
    pub stage: Status,
    /// Whether it shows the problem or the fix, when its author said so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// What it shows, in its author's words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// What a new case needs.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewCase {
    /// Where it comes from: `manual`, `inspection:<id>`, `rating:<scope>:<unit>:<item>`,
    /// `incident:<id>`. Automatic origins open a case once however often they are replayed.
    pub origin: String,
    /// Unit code where the problem is.
    pub unit: String,
    /// The unit responsible (code or name).
    pub responsible: String,
    /// The problem.
    pub problem: String,
    /// The required action.
    pub action: String,
    /// Deadline.
    #[serde(deserialize_with = "crate::ts::de")]
    pub deadline: Timestamp,
}

/// A rectification case.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Case {
    /// Number, from 1.
    pub id: u64,
    /// What it was opened with.
    #[serde(flatten)]
    pub new: NewCase,
    /// Who opened it.
    pub opened_by: String,
    /// When.
    #[serde(deserialize_with = "crate::ts::de")]
    pub opened_at: Timestamp,
    /// Status.
    pub status: Status,
    /// The handler named when it was accepted.
    pub assignee: Option<String>,
    /// Who reported it fixed.
    pub fixed_by: Option<String>,
    /// When.
    #[serde(default, deserialize_with = "crate::ts::de_opt")]
    pub fixed_at: Option<Timestamp>,
    /// Who verified it.
    pub verified_by: Option<String>,
    /// When.
    #[serde(default, deserialize_with = "crate::ts::de_opt")]
    pub verified_at: Option<Timestamp>,
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// Escalation level: 0 none, then one per supervision level above the unit responsible.
    pub escalation: u8,
    /// Evidence files, in the order added.
    pub evidence: Vec<Evidence>,
    /// Changes so far (the history's length); guards concurrent updates.
    pub revision: u32,
}

impl Case {
    /// `CASE-000042`.
    pub fn code(&self) -> String {
        format!("CASE-{:06}", self.id)
    }

    /// Whether the case was open at `at` past its deadline: opened by then, and neither fixed
    /// nor closed by then (as far as its current state tells).
    pub fn overdue_at(&self, at: Timestamp) -> bool {
        let by = |t: Option<Timestamp>| t.is_some_and(|t| t <= at);
        self.opened_at <= at
            && at > self.new.deadline
            && !by(self.fixed_at)
            && !by(self.verified_at)
    }

    /// Whether the case still waits for the unit responsible (open, accepted or reopened).
    pub fn waiting(&self) -> bool {
        matches!(
            self.status,
            Status::Open | Status::Accepted | Status::Reopened
        )
    }
}

/// An action on a case.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Opened.
    Open,
    /// Taken on by the unit responsible, naming the handler (or handed to another one).
    Assign {
        /// The handler.
        to: String,
    },
    /// A file added.
    Evidence {
        /// The file.
        file: Evidence,
    },
    /// Reported fixed.
    Fix {
        /// What was done.
        note: String,
    },
    /// Verified by someone other than the fixer, closing the case with an outcome.
    Verify {
        /// The outcome; by default done when fixed on time, not handled in time otherwise.
        outcome: Option<Outcome>,
    },
    /// Sent back.
    Reopen {
        /// Why.
        reason: String,
    },
    /// Raised to a supervision level (from stored time, when overdue).
    Escalate {
        /// The new level.
        level: u8,
        /// Who supervises now.
        to: String,
    },
}

impl Action {
    /// The action's key.
    pub fn key(&self) -> &'static str {
        match self {
            Action::Open => "open",
            Action::Assign { .. } => "assign",
            Action::Evidence { .. } => "evidence",
            Action::Fix { .. } => "fix",
            Action::Verify { .. } => "verify",
            Action::Reopen { .. } => "reopen",
            Action::Escalate { .. } => "escalate",
        }
    }
}

/// One line of a case's history.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HistoryEntry {
    /// 1-based position.
    pub seq: u32,
    /// When.
    #[serde(deserialize_with = "crate::ts::de")]
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// What.
    #[serde(flatten)]
    pub action: Action,
    /// Status before.
    pub before: Option<Status>,
    /// Status after.
    pub after: Status,
}

/// An action refused.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// Not allowed in the case's status.
    #[error("{case} is {status}: cannot {action} (allowed when {allowed})")]
    Illegal {
        /// The case.
        case: String,
        /// Its status.
        status: Status,
        /// The action refused.
        action: &'static str,
        /// Statuses where it is allowed.
        allowed: String,
    },
    /// The verifier is the fixer.
    #[error("{case} was fixed by {who}: verification by the same person is refused")]
    SelfVerification {
        /// The case.
        case: String,
        /// The person.
        who: String,
    },
    /// Fixed without evidence.
    #[error("{case}: add evidence (a photo or document of the fix) before marking it fixed")]
    NoEvidence {
        /// The case.
        case: String,
    },
    /// Anything else about the request.
    #[error("{0}")]
    Invalid(String),
    /// No such case.
    #[error("no case {0}")]
    NotFound(String),
    /// Changed by someone else meanwhile.
    #[error("{0} changed meanwhile; try again")]
    Conflict(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

fn illegal(case: &Case, action: &'static str, allowed: &[Status]) -> CaseError {
    CaseError::Illegal {
        case: case.code(),
        status: case.status,
        action,
        allowed: allowed
            .iter()
            .map(|s| s.key())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// Applies `action` by `actor` at `at`: the case after it and the history entry, or why not.
pub fn apply(
    case: &Case,
    actor: &str,
    at: Timestamp,
    action: Action,
) -> Result<(Case, HistoryEntry), CaseError> {
    use Status::*;
    if actor.trim().is_empty() {
        return Err(CaseError::Invalid(
            "every case action names who does it".into(),
        ));
    }
    let mut c = case.clone();
    let check = |allowed: &[Status]| {
        if allowed.contains(&case.status) {
            Ok(())
        } else {
            Err(illegal(case, action.key(), allowed))
        }
    };
    match &action {
        Action::Open => return Err(CaseError::Invalid("a case is opened once".into())),
        Action::Assign { to } => {
            check(&[Open, Accepted, Reopened])?;
            if to.trim().is_empty() {
                return Err(CaseError::Invalid("assign to whom?".into()));
            }
            c.status = Accepted;
            c.assignee = Some(to.clone());
        }
        Action::Evidence { file } => {
            check(&[Open, Accepted, Fixed, Reopened])?;
            if c.evidence.iter().any(|e| e.sha256 == file.sha256) {
                return Err(CaseError::Invalid(format!(
                    "{}: this file ({}) is already attached",
                    case.code(),
                    file.sha256
                )));
            }
            c.evidence.push(file.clone());
        }
        Action::Fix { .. } => {
            check(&[Accepted, Reopened])?;
            if c.evidence.is_empty() {
                return Err(CaseError::NoEvidence { case: case.code() });
            }
            c.status = Fixed;
            c.fixed_by = Some(actor.to_owned());
            c.fixed_at = Some(at);
        }
        Action::Verify { outcome } => match (case.status, outcome) {
            (Fixed, o) => {
                if case.fixed_by.as_deref() == Some(actor) {
                    return Err(CaseError::SelfVerification {
                        case: case.code(),
                        who: actor.to_owned(),
                    });
                }
                let late = case.fixed_at.is_some_and(|f| f > case.new.deadline);
                let outcome = match o {
                    None if late => Outcome::NotHandledInTime,
                    None => Outcome::Done,
                    Some(Outcome::Done) if late => {
                        return Err(CaseError::Invalid(format!(
                            "{} was fixed after its deadline: its outcome is not_handled_in_time (or poor_management)",
                            case.code()
                        )));
                    }
                    Some(Outcome::FalseAlarm | Outcome::NoResponse) => {
                        return Err(CaseError::Invalid(format!(
                            "{} was fixed: false_alarm and no_response close cases that were not",
                            case.code()
                        )));
                    }
                    Some(o) => *o,
                };
                c.status = Verified;
                c.outcome = Some(outcome);
                c.verified_by = Some(actor.to_owned());
                c.verified_at = Some(at);
            }
            (Open | Accepted | Reopened, Some(o @ (Outcome::FalseAlarm | Outcome::NoResponse))) => {
                if *o == Outcome::NoResponse && at <= case.new.deadline {
                    return Err(CaseError::Invalid(format!(
                        "{}: no_response only after the deadline ({})",
                        case.code(),
                        case.new.deadline
                    )));
                }
                c.status = Verified;
                c.outcome = Some(*o);
                c.verified_by = Some(actor.to_owned());
                c.verified_at = Some(at);
            }
            (Open | Accepted | Reopened, _) => {
                return Err(CaseError::Illegal {
                    case: case.code(),
                    status: case.status,
                    action: "verify",
                    allowed: "fixed (or, to close it as false_alarm or no_response, open, accepted or reopened)".into(),
                });
            }
            (Verified, _) => return Err(illegal(case, "verify", &[Fixed])),
        },
        Action::Reopen { reason } => {
            check(&[Fixed, Verified])?;
            if reason.trim().is_empty() {
                return Err(CaseError::Invalid("reopen needs a reason".into()));
            }
            if case.fixed_by.as_deref() == Some(actor) {
                return Err(CaseError::SelfVerification {
                    case: case.code(),
                    who: actor.to_owned(),
                });
            }
            c.status = Reopened;
            c.fixed_by = None;
            c.fixed_at = None;
            c.verified_by = None;
            c.verified_at = None;
            c.outcome = None;
        }
        Action::Escalate { level, .. } => {
            check(&[Open, Accepted, Reopened])?;
            if *level <= case.escalation {
                return Err(CaseError::Invalid(format!(
                    "{} is already at escalation level {}",
                    case.code(),
                    case.escalation
                )));
            }
            c.escalation = *level;
        }
    }
    c.revision += 1;
    let entry = HistoryEntry {
        seq: c.revision,
        at,
        actor: actor.to_owned(),
        before: Some(case.status),
        after: c.status,
        action,
    };
    Ok((c, entry))
}

/// Storage of cases and their append-only history.
pub trait CaseBook {
    /// Stores a new case with its first history entry; `None` when a case of the same automatic
    /// origin exists already (the number of that case is returned in `Err`-free form by
    /// [`CaseBook::by_origin`]).
    fn insert(&mut self, case: &Case, entry: &HistoryEntry) -> Result<Option<u64>, DbError>;
    /// The case with an automatic origin.
    fn by_origin(&self, origin: &str) -> Result<Option<Case>, DbError>;
    /// One case.
    fn get(&self, id: u64) -> Result<Option<Case>, DbError>;
    /// Stores `case` and appends `entry`, if nobody changed it since `revision`; returns false
    /// when someone did.
    fn update(&mut self, revision: u32, case: &Case, entry: &HistoryEntry)
    -> Result<bool, DbError>;
    /// A case's history, oldest first.
    fn history(&self, id: u64) -> Result<Vec<HistoryEntry>, DbError>;
    /// Every case, by number.
    fn all(&self) -> Result<Vec<Case>, DbError>;
}

/// Opens a case (once per automatic origin: `manual` opens a new one every time). Returns the
/// case and whether it is new.
pub fn open(
    book: &mut impl CaseBook,
    new: NewCase,
    actor: &str,
    at: Timestamp,
) -> Result<(Case, bool), CaseError> {
    for (field, v) in [
        ("unit", &new.unit),
        ("responsible", &new.responsible),
        ("problem", &new.problem),
        ("action", &new.action),
    ] {
        if v.trim().is_empty() {
            return Err(CaseError::Invalid(format!("a case needs a {field}")));
        }
    }
    if new.deadline <= at {
        return Err(CaseError::Invalid(format!(
            "the deadline {} is not after the opening time {at}",
            new.deadline
        )));
    }
    if new.origin != "manual"
        && let Some(c) = book.by_origin(&new.origin)?
    {
        return Ok((c, false));
    }
    let mut case = Case {
        id: 0,
        new,
        opened_by: actor.to_owned(),
        opened_at: at,
        status: Status::Open,
        assignee: None,
        fixed_by: None,
        fixed_at: None,
        verified_by: None,
        verified_at: None,
        outcome: None,
        escalation: 0,
        evidence: Vec::new(),
        revision: 1,
    };
    let entry = HistoryEntry {
        seq: 1,
        at,
        actor: actor.to_owned(),
        action: Action::Open,
        before: None,
        after: Status::Open,
    };
    match book.insert(&case, &entry)? {
        Some(id) => {
            case.id = id;
            Ok((case, true))
        }
        None => {
            let c = book
                .by_origin(&case.new.origin)?
                .ok_or_else(|| CaseError::Conflict(case.new.origin.clone()))?;
            Ok((c, false))
        }
    }
}

/// Applies an action to a stored case and records it in its history.
pub fn act(
    book: &mut impl CaseBook,
    id: u64,
    actor: &str,
    at: Timestamp,
    action: Action,
) -> Result<Case, CaseError> {
    let case = book
        .get(id)?
        .ok_or_else(|| CaseError::NotFound(format!("CASE-{id:06}")))?;
    let (next, entry) = apply(&case, actor, at, action)?;
    if !book.update(case.revision, &next, &entry)? {
        return Err(CaseError::Conflict(case.code()));
    }
    Ok(next)
}

/// Escalates every case overdue at `at` to the level its lateness calls for: one level when
/// past the deadline, one more per `step_secs` after that, up to the length of the case's
/// ladder (`ladder(case)`: the supervising levels above the unit responsible, e.g. its street
/// then its district). Idempotent: replaying the same stored time changes nothing. Returns
/// the cases escalated.
pub fn escalate_overdue(
    book: &mut impl CaseBook,
    at: Timestamp,
    step_secs: i64,
    ladder: impl Fn(&Case) -> Vec<String>,
) -> Result<Vec<Case>, CaseError> {
    let mut out = Vec::new();
    for case in book.all()? {
        if !case.waiting() || !case.overdue_at(at) {
            continue;
        }
        let ladder = ladder(&case);
        if ladder.is_empty() {
            continue;
        }
        let late = at.0 - case.new.deadline.0;
        let level = (1 + late / step_secs.max(1)).min(ladder.len() as i64) as u8;
        if level > case.escalation {
            let to = ladder[level as usize - 1].clone();
            out.push(act(
                book,
                case.id,
                "escalation",
                at,
                Action::Escalate { level, to },
            )?);
        }
    }
    Ok(out)
}

/// Cases of one responsible unit, summed.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct UnitStats {
    /// The unit responsible.
    pub responsible: String,
    /// Cases.
    pub cases: u64,
    /// Not yet verified.
    pub open: u64,
    /// Open past their deadline.
    pub overdue: u64,
    /// Fixed (now or before a verification).
    pub fixed: u64,
    /// Fixed by their deadline.
    pub fixed_on_time: u64,
    /// Mean hours from opening to fix, over fixed cases.
    pub mean_hours_to_fix: Option<f64>,
    /// Fixed on time / fixed.
    pub on_time_rate: Option<f64>,
    /// Escalated at least once.
    pub escalated: u64,
}

/// Per responsible unit: counts, overdue at `at`, time to fix and on-time rate.
pub fn stats(cases: &[Case], at: Timestamp) -> Vec<UnitStats> {
    let mut out: Vec<UnitStats> = Vec::new();
    let mut hours: Vec<f64> = Vec::new();
    for c in cases {
        let i = match out.iter().position(|s| s.responsible == c.new.responsible) {
            Some(i) => i,
            None => {
                out.push(UnitStats {
                    responsible: c.new.responsible.clone(),
                    ..UnitStats::default()
                });
                hours.push(0.0);
                out.len() - 1
            }
        };
        let s = &mut out[i];
        s.cases += 1;
        if c.status != Status::Verified {
            s.open += 1;
        }
        if c.overdue_at(at) {
            s.overdue += 1;
        }
        if c.escalation > 0 {
            s.escalated += 1;
        }
        if let Some(f) = c.fixed_at {
            s.fixed += 1;
            if f <= c.new.deadline {
                s.fixed_on_time += 1;
            }
            hours[i] += (f.0 - c.opened_at.0) as f64 / 3600.0;
        }
    }
    for (s, h) in out.iter_mut().zip(hours) {
        if s.fixed > 0 {
            s.mean_hours_to_fix = Some(h / s.fixed as f64);
            s.on_time_rate = Some(s.fixed_on_time as f64 / s.fixed as f64);
        }
    }
    out.sort_by(|a, b| a.responsible.cmp(&b.responsible));
    out
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DbError> {
    serde_json::from_str(text).map_err(|e| DbError::Corrupt(format!("case: {e}")))
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).expect("cases serialize")
}

impl CaseBook for GovernanceDb {
    fn insert(&mut self, case: &Case, entry: &HistoryEntry) -> Result<Option<u64>, DbError> {
        let tx = self.conn.savepoint()?;
        let origin = (case.new.origin != "manual").then_some(&case.new.origin);
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO cases (origin_key, body, responsible, status, revision) VALUES (?1, '', ?2, ?3, ?4)",
            params![origin, case.new.responsible, case.status.key(), case.revision],
        )?;
        if inserted == 0 {
            return Ok(None);
        }
        let id = tx.last_insert_rowid() as u64;
        let mut stored = case.clone();
        stored.id = id;
        tx.execute(
            "UPDATE cases SET body = ?1 WHERE id = ?2",
            params![json(&stored), id as i64],
        )?;
        tx.execute(
            "INSERT INTO case_history (case_id, seq, entry) VALUES (?1, ?2, ?3)",
            params![id as i64, entry.seq, json(entry)],
        )?;
        tx.commit()?;
        Ok(Some(id))
    }

    fn by_origin(&self, origin: &str) -> Result<Option<Case>, DbError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM cases WHERE origin_key = ?1",
                [origin],
                |r| r.get(0),
            )
            .optional()?;
        body.map(|b| decode(&b)).transpose()
    }

    fn get(&self, id: u64) -> Result<Option<Case>, DbError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM cases WHERE id = ?1", [id as i64], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(|b| decode(&b)).transpose()
    }

    fn update(
        &mut self,
        revision: u32,
        case: &Case,
        entry: &HistoryEntry,
    ) -> Result<bool, DbError> {
        let tx = self.conn.savepoint()?;
        let n = tx.execute(
            "UPDATE cases SET body = ?1, status = ?2, revision = ?3 WHERE id = ?4 AND revision = ?5",
            params![json(case), case.status.key(), case.revision, case.id as i64, revision],
        )?;
        if n == 0 {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO case_history (case_id, seq, entry) VALUES (?1, ?2, ?3)",
            params![case.id as i64, entry.seq, json(entry)],
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn history(&self, id: u64) -> Result<Vec<HistoryEntry>, DbError> {
        let mut st = self
            .conn
            .prepare("SELECT entry FROM case_history WHERE case_id = ?1 ORDER BY seq")?;
        let rows: Vec<String> = st
            .query_map([id as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        rows.iter().map(|t| decode(t)).collect()
    }

    fn all(&self) -> Result<Vec<Case>, DbError> {
        let mut st = self.conn.prepare("SELECT body FROM cases ORDER BY id")?;
        let rows: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        rows.iter().map(|t| decode(t)).collect()
    }
}
