//! Rectification cases over HTTP: one case with its timeline, and the actions the CLI has
//! (`fenlei case assign | evidence | fix | verify | reopen`, and escalation one rung up the
//! unit's ladder) for the people whose job they are.
//!
//! The state machine is `fenlei_governance::cases` and the wiring `fenlei_app::govern::cases`;
//! this module only checks who may ask (role, scope), turns a request into the governance
//! action, and writes the audit entry. Roles: community and estate staff
//! ([`Role::handles`](crate::accounts::Role::handles)) accept cases, add evidence and mark them
//! fixed; street, district and city offices ([`Role::supervises`]) add evidence, verify (accept
//! or send back), escalate and close; haulers and observers only read (403). A case of a unit
//! outside the caller's scope answers 404, exactly like a case that does not exist. Which
//! actions a viewer may take now ([`CaseView::may`]) is found by trying each on the pure state
//! machine (`cases::apply`), so pages offer only what would be accepted.
//!
//! [`Role::supervises`]: crate::accounts::Role::supervises

use crate::AppState;
use crate::accounts::Role;
use crate::api::{self, P, blocking};
use crate::auth::{self, Viewer};
use crate::error::{ApiError, ApiResult, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Router, extract::Request};
use fenlei_app::govern::cases::{self as app, EvidenceFile};
use fenlei_domain::{Timestamp, UnitId};
use fenlei_governance::cases::{
    self, Action, Case, CaseBook, CaseError, Evidence, HistoryEntry, Outcome, Phase,
};
use fenlei_governance::{GovernanceDb, evidence};

/// The case routes of the API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases/{id}", get(case_json))
        .route("/api/v1/cases/{id}/accept", post(accept_json))
        .route("/api/v1/cases/{id}/evidence", post(evidence_json))
        .route("/api/v1/cases/{id}/evidence/{sha256}", get(evidence_file))
        .route("/api/v1/cases/{id}/fix", post(fix_json))
        .route("/api/v1/cases/{id}/verify", post(verify_json))
        .route("/api/v1/cases/{id}/escalate", post(escalate_json))
        .route("/api/v1/cases/{id}/close", post(close_json))
}

/// What a caller asks of a case.
#[derive(Clone, Debug)]
pub enum Step {
    /// Take the case on for the unit responsible, naming the handler.
    Accept {
        /// The handler.
        handler: String,
    },
    /// Attach a file.
    Evidence(Upload),
    /// Report it fixed.
    Fix {
        /// What was done.
        note: String,
    },
    /// Accept the fix, closing the case with an outcome (default: done when fixed on time).
    Verify {
        /// The outcome.
        outcome: Option<Outcome>,
    },
    /// Send the fix back.
    Reject {
        /// Why.
        reason: String,
    },
    /// One supervision level up the unit's ladder (its street, then its district).
    Escalate,
    /// Close a case that was never fixed: `false_alarm` or `no_response`.
    Close {
        /// The outcome.
        outcome: Outcome,
    },
}

impl Step {
    /// The step's key (`case.<key>` in the audit log).
    pub fn key(&self) -> &'static str {
        match self {
            Step::Accept { .. } => "accept",
            Step::Evidence(_) => "evidence",
            Step::Fix { .. } => "fix",
            Step::Verify { .. } => "verify",
            Step::Reject { .. } => "reject",
            Step::Escalate => "escalate",
            Step::Close { .. } => "close",
        }
    }

    /// Whether `role` may ask for this step at all.
    pub fn allowed(&self, role: Role) -> bool {
        match self {
            Step::Accept { .. } | Step::Fix { .. } => role.handles(),
            Step::Evidence(_) => role.handles() || role.supervises(),
            Step::Verify { .. } | Step::Reject { .. } | Step::Escalate | Step::Close { .. } => {
                role.supervises()
            }
        }
    }
}

/// An evidence file sent by a form or the API (`multipart/form-data`).
#[derive(Clone, Debug, Default)]
pub struct Upload {
    /// The file's name.
    pub name: String,
    /// Its content.
    pub bytes: Vec<u8>,
    /// Problem (`before`) or fix (`after`).
    pub phase: Option<Phase>,
    /// What it shows.
    pub note: String,
    /// The form's CSRF field, if sent.
    pub csrf: Option<String>,
}

