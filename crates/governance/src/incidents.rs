//! Station incidents: acknowledgement and handling by the estate's staff, and the escalation
//! ladder run from stored time — unhandled at 30 minutes, the property manager is reminded; at
//! 90 minutes a case is opened for the community; a day later the street supervises it, after
//! three days the district (督办).
//!
//! A scan at time `T` takes every step that fell due by `T`, each recorded once with the time
//! it fell due (not the time of the scan): scanning at 10:00 then at 12:00 records exactly what
//! one scan at 12:00 records. Replayable and idempotent.

use crate::cases::{self, Action, CaseBook, CaseError, NewCase};
use crate::db::{DbError, GovernanceDb};
use fenlei_domain::{IncidentKind, Timestamp};
use rusqlite::{OptionalExtension, params};

/// An incident with the units above its point.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentInfo {
    /// The feed's id.
    pub id: String,
    /// When it was observed.
    pub time: Timestamp,
    /// What.
    pub kind: IncidentKind,
    /// Point code.
    pub point: String,
    /// Codes of the estate, community, street and district above the point.
    pub estate: String,
    /// Community code.
    pub community: String,
    /// Street code.
    pub street: String,
    /// District code.
    pub district: String,
}

/// Whether an incident kind calls for handling (a fill-level report does not).
pub fn actionable(kind: IncidentKind) -> bool {
    kind != IncidentKind::FillLevel
}

/// The ladder's steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The estate's property manager is reminded.
    Remind,
    /// A case is opened for the community.
    Case,
    /// The street supervises the case.
    Street,
    /// The district supervises the case.
    District,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 4] = [Step::Remind, Step::Case, Step::Street, Step::District];

    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            Step::Remind => "remind",
            Step::Case => "case",
            Step::Street => "street",
            Step::District => "district",
        }
    }
}

/// When each step falls due after the incident, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ladder {
    /// Reminder to the property manager (handling timeout).
    pub remind: i64,
    /// Case for the community (super-timeout).
    pub case: i64,
    /// Street supervision.
    pub street: i64,
    /// District supervision.
    pub district: i64,
    /// The case's deadline after it is opened.
    pub case_deadline: i64,
}

impl Default for Ladder {
    /// 30 min, 90 min, 24 h, 72 h (domain notes §3); cases due 24 h after opening.
    fn default() -> Ladder {
        Ladder {
            remind: 30 * 60,
            case: 90 * 60,
            street: 24 * 3600,
            district: 72 * 3600,
            case_deadline: 24 * 3600,
        }
    }
}

impl Ladder {
    /// Seconds after the incident when `step` falls due.
    pub fn offset(&self, step: Step) -> i64 {
        match step {
            Step::Remind => self.remind,
            Step::Case => self.case,
            Step::Street => self.street,
            Step::District => self.district,
        }
    }
}

/// What the estate's staff did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffAction {
    /// Seen and taken on.
    Ack,
    /// Dealt with on site.
    Handled,
}

impl StaffAction {
    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            StaffAction::Ack => "ack",
            StaffAction::Handled => "handled",
        }
    }
}

/// A step taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Escalation {
    /// The incident.
    pub incident: String,
    /// The step.
    pub step: Step,
    /// When it fell due.
    pub at: Timestamp,
    /// Who was reminded or now supervises.
    pub target: String,
    /// The case, from the case step on.
    pub case: Option<u64>,
}

/// Storage of staff actions and ladder steps.
pub trait IncidentBook {
    /// Records a staff action (the first of each kind counts; later ones are ignored).
    /// Returns whether it was new.
    fn record_action(
        &mut self,
        incident: &str,
        action: StaffAction,
        at: Timestamp,
        actor: &str,
    ) -> Result<bool, DbError>;
    /// When the staff did `action`, if they did.
    fn action_at(&self, incident: &str, action: StaffAction) -> Result<Option<Timestamp>, DbError>;
    /// Records a step once; returns whether it was new.
    fn record_step(&mut self, e: &Escalation) -> Result<bool, DbError>;
    /// The steps taken for an incident.
    fn steps(&self, incident: &str) -> Result<Vec<Escalation>, DbError>;
}

