//! Station incidents over HTTP: a unit's open incidents (overflow, bags on the ground, device
//! faults, …) with the escalation steps the ladder has taken, and the staff's actions on them
//! (acknowledge, mark handled).
//!
//! The incidents are the store's (`incident` events); the actions and steps are the
//! governance tables, through `fenlei_app::govern::incidents` as `fenlei incident ack|handle`
//! uses them (the first record of each action stands; an action before the incident is
//! refused). Only community and estate staff act ([`Role::handles`]); an incident at a point
//! outside the caller's scope answers 404, as one that does not exist. Every recorded action
//! is in the audit log.
//!
//! [`Role::handles`]: crate::accounts::Role::handles

use crate::AppState;
use crate::api::{self, P, Q, blocking};
use crate::auth::{self, Viewer};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::export::{Format, Table};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use fenlei_app::govern::incidents as app;
use fenlei_domain::{Day, DayRange, Timestamp, UnitId};
use fenlei_governance::incidents::{
    IncidentBook, IncidentInfo, Ladder, StaffAction, Step, actionable,
};

/// The incident routes of the API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", get(incidents_json))
        .route("/api/v1/incidents/{id}/ack", post(ack_json))
        .route("/api/v1/incidents/{id}/handled", post(handled_json))
}

/// An escalation step taken.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StepView {
    /// remind, case, street, district.
    pub step: String,
    /// When it fell due (RFC 3339).
    pub at: String,
    /// Who was reminded or supervises.
    pub target: String,
    /// The case opened for it (`CASE-000042`), from the case step on.
    pub case: Option<String>,
}

/// An incident with its handling.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IncidentRow {
    /// The feed's id.
    pub id: String,
    /// When it was observed (RFC 3339).
    pub time: String,
    /// overflow, bags_on_ground, …
    pub kind: String,
    /// Point code.
    pub point: String,
    /// Point name.
    pub point_name: String,
    /// Estate code.
    pub estate: String,
    /// Estate name.
    pub estate_name: String,
    /// When the staff acknowledged it.
    pub acknowledged: Option<String>,
    /// When they handled it.
    pub handled: Option<String>,
    /// The ladder's steps taken (by `fenlei incident scan`).
    pub steps: Vec<StepView>,
    /// The next step not yet taken, while unhandled.
    pub next_step: Option<String>,
    /// When it falls due (RFC 3339).
    pub next_due: Option<String>,
}

/// A unit's incidents over a period.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IncidentList {
    /// The unit's code.
    pub unit: String,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Incidents calling for handling in the period (fill-level reports do not).
    pub total: usize,
    /// Of which handled.
    pub handled: usize,
    /// The unhandled ones, oldest first.
    pub open: Vec<IncidentRow>,
}

fn every_day() -> DayRange {
    DayRange {
        from: Day(i32::MIN),
        to: Day(i32::MAX),
    }
}

fn rfc3339(t: Timestamp) -> String {
    t.to_string()
}

/// The incident's row, with its handling from the governance tables.
fn row_of(
    state: &AppState,
    gov: &fenlei_governance::GovernanceDb,
    i: &IncidentInfo,
) -> ApiResult<IncidentRow> {
    let name = |code: &str| {
        state
            .units
            .get(code)
            .map(|u| state.model().unit(u).name.clone())
            .unwrap_or_default()
    };
    let at = |a| gov.action_at(&i.id, a).map_err(ApiError::internal);
    let handled = at(StaffAction::Handled)?;
    let steps = gov.steps(&i.id).map_err(ApiError::internal)?;
    let next = if handled.is_none() {
        Step::ALL
            .into_iter()
            .find(|s| !steps.iter().any(|t| t.step == *s))
    } else {
        None
    };
    let ladder = Ladder::default();
    Ok(IncidentRow {
        id: i.id.clone(),
        time: rfc3339(i.time),
        kind: i.kind.key().to_owned(),
        point: i.point.clone(),
        point_name: name(&i.point),
        estate: i.estate.clone(),
        estate_name: name(&i.estate),
        acknowledged: at(StaffAction::Ack)?.map(rfc3339),
        handled: handled.map(rfc3339),
        steps: steps
            .iter()
            .map(|e| StepView {
                step: e.step.key().to_owned(),
                at: rfc3339(e.at),
                target: e.target.clone(),
                case: e.case.map(|c| format!("CASE-{c:06}")),
            })
            .collect(),
        next_step: next.map(|s| s.key().to_owned()),
        next_due: next.map(|s| rfc3339(Timestamp(i.time.0 + ladder.offset(s)))),
    })
}