/// Reads an upload's fields: `file` (with a file name), `phase` (`before`, `after` or empty),
/// `note`, and `csrf` (forms). [`Upload::with_file`] checks that a file came.
pub async fn read_upload(m: Result<Multipart, MultipartRejection>) -> ApiResult<Upload> {
    let mut m = m.map_err(|e| {
        ApiError::bad_request(format!(
            "expected a multipart/form-data upload (fields file, phase, note): {}",
            e.body_text()
        ))
    })?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the file is larger than the server accepts",
            )
        } else {
            ApiError::bad_request(format!("reading the upload: {}", e.body_text()))
        }
    };
    let mut up = Upload::default();
    while let Some(field) = m.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                up.name = field
                    .file_name()
                    .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).trim().to_owned())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "evidence".to_owned());
                up.bytes = field.bytes().await.map_err(bad)?.to_vec();
            }
            "phase" => {
                let v = field.text().await.map_err(bad)?;
                up.phase = match v.trim() {
                    "" => None,
                    p => Some(Phase::parse(p).ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "phase {p:?}: expected before or after (or nothing)"
                        ))
                    })?),
                };
            }
            "note" => up.note = field.text().await.map_err(bad)?,
            "csrf" => up.csrf = Some(field.text().await.map_err(bad)?),
            _ => {}
        }
    }
    Ok(up)
}

impl Upload {
    /// The upload if it holds a file; its fields are read whatever the answer (a form's CSRF
    /// token is checked before the file's absence is reported).
    pub fn with_file(self) -> ApiResult<Upload> {
        if self.bytes.is_empty() {
            return Err(ApiError::bad_request(
                "choose a file (a photo or document) to attach: the field file is missing or empty",
            ));
        }
        Ok(self)
    }
}

/// A refused case action in the one error shape: the state machine's reason, with a status
/// telling its kind.
pub fn refused(e: CaseError) -> ApiError {
    let m = e.to_string();
    match e {
        CaseError::Illegal { .. } => ApiError::new(StatusCode::CONFLICT, "illegal_state", m),
        CaseError::NoEvidence { .. } => ApiError::new(StatusCode::CONFLICT, "no_evidence", m),
        CaseError::Conflict(_) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
        CaseError::SelfVerification { .. } => {
            ApiError::new(StatusCode::FORBIDDEN, "self_verification", m)
        }
        CaseError::Invalid(_) => ApiError::bad_request(m),
        CaseError::NotFound(_) => ApiError::not_found(m),
        CaseError::Db(e) => ApiError::internal(e),
    }
}

/// Parses a case number from a path (`42` or `CASE-000042`); anything else is no case.
pub fn parse_id(s: &str) -> ApiResult<u64> {
    app::parse_id(s).map_err(|_| ApiError::not_found(format!("no case {s}")))
}

/// Case `id` if its unit lies in `scope`; 404 otherwise, as for a case that does not exist.
fn find(state: &AppState, gov: &GovernanceDb, scope: UnitId, id: u64) -> ApiResult<(Case, UnitId)> {
    let missing = || ApiError::not_found(format!("no case CASE-{id:06}"));
    let case = gov
        .get(id)
        .map_err(ApiError::internal)?
        .ok_or_else(missing)?;
    let unit = state
        .units
        .get(&case.new.unit)
        .filter(|&u| state.in_scope(scope, u))
        .ok_or_else(missing)?;
    Ok((case, unit))
}

/// A case as the API and the case page show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CaseView {
    /// `CASE-000042`.
    pub code: String,
    /// The case.
    #[serde(flatten)]
    pub case: Case,
    /// The name of its unit.
    pub unit_name: String,
    /// Open past its deadline now.
    pub overdue: bool,
    /// The supervision levels above its unit, in escalation order.
    pub ladder: Vec<String>,
    /// Everything done to it, oldest first.
    pub history: Vec<HistoryEntry>,
    /// What the caller may do now: `accept`, `evidence`, `fix`, `verify`, `reject`,
    /// `escalate`, `close:false_alarm`, `close:no_response`.
    pub may: Vec<&'static str>,
}