/// Takes every step due by `at` for each incident, once. Returns the steps taken now.
pub fn scan(
    db: &mut (impl IncidentBook + CaseBook),
    incidents: &[IncidentInfo],
    ladder: &Ladder,
    at: Timestamp,
) -> Result<Vec<Escalation>, CaseError> {
    let mut taken = Vec::new();
    for inc in incidents
        .iter()
        .filter(|i| actionable(i.kind) && i.time <= at)
    {
        let handled = db.action_at(&inc.id, StaffAction::Handled)?;
        let mut case_id = db.steps(&inc.id)?.iter().find_map(|s| s.case);
        for step in Step::ALL {
            let due = Timestamp(inc.time.0 + ladder.offset(step));
            if due > at || handled.is_some_and(|h| h <= due) {
                break;
            }
            let target = match step {
                Step::Remind => format!("property:{}", inc.estate),
                Step::Case => format!("community:{}", inc.community),
                Step::Street => format!("street:{}", inc.street),
                Step::District => format!("district:{}", inc.district),
            };
            let level = match step {
                Step::Remind => None,
                Step::Case => {
                    let (case, _) = cases::open(
                        db,
                        NewCase {
                            origin: format!("incident:{}", inc.id),
                            unit: inc.estate.clone(),
                            responsible: target.clone(),
                            problem: format!(
                                "{} at point {} since {} not handled",
                                inc.kind.key(),
                                inc.point,
                                inc.time
                            ),
                            action: format!(
                                "handle the {} and photograph the result",
                                inc.kind.key()
                            ),
                            deadline: Timestamp(due.0 + ladder.case_deadline),
                        },
                        "escalation",
                        due,
                    )?;
                    case_id = Some(case.id);
                    None
                }
                Step::Street => Some(1),
                Step::District => Some(2),
            };
            if let (Some(level), Some(id)) = (level, case_id) {
                let case = db
                    .get(id)?
                    .ok_or_else(|| CaseError::NotFound(format!("CASE-{id:06}")))?;
                if !case.waiting() {
                    break; // fixed or closed meanwhile: the ladder stops
                }
                if case.escalation < level {
                    let to = target.clone();
                    cases::act(db, id, "escalation", due, Action::Escalate { level, to })?;
                }
            }
            let e = Escalation {
                incident: inc.id.clone(),
                step,
                at: due,
                target,
                case: case_id,
            };
            if db.record_step(&e)? {
                taken.push(e);
            }
        }
    }
    Ok(taken)
}

fn step_of(s: &str) -> Result<Step, DbError> {
    Step::ALL
        .into_iter()
        .find(|x| x.key() == s)
        .ok_or_else(|| DbError::Corrupt(format!("escalation step {s:?}")))
}

impl IncidentBook for GovernanceDb {
    fn record_action(
        &mut self,
        incident: &str,
        action: StaffAction,
        at: Timestamp,
        actor: &str,
    ) -> Result<bool, DbError> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO incident_actions (incident, action, at, actor) VALUES (?1, ?2, ?3, ?4)",
            params![incident, action.key(), at.0, actor],
        )?;
        Ok(n == 1)
    }

    fn action_at(&self, incident: &str, action: StaffAction) -> Result<Option<Timestamp>, DbError> {
        Ok(self
            .conn
            .query_row(
                "SELECT at FROM incident_actions WHERE incident = ?1 AND action = ?2",
                params![incident, action.key()],
                |r| r.get(0),
            )
            .optional()?
            .map(Timestamp))
    }

    fn record_step(&mut self, e: &Escalation) -> Result<bool, DbError> {
        let n = self.conn.execute(
            "INSERT OR IGNORE INTO escalations (incident, step, at, target, case_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![e.incident, e.step.key(), e.at.0, e.target, e.case.map(|c| c as i64)],
        )?;
        Ok(n == 1)
    }

    fn steps(&self, incident: &str) -> Result<Vec<Escalation>, DbError> {
        let mut st = self.conn.prepare_cached(
            "SELECT step, at, target, case_id FROM escalations WHERE incident = ?1 ORDER BY at",
        )?;
        let rows: Vec<(String, i64, String, Option<i64>)> = st
            .query_map([incident], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(step, at, target, case)| {
                Ok(Escalation {
                    incident: incident.to_owned(),
                    step: step_of(&step)?,
                    at: Timestamp(at),
                    target,
                    case: case.map(|c| c as u64),
                })
            })
            .collect()
    }
}