/// Whether the incident's point lies in `scope`.
fn in_scope(state: &AppState, scope: UnitId, i: &IncidentInfo) -> bool {
    state
        .units
        .get(&i.point)
        .is_some_and(|p| state.in_scope(scope, p))
}

/// The incidents at points under `unit` on the days of `range`: counts, and the unhandled ones.
pub async fn incident_list(
    state: &AppState,
    unit: UnitId,
    range: DayRange,
) -> ApiResult<IncidentList> {
    let st = state.clone();
    blocking(move || {
        let events = st.backend.events_of("incident", range)?;
        let gov = fenlei_app::govern::open(&st.config.db)?;
        let mut total = 0;
        let mut handled = 0;
        let mut open = Vec::new();
        for i in app::infos_in(st.model(), events) {
            if !actionable(i.kind) || !in_scope(&st, unit, &i) {
                continue;
            }
            total += 1;
            let row = row_of(&st, &gov, &i)?;
            if row.handled.is_some() {
                handled += 1;
            } else {
                open.push(row);
            }
        }
        Ok(IncidentList {
            unit: st.model().unit(unit).code.clone(),
            from: range.from.to_string(),
            to: range.to.to_string(),
            total,
            handled,
            open,
        })
    })
    .await
}

/// Records `action` by `viewer` now on incident `id`: role (403), scope (404), then the audit
/// entry `incident.ack` or `incident.handled` when the record is new. Returns the incident's
/// row and whether the record was new (the first record of each action stands).
pub async fn record(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    action: StaffAction,
) -> ApiResult<(IncidentRow, bool)> {
    let role = viewer.role();
    if !role.handles() {
        return Err(ApiError::forbidden(format!(
            "role {} does not handle station incidents (the estates' staff do)",
            role.key()
        )));
    }
    let st = state.clone();
    let (scope, actor, id) = (
        viewer.scope,
        viewer.session.user.name.clone(),
        id.to_owned(),
    );
    blocking(move || {
        let events = st.backend.events_of("incident", every_day())?;
        let incident = app::infos_in(st.model(), events)
            .into_iter()
            .find(|i| i.id == id && in_scope(&st, scope, i))
            .ok_or_else(|| ApiError::not_found(format!("no incident {id}")))?;
        if !actionable(incident.kind) {
            return Err(ApiError::bad_request(format!(
                "{id} is a {} report: nothing to handle",
                incident.kind.key()
            )));
        }
        let mut gov = fenlei_app::govern::open(&st.config.db)?;
        let new = app::record_on(&mut gov, &incident, action, &actor, Timestamp::now())?;
        if new {
            st.accounts
                .audit(
                    &actor,
                    &format!("incident.{}", action.key()),
                    &format!("{id} {} at {}", incident.kind.key(), incident.point),
                )
                .map_err(ApiError::internal)?;
        }
        Ok((row_of(&st, &gov, &incident)?, new))
    })
    .await
}

/// `?unit=&from=&to=&format=`.
#[derive(serde::Deserialize, Default)]
pub struct IncidentQuery {
    /// Unit code (default: the caller's scope).
    pub unit: Option<String>,
    /// First day (default: 30 days before `to`).
    pub from: Option<String>,
    /// Last day (default: the last simulated day).
    pub to: Option<String>,
    /// json, csv, xlsx.
    #[serde(default)]
    pub format: Format,
}