/// The actions `role` (acting as `actor`) may take on `case` now: each tried on the state
/// machine.
fn may(state: &AppState, unit: UnitId, case: &Case, role: Role, actor: &str) -> Vec<&'static str> {
    let now = Timestamp::now();
    let ok = |a: Action| cases::apply(case, actor, now, a).is_ok();
    let x = || "x".to_owned();
    let mut out = Vec::new();
    if role.handles() && ok(Action::Assign { to: x() }) {
        out.push("accept");
    }
    let placeholder = Evidence {
        sha256: String::new(),
        name: x(),
        bytes: 1,
        by: actor.to_owned(),
        at: now,
        stage: case.status,
        phase: None,
        note: String::new(),
    };
    if (role.handles() || role.supervises()) && ok(Action::Evidence { file: placeholder }) {
        out.push("evidence");
    }
    if role.handles() && ok(Action::Fix { note: x() }) {
        out.push("fix");
    }
    if role.supervises() {
        if ok(Action::Verify { outcome: None }) {
            out.push("verify");
        }
        if ok(Action::Reopen { reason: x() }) {
            out.push("reject");
        }
        if app::escalate_one(state.model(), unit, case).is_ok_and(ok) {
            out.push("escalate");
        }
        for (o, key) in [
            (Outcome::FalseAlarm, "close:false_alarm"),
            (Outcome::NoResponse, "close:no_response"),
        ] {
            if ok(Action::Verify { outcome: Some(o) }) {
                out.push(key);
            }
        }
    }
    out
}

/// Case `id` with its history, for `viewer` (404 outside the scope).
pub async fn view(state: &AppState, viewer: &Viewer, id: u64) -> ApiResult<CaseView> {
    let st = state.clone();
    let (scope, role, actor) = (
        viewer.scope,
        viewer.role(),
        viewer.session.user.name.clone(),
    );
    blocking(move || {
        let gov = fenlei_app::govern::open(&st.config.db)?;
        let (case, unit) = find(&st, &gov, scope, id)?;
        let history = gov.history(id).map_err(ApiError::internal)?;
        Ok(CaseView {
            code: case.code(),
            unit_name: st.model().unit(unit).name.clone(),
            overdue: case.waiting() && case.overdue_at(Timestamp::now()),
            ladder: app::ladder_in(st.model(), unit),
            may: may(&st, unit, &case, role, &actor),
            history,
            case,
        })
    })
    .await
}

/// Performs `step` on case `id` as `viewer` now: role (403), scope (404), the state machine's
/// verdict, then an audit entry `case.<step>` with the action as recorded in the history.
pub async fn act(state: &AppState, viewer: &Viewer, id: u64, step: Step) -> ApiResult<Case> {
    let role = viewer.role();
    if !step.allowed(role) {
        return Err(ApiError::forbidden(format!(
            "role {} may not {} rectification cases",
            role.key(),
            step.key()
        )));
    }
    let st = state.clone();
    let (scope, actor) = (viewer.scope, viewer.session.user.name.clone());
    blocking(move || {
        let mut gov = fenlei_app::govern::open(&st.config.db)?;
        let (case, unit) = find(&st, &gov, scope, id)?;
        let at = Timestamp::now();
        let key = step.key();
        let mut run = |action| cases::act(&mut gov, id, &actor, at, action);
        let done = match step {
            Step::Accept { handler } => run(Action::Assign { to: handler }),
            Step::Fix { note } => run(Action::Fix { note }),
            Step::Verify { outcome } => run(Action::Verify { outcome }),
            Step::Reject { reason } => run(Action::Reopen { reason }),
            Step::Escalate => app::escalate_one(st.model(), unit, &case).and_then(run),
            Step::Close { outcome } => run(Action::Verify {
                outcome: Some(outcome),
            }),
            Step::Evidence(u) => app::add_evidence_bytes(
                &mut gov,
                id,
                EvidenceFile {
                    name: &u.name,
                    bytes: &u.bytes,
                    phase: u.phase,
                    note: &u.note,
                },
                &actor,
                at,
            ),
        }
        .map_err(refused)?;
        let recorded = gov
            .history(id)
            .map_err(ApiError::internal)?
            .into_iter()
            .rfind(|h| h.seq == done.revision)
            .map(|h| serde_json::to_string(&h.action).unwrap_or_default())
            .unwrap_or_default();
        st.accounts
            .audit(
                &actor,
                &format!("case.{key}"),
                &format!("{} {recorded}", done.code()),
            )
            .map_err(ApiError::internal)?;
        Ok(done)
    })
    .await
}