/// The unit a query names (default: the caller's scope); 404 outside it.
pub fn unit_of(state: &AppState, viewer: &Viewer, unit: &Option<String>) -> ApiResult<UnitId> {
    match unit.as_deref().filter(|u| !u.is_empty()) {
        Some(code) => api::resolve(state, viewer, code),
        None => Ok(viewer.scope),
    }
}

/// Unhandled incidents as a table.
pub fn incidents_table(l: &IncidentList) -> Table {
    let mut t = Table::new(
        format!("incidents-{}", l.unit),
        &[
            "id",
            "time",
            "kind",
            "point",
            "point_name",
            "estate",
            "estate_name",
            "acknowledged",
            "steps",
            "next_step",
            "next_due",
        ],
    );
    for r in &l.open {
        t.rows.push(vec![
            r.id.clone(),
            r.time.clone(),
            r.kind.clone(),
            r.point.clone(),
            r.point_name.clone(),
            r.estate.clone(),
            r.estate_name.clone(),
            r.acknowledged.clone().unwrap_or_default(),
            r.steps
                .iter()
                .map(|s| s.step.as_str())
                .collect::<Vec<_>>()
                .join(" → "),
            r.next_step.clone().unwrap_or_default(),
            r.next_due.clone().unwrap_or_default(),
        ]);
    }
    t
}

/// A unit's unhandled station incidents over a period, with the escalation steps taken; and
/// how many there were and how many were handled.
#[utoipa::path(get, path = "/api/v1/incidents",
    params(("unit" = Option<String>, Query, description = "unit code (default: your scope)"), ("from" = Option<String>, Query, description = "first day"), ("to" = Option<String>, Query, description = "last day"), ("format" = Option<Format>, Query, description = "json, csv, xlsx (the open incidents)")),
    responses((status = 200, body = IncidentList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn incidents_json(
    State(state): State<AppState>,
    viewer: Viewer,
    Q(q): Q<IncidentQuery>,
) -> ApiResult<Response> {
    if !viewer.role().sees_governance() {
        return Err(ApiError::forbidden("haulers do not see station incidents"));
    }
    let unit = unit_of(&state, &viewer, &q.unit)?;
    let range = api::period_of(&state, &q.from, &q.to)?;
    let list = incident_list(&state, unit, range).await?;
    incidents_table(&list).respond(q.format, || Json(&list).into_response())
}

/// The answer to a staff action.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Recorded {
    /// Whether this record is new (false: recorded before; the first one stands).
    pub new: bool,
    /// The incident now.
    pub incident: IncidentRow,
}

async fn staff_action(
    state: AppState,
    viewer: Viewer,
    headers: HeaderMap,
    id: String,
    action: StaffAction,
) -> ApiResult<Response> {
    viewer.check_csrf(headers.get(auth::CSRF_HEADER).and_then(|v| v.to_str().ok()))?;
    let (incident, new) = record(&state, &viewer, &id, action).await?;
    Ok(Json(Recorded { new, incident }).into_response())
}

/// Acknowledges an incident (estate staff): seen and taken on.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/ack", params(("id" = String, Path, description = "incident id")),
    responses((status = 200, body = Recorded), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn ack_json(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    P(id): P<String>,
) -> ApiResult<Response> {
    staff_action(state, viewer, headers, id, StaffAction::Ack).await
}

/// Marks an incident handled on site (estate staff); the ladder stops at the steps due so far.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/handled", params(("id" = String, Path, description = "incident id")),
    responses((status = 200, body = Recorded), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn handled_json(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    P(id): P<String>,
) -> ApiResult<Response> {
    staff_action(state, viewer, headers, id, StaffAction::Handled).await
}