/// Parses a close outcome (`false_alarm` or `no_response`).
pub fn close_outcome(s: &str) -> ApiResult<Outcome> {
    match Outcome::parse(s.trim()) {
        Some(o @ (Outcome::FalseAlarm | Outcome::NoResponse)) => Ok(o),
        _ => Err(ApiError::bad_request(format!(
            "outcome {s:?}: a case that was not fixed closes as false_alarm or no_response"
        ))),
    }
}

/// Parses a verification outcome (empty: the default).
pub fn verify_outcome(s: Option<&str>) -> ApiResult<Option<Outcome>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(o) => Outcome::parse(o).map(Some).ok_or_else(|| {
            ApiError::bad_request(format!(
                "outcome {o:?}: one of done, poor_management, not_handled_in_time (or nothing)"
            ))
        }),
    }
}

fn csrf_header(viewer: &Viewer, headers: &HeaderMap) -> ApiResult<()> {
    viewer.check_csrf(headers.get(auth::CSRF_HEADER).and_then(|v| v.to_str().ok()))
}

fn json_body<T: serde::de::DeserializeOwned>(
    b: Result<Bytes, BytesRejection>,
    shape: &str,
) -> ApiResult<T> {
    let b = api::body(b)?;
    let b: &[u8] = if b.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &b
    };
    serde_json::from_slice(b).map_err(|e| ApiError::bad_request(format!("expected {shape}: {e}")))
}

async fn respond(state: &AppState, viewer: &Viewer, id: u64) -> ApiResult<Response> {
    Ok(Json(view(state, viewer, id).await?).into_response())
}

/// One case with its history, evidence and the actions the caller may take now.
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = String, Path, description = "case number: 42 or CASE-000042")),
    responses((status = 200, description = "the case, its history (`history`) and what the caller may do (`may`)", body = serde_json::Value),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn case_json(
    State(state): State<AppState>,
    viewer: Viewer,
    P(id): P<String>,
) -> ApiResult<Response> {
    respond(&state, &viewer, parse_id(&id)?).await
}

/// Takes a case on: `{"handler": "…"}`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct AcceptRequest {
    /// Who handles it.
    pub handler: String,
}

/// What was done, or why: `{"note": "…"}`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NoteRequest {
    /// The note.
    pub note: String,
}

/// Accept or reject a fix.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct VerifyRequest {
    /// `accept` (close the case) or `reject` (send it back).
    pub decision: String,
    /// On accept: done, poor_management or not_handled_in_time (default: done when fixed on
    /// time, not_handled_in_time otherwise).
    pub outcome: Option<String>,
    /// On reject: why (required).
    pub reason: Option<String>,
}

/// Close a case that was never fixed.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct CloseRequest {
    /// false_alarm, or no_response (after the deadline).
    pub outcome: String,
}

/// Parses a verify request into its step.
pub fn verify_step(decision: &str, outcome: Option<&str>, reason: Option<&str>) -> ApiResult<Step> {
    match decision.trim() {
        "accept" => Ok(Step::Verify {
            outcome: verify_outcome(outcome)?,
        }),
        "reject" => Ok(Step::Reject {
            reason: reason.unwrap_or("").to_owned(),
        }),
        d => Err(ApiError::bad_request(format!(
            "decision {d:?}: expected accept or reject"
        ))),
    }
}

/// A case to open (`POST /api/v1/cases`).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct OpenRequest {
    /// The unit concerned (its code), within the caller's scope.
    pub unit: String,
    /// What is wrong.
    pub problem: String,
    /// What must be done.
    pub action: String,
    /// Who answers for it (default: the unit's property manager, `property:<unit>`).
    #[serde(default)]
    pub responsible: Option<String>,
    /// Days until the deadline (default 7, at most 365).
    #[serde(default)]
    pub deadline_days: Option<u32>,
}

/// Days to the deadline of a case opened without one.
pub const DEFAULT_DEADLINE_DAYS: u32 = 7;

/// Opens a case as `viewer` (street, district and city offices: 403 for others; a unit
/// outside the scope is 404), recorded in the audit log as `case.open`.
pub async fn open_case(state: &AppState, viewer: &Viewer, r: OpenRequest) -> ApiResult<Case> {
    let role = viewer.role();
    if !role.supervises() {
        return Err(ApiError::forbidden(format!(
            "role {} may not open rectification cases",
            role.key()
        )));
    }
    let unit = api::resolve(state, viewer, r.unit.trim())?;
    let (problem, action) = (r.problem.trim().to_owned(), r.action.trim().to_owned());
    if problem.is_empty() || action.is_empty() {
        return Err(ApiError::bad_request(
            "a case needs its problem and the action required",
        ));
    }
    let days = r.deadline_days.unwrap_or(DEFAULT_DEADLINE_DAYS);
    if !(1..=365).contains(&days) {
        return Err(ApiError::bad_request(format!(
            "deadline_days {days}: from 1 to 365"
        )));
    }
    let code = state.model().unit(unit).code.clone();
    let responsible = r
        .responsible
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .unwrap_or_else(|| format!("property:{code}"));
    let st = state.clone();
    let actor = viewer.session.user.name.clone();
    blocking(move || {
        let mut gov = fenlei_app::govern::open(&st.config.db)?;
        let at = Timestamp::now();
        let new = cases::NewCase {
            // Opened by hand (a new case every time), like `fenlei case open`.
            origin: "manual".into(),
            unit: code,
            responsible,
            problem,
            action,
            deadline: Timestamp(at.0 + days as i64 * 86_400),
        };
        let (case, _) = cases::open(&mut gov, new, &actor, at).map_err(refused)?;
        st.accounts
            .audit(
                &actor,
                "case.open",
                &format!(
                    "{} {} due {}: {}",
                    case.code(),
                    case.new.unit,
                    case.new.deadline,
                    case.new.problem
                ),
            )
            .map_err(ApiError::internal)?;
        Ok(case)
    })
    .await
}

/// Opens a rectification case for a unit in the caller's scope (street, district and city
/// offices).
#[utoipa::path(post, path = "/api/v1/cases", request_body = OpenRequest,
    responses((status = 201, description = "the case opened", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn open_json(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    csrf_header(&viewer, &headers)?;
    let r: OpenRequest = json_body(
        b,
        "{\"unit\": \"…\", \"problem\": \"…\", \"action\": \"…\", \"responsible\": \"…\", \"deadline_days\": 7}",
    )?;
    let case = open_case(&state, &viewer, r).await?;
    let id = case.id;
    let mut res = respond(&state, &viewer, id).await?;
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
}

/// Accepts a case for the unit responsible (community and estate staff).
#[utoipa::path(post, path = "/api/v1/cases/{id}/accept", params(("id" = String, Path, description = "case number")), request_body = AcceptRequest,
    responses((status = 200, description = "the case after it", body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept_json(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    P(id): P<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    csrf_header(&viewer, &headers)?;
    let id = parse_id(&id)?;
    let r: AcceptRequest = json_body(b, "{\"handler\": \"…\"}")?;
    act(&state, &viewer, id, Step::Accept { handler: r.handler }).await?;
    respond(&state, &viewer, id).await
}

/// Attaches a file as evidence (multipart/form-data: `file`, `phase` before|after, `note`);
/// stored content-addressed.
#[utoipa::path(post, path = "/api/v1/cases/{id}/evidence", params(("id" = String, Path, description = "case number")),
    request_body(content = String, content_type = "multipart/form-data", description = "fields file (the photo or document), phase (before or after), note"),
    responses((status = 200, description = "the case after it", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn evidence_json(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    P(id): P<String>,
    req: Request,
) -> ApiResult<Response> {
    csrf_header(&viewer, &headers)?;
    let id = parse_id(&id)?;
    // Refuse by role before reading a file that would be refused anyway.
    let role = viewer.role();
    if !Step::Evidence(Upload::default()).allowed(role) {
        return Err(ApiError::forbidden(format!(
            "role {} may not add evidence to rectification cases",
            role.key()
        )));
    }
    let up = read_upload(Multipart::from_request(req, &state).await)
        .await?
        .with_file()?;
    act(&state, &viewer, id, Step::Evidence(up)).await?;
    respond(&state, &viewer, id).await
}

/// Marks a case fixed (needs evidence first): `{"note": "what was done"}`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/fix", params(("id" = String, Path, description = "case number")), request_body = NoteRequest,
    responses((status = 200, description = "the case after it", body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn fix_json(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    P(id): P<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    csrf_header(&viewer, &headers)?;
    let id = parse_id(&id)?;
    let r: NoteRequest = json_body(b, "{\"note\": \"…\"}")?;
    act(&state, &viewer, id, Step::Fix { note: r.note }).await?;
    respond(&state, &viewer, id).await
}

/// Verifies a fixed case: accept (closing it with an outcome) or reject (sending it back with a
/// reason). Not by the person who fixed it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/verify", params(("id" = String, Path, description = "case number")), request_body = VerifyRequest,
    responses((status = 200, description = "the case after it", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn verify_json(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    P(id): P<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    csrf_header(&viewer, &headers)?;
    let id = parse_id(&id)?;
    let r: VerifyRequest = json_body(b, "{\"decision\": \"accept\" | \"reject\", …}")?;
    let step = verify_step(&r.decision, r.outcome.as_deref(), r.reason.as_deref())?;
    act(&state, &viewer, id, step).await?;
    respond(&state, &viewer, id).await
}

/// Raises a waiting case one supervision level up its unit's ladder (its street, then its
/// district).
#[utoipa::path(post, path = "/api/v1/cases/{id}/escalate", params(("id" = String, Path, description = "case number")),
    responses((status = 200, description = "the case after it", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn escalate_json(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    P(id): P<String>,
) -> ApiResult<Response> {
    csrf_header(&viewer, &headers)?;
    let id = parse_id(&id)?;
    act(&state, &viewer, id, Step::Escalate).await?;
    respond(&state, &viewer, id).await
}

/// Closes a case that was never fixed: `{"outcome": "false_alarm" | "no_response"}`.
#[utoipa::path(post, path = "/api/v1/cases/{id}/close", params(("id" = String, Path, description = "case number")), request_body = CloseRequest,
    responses((status = 200, description = "the case after it", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_json(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    P(id): P<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    csrf_header(&viewer, &headers)?;
    let id = parse_id(&id)?;
    let r: CloseRequest = json_body(b, "{\"outcome\": \"false_alarm\" | \"no_response\"}")?;
    let outcome = close_outcome(&r.outcome)?;
    act(&state, &viewer, id, Step::Close { outcome }).await?;
    respond(&state, &viewer, id).await
}

/// The media type an evidence file is served as: images and PDFs shown in the browser,
/// anything else downloaded.
fn media_type(name: &str) -> (&'static str, bool) {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => ("image/jpeg", true),
        "png" => ("image/png", true),
        "gif" => ("image/gif", true),
        "webp" => ("image/webp", true),
        "pdf" => ("application/pdf", true),
        "txt" => ("text/plain; charset=utf-8", true),
        _ => ("application/octet-stream", false),
    }
}

/// Whether an evidence file is shown as an image on the case page.
pub fn is_image(name: &str) -> bool {
    media_type(name).0.starts_with("image/")
}

/// An evidence file of a case (checked against its address).
#[utoipa::path(get, path = "/api/v1/cases/{id}/evidence/{sha256}", params(("id" = String, Path, description = "case number"), ("sha256" = String, Path, description = "the file's SHA-256")),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn evidence_file(
    State(state): State<AppState>,
    viewer: Viewer,
    P((id, sha)): P<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id(&id)?;
    let st = state.clone();
    let scope = viewer.scope;
    let (name, bytes) = blocking(move || {
        let gov = fenlei_app::govern::open(&st.config.db)?;
        let (case, _) = find(&st, &gov, scope, id)?;
        let e = case
            .evidence
            .iter()
            .find(|e| e.sha256 == sha)
            .ok_or_else(|| ApiError::not_found(format!("no file {sha} in {}", case.code())))?;
        let bytes = evidence::get(gov.dir(), &e.sha256).map_err(ApiError::internal)?;
        Ok((e.name.clone(), bytes))
    })
    .await?;
    let (mime, inline) = media_type(&name);
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{safe}\"",
        if inline { "inline" } else { "attachment" }
    );
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
