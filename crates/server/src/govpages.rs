//! The dashboard's management pages with actions: one rectification case (its timeline,
//! evidence, deadline, escalation and the forms of the actions the viewer may take now); a
//! unit's open station incidents with their escalation steps (acknowledge, mark handled); an
//! estate's green-account balances and a household's ledger (redeem); targets with their
//! projections for a unit's subtree, as a table and a chart.
//!
//! Every form posts with the session's CSRF token and goes through the same functions as the
//! JSON API ([`crate::cases`]), so roles, scopes, the audit log and the state machine's
//! refusals are the same; a refusal is shown on the page above the forms, with its status.

use crate::AppState;
use crate::auth::Viewer;
use crate::cases::{self, CaseView, Step};
use crate::error::ApiError;
use crate::incidents;
use crate::pages::{Lang, PQ, PageError, PageResult, ctx, page, require, unit_href};
use crate::points;
use axum::Form;
use axum::Router;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use fenlei_domain::{DayRange, Level, UnitId};
use fenlei_governance::cases::{Action, HistoryEntry, Outcome, Phase, Status};
use fenlei_governance::incidents::StaffAction;
use maud::{Markup, html};

/// The routes of the management pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases/new", post(new_case_submit))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/evidence", post(case_evidence_submit))
        .route("/cases/{id}/act/{action}", post(case_action_submit))
        .route("/incidents", get(incidents_page))
        .route("/incidents/{id}/{action}", post(incident_action_submit))
        .route("/points", get(points_page))
        .route("/points/redeem", post(redeem_submit))
        .route("/targets", get(targets_page))
        .route("/lists", get(lists_page))
}

/// Chinese and English name of a case status.
pub fn status_label(l: Lang, s: Status) -> &'static str {
    match s {
        Status::Open => l.t("待受理", "open"),
        Status::Accepted => l.t("整改中", "accepted"),
        Status::Fixed => l.t("待核查", "fixed, awaiting verification"),
        Status::Verified => l.t("已办结", "verified"),
        Status::Reopened => l.t("已退回", "reopened"),
    }
}

fn outcome_label(l: Lang, o: Outcome) -> &'static str {
    match o {
        Outcome::Done => l.t("已整改", "done"),
        Outcome::FalseAlarm => l.t("误报", "false alarm"),
        Outcome::PoorManagement => l.t("管理不善", "poor management"),
        Outcome::NoResponse => l.t("未响应", "no response"),
        Outcome::NotHandledInTime => l.t("未及时处置", "not handled in time"),
    }
}

fn phase_label(l: Lang, p: Option<Phase>) -> &'static str {
    match p {
        Some(Phase::Before) => l.t("整改前", "before"),
        Some(Phase::After) => l.t("整改后", "after"),
        None => "",
    }
}

fn action_label(l: Lang, a: &Action) -> &'static str {
    match a {
        Action::Open => l.t("立案", "opened"),
        Action::Assign { .. } => l.t("受理", "accepted"),
        Action::Evidence { .. } => l.t("上传证据", "evidence added"),
        Action::Fix { .. } => l.t("报告整改完成", "reported fixed"),
        Action::Verify { .. } => l.t("核查办结", "verified"),
        Action::Reopen { .. } => l.t("退回", "sent back"),
        Action::Escalate { .. } => l.t("升级督办", "escalated"),
    }
}

fn evidence_href(v: &CaseView, sha: &str) -> String {
    format!("/api/v1/cases/{}/evidence/{sha}", v.case.id)
}

fn history_detail(l: Lang, v: &CaseView, h: &HistoryEntry) -> Markup {
    html! {
        @match &h.action {
            Action::Open => { (v.case.new.problem) }
            Action::Assign { to } => { (l.t("处理人：", "handler: ")) (to) }
            Action::Evidence { file } => {
                a href=(evidence_href(v, &file.sha256)) { (file.name) }
                @if file.phase.is_some() { " · " (phase_label(l, file.phase)) }
                @if !file.note.is_empty() { " · " (file.note) }
            }
            Action::Fix { note } => { (note) }
            Action::Verify { outcome } => { @if let Some(o) = outcome { (outcome_label(l, *o)) } }
            Action::Reopen { reason } => { (reason) }
            Action::Escalate { level, to } => { (l.t("级别 ", "level ")) (level) " → " (to) }
        }
    }
}

fn case_content(
    state: &AppState,
    l: Lang,
    viewer: &Viewer,
    v: &CaseView,
    error: Option<&ApiError>,
) -> Markup {
    let c = &v.case;
    let may = |k: &str| v.may.contains(&k);
    let csrf = &viewer.session.csrf;
    let base = format!("/cases/{}", c.id);
    html! {
        p.crumbs { a href="/cases" { "‹ " (l.t("整改案件", "Rectification cases")) } }
        h1 { (v.code) " " span class={ "badge " (if v.overdue { "notmet" } else { "" }) } { (status_label(l, c.status)) @if v.overdue { " · " (l.t("逾期", "overdue")) } } }
        @if let Some(e) = error {
            p.error role="alert" { (e.status.as_u16()) " · " (e.message) }
        }
        section {
            dl.facts {
                dt { (l.t("单位", "Unit")) }
                dd { @if let Some(u) = state.units.get(&c.new.unit) { a href=(unit_href(state, u)) { (v.unit_name) } } " " span.code { (c.new.unit) } }
                dt { (l.t("责任单位", "Responsible")) } dd { (c.new.responsible) }
                dt { (l.t("问题", "Problem")) } dd { (c.new.problem) }
                dt { (l.t("整改要求", "Required action")) } dd { (c.new.action) }
                dt { (l.t("期限", "Deadline")) } dd class=(if v.overdue { "notmet" } else { "" }) { (c.new.deadline) }
                dt { (l.t("升级", "Escalation")) }
                dd {
                    (c.escalation)
                    @if c.escalation > 0 { @if let Some(to) = v.ladder.get(c.escalation as usize - 1) { " · " (l.t("督办：", "supervised by ")) (to) } }
                    @if !v.ladder.is_empty() { span.muted { " (" (l.t("升级路径：", "ladder: ")) (v.ladder.join(" → ")) ")" } }
                }
                dt { (l.t("处理人", "Handler")) } dd { (c.assignee.as_deref().unwrap_or("—")) }
                dt { (l.t("立案", "Opened")) } dd { (c.opened_at) " · " (c.opened_by) }
                @if let Some(o) = c.outcome { dt { (l.t("办结情况", "Outcome")) } dd { (outcome_label(l, o)) } }
            }
        }
        section {
            h2 { (l.t("证据", "Evidence")) " (" (c.evidence.len()) ")" }
            @if c.evidence.is_empty() {
                p.muted { (l.t("还没有证据。", "No evidence yet.")) }
            } @else {
                ul.evidence {
                    @for e in &c.evidence {
                        li {
                            @if cases::is_image(&e.name) {
                                a href=(evidence_href(v, &e.sha256)) { img src=(evidence_href(v, &e.sha256)) alt=(e.name) loading="lazy"; }
                            }
                            div {
                                a href=(evidence_href(v, &e.sha256)) { (e.name) } " " span.code { (e.bytes) " B" }
                                br;
                                @if e.phase.is_some() { strong { (phase_label(l, e.phase)) } " · " }
                                (e.note)
                                br;
                                span.muted { (e.by) " · " (e.at) " · " (status_label(l, e.stage)) }
                            }
                        }
                    }
                }
            }
        }
        section {
            h2 { (l.t("办理经过", "Timeline")) }
            ol.timeline {
                @for h in &v.history {
                    li {
                        span.muted { (h.at) } " " strong { (action_label(l, &h.action)) } " · " (h.actor)
                        " " span.code { (h.before.map(|s| status_label(l, s)).unwrap_or("—")) " → " (status_label(l, h.after)) }
                        br; (history_detail(l, v, h))
                    }
                }
            }
        }
        @if !v.may.is_empty() {
            section id="actions" {
                h2 { (l.t("办理", "Actions")) }
                @if may("accept") {
                    form.act method="post" action={ (base) "/act/accept" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label { (l.t("处理人", "Handler")) input type="text" name="handler" required value=(viewer.session.user.name); }
                        button type="submit" { (l.t("受理", "Accept the case")) }
                    }
                }
                @if may("evidence") {
                    form.act method="post" action={ (base) "/evidence" } enctype="multipart/form-data" {
                        input type="hidden" name="csrf" value=(csrf);
                        label { (l.t("证据文件（照片或文件）", "Evidence file (photo or document)")) input type="file" name="file" required accept="image/*,application/pdf"; }
                        label { (l.t("拍摄于", "Shows")) select name="phase" {
                            option value="" { "—" }
                            option value="before" { (l.t("整改前", "before the fix")) }
                            option value="after" selected[c.status != Status::Open] { (l.t("整改后", "after the fix")) }
                        } }
                        label { (l.t("说明", "Note")) input type="text" name="note"; }
                        button type="submit" { (l.t("上传证据", "Add evidence")) }
                    }
                }
                @if may("fix") {
                    form.act method="post" action={ (base) "/act/fix" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label { (l.t("整改情况", "What was done")) input type="text" name="note" required; }
                        button type="submit" { (l.t("报告整改完成", "Mark rectified")) }
                    }
                } @else if viewer.role().handles() && matches!(c.status, Status::Accepted | Status::Reopened) && c.evidence.is_empty() {
                    p.muted { (l.t("上传证据后才能报告整改完成。", "Add evidence before marking the case rectified.")) }
                }
                @if may("verify") || may("reject") {
                    form.act method="post" action={ (base) "/act/verify" } {
                        input type="hidden" name="csrf" value=(csrf);
                        @if may("verify") {
                            label { (l.t("办结情况（通过时）", "Outcome (when accepting)")) select name="outcome" {
                                option value="" { (l.t("默认（按时为已整改）", "default (done when on time)")) }
                                option value="done" { (outcome_label(l, Outcome::Done)) }
                                option value="poor_management" { (outcome_label(l, Outcome::PoorManagement)) }
                                option value="not_handled_in_time" { (outcome_label(l, Outcome::NotHandledInTime)) }
                            } }
                        }
                        label { (l.t("退回理由（退回时）", "Reason (when sending back)")) input type="text" name="reason"; }
                        div.buttons {
                            @if may("verify") { button type="submit" name="decision" value="accept" { (l.t("核查通过", "Accept the fix")) } }
                            @if may("reject") { button.secondary type="submit" name="decision" value="reject" { (l.t("退回", "Send back")) } }
                        }
                    }
                }
                @if may("escalate") {
                    form.act method="post" action={ (base) "/act/escalate" } {
                        input type="hidden" name="csrf" value=(csrf);
                        button type="submit" { (l.t("升级督办到 ", "Escalate to ")) (v.ladder.get(c.escalation as usize).map(String::as_str).unwrap_or("")) }
                    }
                }
                @if may("close:false_alarm") || may("close:no_response") {
                    form.act method="post" action={ (base) "/act/close" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label { (l.t("未整改而结案", "Close without a fix")) select name="outcome" {
                            @if may("close:false_alarm") { option value="false_alarm" { (outcome_label(l, Outcome::FalseAlarm)) } }
                            @if may("close:no_response") { option value="no_response" { (outcome_label(l, Outcome::NoResponse)) } }
                        } }
                        button.secondary type="submit" { (l.t("结案", "Close the case")) }
                    }
                }
            }
        }
    }
}

async fn render_case(
    state: &AppState,
    c: &crate::pages::Ctx,
    viewer: &Viewer,
    id: u64,
    error: Option<ApiError>,
) -> PageResult {
    let l = c.lang;
    let v = cases::view(state, viewer, id)
        .await
        .map_err(|e| PageError(e, l))?;
    let mut res = page(
        state,
        c,
        &v.code,
        case_content(state, l, viewer, &v, error.as_ref()),
    );
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

async fn case_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    crate::api::P(id): crate::api::P<String>,
    PQ(q): PQ,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &q)?;
    let v = match require(&c, &uri) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    let id = cases::parse_id(&id).map_err(|e| PageError(e, c.lang))?;
    render_case(&state, &c, &v, id, None).await
}

/// The fields of the case action forms.
#[derive(serde::Deserialize, Default)]
pub struct CaseForm {
    csrf: Option<String>,
    handler: Option<String>,
    note: Option<String>,
    decision: Option<String>,
    outcome: Option<String>,
    reason: Option<String>,
}

/// The form that opens a case (on the cases page, for street, district and city offices).
#[derive(serde::Deserialize, Default)]
pub struct NewCaseForm {
    csrf: Option<String>,
    unit: Option<String>,
    problem: Option<String>,
    action: Option<String>,
    responsible: Option<String>,
    deadline_days: Option<String>,
}

async fn new_case_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    form: Result<Form<NewCaseForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &crate::pages::PageQuery::default())?;
    let l = c.lang;
    let Some(v) = c.viewer.clone() else {
        return Err(PageError(ApiError::unauthorized(), l));
    };
    let f = form.map(|Form(f)| f).unwrap_or_default();
    v.check_csrf(f.csrf.as_deref())
        .map_err(|e| PageError(e, l))?;
    let days = match f.deadline_days.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(d.parse::<u32>().map_err(|_| {
            PageError(
                ApiError::bad_request(format!("deadline {d:?}: a number of days")),
                l,
            )
        })?),
    };
    let text = |s: Option<String>| s.unwrap_or_default();
    let case = cases::open_case(
        &state,
        &v,
        cases::OpenRequest {
            unit: text(f.unit),
            problem: text(f.problem),
            action: text(f.action),
            responsible: f.responsible,
            deadline_days: days,
        },
    )
    .await
    .map_err(|e| PageError(e, l))?;
    Ok(Redirect::to(&format!("/cases/{}", case.code())).into_response())
}

/// After a form: back to the case on success; the case with the refusal otherwise.
async fn after(
    state: &AppState,
    c: &crate::pages::Ctx,
    v: &Viewer,
    id: u64,
    step: Result<Step, ApiError>,
) -> PageResult {
    let done = match step {
        Ok(step) => cases::act(state, v, id, step).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        // Nothing to show when the case is not there for this viewer.
        Err(e) if e.status == StatusCode::NOT_FOUND => Err(PageError(e, c.lang)),
        Err(e) => render_case(state, c, v, id, Some(e)).await,
    }
}

async fn case_action_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    crate::api::P((id, action)): crate::api::P<(String, String)>,
    form: Result<Form<CaseForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &crate::pages::PageQuery::default())?;
    let l = c.lang;
    let Some(v) = c.viewer.clone() else {
        return Err(PageError(ApiError::unauthorized(), l));
    };
    let f = form.map(|Form(f)| f).unwrap_or_default();
    v.check_csrf(f.csrf.as_deref())
        .map_err(|e| PageError(e, l))?;
    let id = cases::parse_id(&id).map_err(|e| PageError(e, l))?;
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let step = match action.as_str() {
        "accept" => Ok(Step::Accept {
            handler: text(&f.handler),
        }),
        "fix" => Ok(Step::Fix {
            note: text(&f.note),
        }),
        "verify" => cases::verify_step(
            f.decision.as_deref().unwrap_or(""),
            f.outcome.as_deref(),
            f.reason.as_deref(),
        ),
        "escalate" => Ok(Step::Escalate),
        "close" => cases::close_outcome(f.outcome.as_deref().unwrap_or(""))
            .map(|outcome| Step::Close { outcome }),
        _ => return Err(PageError(ApiError::not_found("no such case action"), l)),
    };
    after(&state, &c, &v, id, step).await
}

async fn case_evidence_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    crate::api::P(id): crate::api::P<String>,
    m: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &crate::pages::PageQuery::default())?;
    let l = c.lang;
    let Some(v) = c.viewer.clone() else {
        return Err(PageError(ApiError::unauthorized(), l));
    };
    let id = cases::parse_id(&id).map_err(|e| PageError(e, l))?;
    let up = cases::read_upload(m).await;
    // The token is checked before anything else is looked at.
    let sent = up.as_ref().ok().and_then(|u| u.csrf.clone());
    v.check_csrf(sent.as_deref()).map_err(|e| PageError(e, l))?;
    let step = up.and_then(cases::Upload::with_file).map(Step::Evidence);
    after(&state, &c, &v, id, step).await
}

fn kind_label(l: Lang, kind: &str) -> &str {
    let zh = match kind {
        "overflow" => "满溢",
        "bags_on_ground" => "小包垃圾落地",
        "mixed_put_in" => "混合投放",
        "littering" => "乱扔垃圾",
        "illegal_dumping" => "偷倒",
        "fill_level" => "满桶上报",
        "device_fault" => "设备故障",
        "fire" => "火情",
        "water_leak" => "漏水",
        other => other,
    };
    l.t(zh, kind)
}

fn step_label(l: Lang, step: &str) -> &str {
    match step {
        "remind" => l.t("提醒物业", "property reminded"),
        "case" => l.t("社区立案", "case for the community"),
        "street" => l.t("街道督办", "street supervises"),
        "district" => l.t("区级督办", "district supervises"),
        other => other,
    }
}

/// A path segment: everything but unreserved characters percent-encoded.
fn segment(s: &str) -> String {
    crate::pages::urlencode(s).replace('/', "%2F")
}

/// Incidents listed on the page (a phone should not load thousands of rows); the export holds
/// every one.
const INCIDENTS_SHOWN: usize = 300;

async fn incidents_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    PQ(q): PQ,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &q)?;
    let v = match require(&c, &uri) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    let l = c.lang;
    let pe = |e: ApiError| PageError(e, l);
    if !v.role().sees_governance() {
        return Err(pe(ApiError::forbidden(
            "haulers do not see station incidents",
        )));
    }
    let unit = incidents::unit_of(&state, &v, &q.unit).map_err(pe)?;
    let range = crate::api::period_of(&state, &q.from, &q.to).map_err(pe)?;
    let list = incidents::incident_list(&state, unit, range)
        .await
        .map_err(pe)?;
    let u = state.model().unit(unit);
    let path = crate::api::path_to(&state, v.scope, unit);
    let acts = v.role().handles();
    let query = format!("unit={}&from={}&to={}", u.code, range.from, range.to);
    let content = html! {
        (crate::pages::breadcrumbs(&path))
        h1 { (l.t("站点事件", "Station incidents")) " · " (u.name) " " span.code { (crate::pages::level_label(l, u.level)) " " (u.code) } }
        p.muted {
            (l.t("报告期", "Period")) " " (list.from) " … " (list.to) " · "
            (list.total) (l.t(" 起需处置，已处置 ", " to handle, handled ")) (list.handled)
            (l.t("，未处置 ", ", open ")) (list.open.len())
        }
        p.muted { (l.t("升级路径：30 分钟提醒物业，90 分钟社区立案，24 小时街道督办，72 小时区级督办。", "Ladder: the property manager is reminded at 30 min, a case opened for the community at 90 min, the street supervises at 24 h, the district at 72 h.")) }
        section {
            h2 { (l.t("未处置事件", "Open incidents")) " " (crate::pages::exports(&format!("/api/v1/incidents?{query}"))) }
            @if list.open.is_empty() {
                p { (l.t("没有未处置的事件。", "No open incident.")) }
            } @else {
                @if list.open.len() > INCIDENTS_SHOWN {
                    p.muted { (l.t("显示前 ", "showing the first ")) (INCIDENTS_SHOWN) (l.t(" 起，全部见导出", "; the export holds all")) }
                }
                div.scroll { table {
                    thead { tr {
                        th { (l.t("时间", "Time")) } th { (l.t("投放点", "Point")) } th { (l.t("小区", "Estate")) }
                        th { (l.t("类型", "Kind")) } th { (l.t("已确认", "Acknowledged")) } th { (l.t("已升级", "Steps taken")) }
                        th { (l.t("下一步", "Next step")) }
                        @if acts { th { (l.t("处置", "Action")) } }
                    } }
                    tbody { @for r in list.open.iter().take(INCIDENTS_SHOWN) {
                        tr class=(if r.steps.is_empty() { "" } else { "notmet" }) {
                            td { (r.time) } td { (r.point_name) " " span.code { (r.point) } } td { (r.estate_name) }
                            td { (kind_label(l, &r.kind)) } td { (r.acknowledged.as_deref().unwrap_or("—")) }
                            td {
                                @for (i, s) in r.steps.iter().enumerate() {
                                    @if i > 0 { " → " }
                                    (step_label(l, &s.step))
                                    @if let Some(case) = &s.case { " " a href={ "/cases/" (case) } { (case) } }
                                }
                            }
                            td { @if let (Some(s), Some(due)) = (&r.next_step, &r.next_due) { (step_label(l, s)) br; span.muted { (due) } } }
                            @if acts {
                                td {
                                    @if r.acknowledged.is_none() {
                                        form.inline method="post" action={ "/incidents/" (segment(&r.id)) "/ack" } {
                                            input type="hidden" name="csrf" value=(v.session.csrf);
                                            input type="hidden" name="back" value=(c.here);
                                            button.secondary type="submit" { (l.t("确认", "Acknowledge")) }
                                        }
                                        " "
                                    }
                                    form.inline method="post" action={ "/incidents/" (segment(&r.id)) "/handled" } {
                                        input type="hidden" name="csrf" value=(v.session.csrf);
                                        input type="hidden" name="back" value=(c.here);
                                        button type="submit" { (l.t("已处置", "Handled")) }
                                    }
                                }
                            }
                        }
                    } }
                } }
            }
        }
    };
    Ok(page(
        &state,
        &c,
        l.t("站点事件", "Station incidents"),
        content,
    ))
}

/// The fields of an incident's action form.
#[derive(serde::Deserialize, Default)]
pub struct IncidentForm {
    csrf: Option<String>,
    back: Option<String>,
}

async fn incident_action_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    crate::api::P((id, action)): crate::api::P<(String, String)>,
    form: Result<Form<IncidentForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &crate::pages::PageQuery::default())?;
    let l = c.lang;
    let Some(v) = c.viewer.clone() else {
        return Err(PageError(ApiError::unauthorized(), l));
    };
    let f = form.map(|Form(f)| f).unwrap_or_default();
    v.check_csrf(f.csrf.as_deref())
        .map_err(|e| PageError(e, l))?;
    let action = match action.as_str() {
        "ack" => StaffAction::Ack,
        "handled" => StaffAction::Handled,
        _ => return Err(PageError(ApiError::not_found("no such incident action"), l)),
    };
    incidents::record(&state, &v, &id, action)
        .await
        .map_err(|e| PageError(e, l))?;
    Ok(Redirect::to(&crate::pages::safe_next(f.back.as_deref())).into_response())
}

/// The points page for `unit` (and `household`), with a refusal shown above the forms.
async fn render_points(
    state: &AppState,
    c: &crate::pages::Ctx,
    v: &Viewer,
    unit: Option<&str>,
    household: Option<&str>,
    error: Option<ApiError>,
) -> PageResult {
    let l = c.lang;
    let pe = |e: ApiError| PageError(e, l);
    points::may_see(v).map_err(pe)?;
    let ledger = match household.filter(|h| !h.is_empty()) {
        Some(h) => Some(
            points::household_ledger(state, v.scope, h)
                .await
                .map_err(pe)?,
        ),
        None => None,
    };
    // The household's estate, else the unit asked, else the viewer's scope.
    let unit = match (&ledger, unit.filter(|u| !u.is_empty())) {
        (Some(h), _) => state
            .units
            .get(&h.estate)
            .ok_or_else(|| pe(ApiError::not_found("no estate")))?,
        (None, Some(code)) => crate::api::resolve(state, v, code).map_err(pe)?,
        (None, None) => v.scope,
    };
    let u = state.model().unit(unit);
    let is_estate = u.level == Level::Estate;
    let accounts = if is_estate {
        Some(points::estate_accounts(state, unit).await.map_err(pe)?)
    } else {
        None
    };
    let below: Vec<UnitId> = if is_estate {
        Vec::new()
    } else {
        state
            .units
            .children(unit)
            .iter()
            .copied()
            .filter(|&ch| state.model().unit(ch).level != Level::Point)
            .collect()
    };
    let path = crate::api::path_to(state, v.scope, unit);
    let key = crate::accounts::random_secret();
    let content = html! {
        (crate::pages::breadcrumbs(&path))
        h1 { (l.t("绿色账户积分", "Green-account points")) " · " (u.name) " " span.code { (crate::pages::level_label(l, u.level)) " " (u.code) } }
        @if let Some(e) = &error {
            p.error role="alert" { (e.status.as_u16()) " · " (e.message) }
        }
        @if !is_estate {
            section {
                h2 { (l.t("选择小区", "Choose an estate")) }
                ul { @for ch in &below {
                    li { a href={ "/points?unit=" (state.model().unit(*ch).code) } { (state.model().unit(*ch).name) } " " span.code { (crate::pages::level_label(l, state.model().unit(*ch).level)) } }
                } }
            }
        }
        @if let Some(h) = &ledger {
            section id="household" {
                h2 { (l.t("住户 ", "Household ")) (h.household) " · " (l.t("余额 ", "balance ")) strong { (h.balance) } " "
                    (crate::pages::exports(&format!("/api/v1/households/{}/ledger", segment(&h.household)))) }
                @if v.role().handles() {
                    form.act method="post" action="/points/redeem" {
                        input type="hidden" name="csrf" value=(v.session.csrf);
                        input type="hidden" name="household" value=(h.household);
                        input type="hidden" name="key" value=(key);
                        label { (l.t("兑换积分", "Points to redeem")) input type="number" name="points" min="1" step="1" required inputmode="numeric"; }
                        label { (l.t("兑换物品", "Exchanged for")) input type="text" name="item" required placeholder=(l.t("如：垃圾袋一卷", "e.g. a roll of bin bags")); }
                        button type="submit" { (l.t("兑换", "Redeem")) }
                    }
                }
                @if h.history.is_empty() {
                    p.muted { (l.t("还没有积分记录。", "No postings yet.")) }
                } @else {
                    div.scroll { table {
                        thead { tr { th.num { "#" } th { (l.t("时间", "Time")) } th { (l.t("类型", "Kind")) } th.num { (l.t("积分", "Points")) } th.num { (l.t("余额", "Balance")) } th { (l.t("说明", "Memo")) } } }
                        tbody { @for line in h.history.iter().rev() {
                            tr {
                                td.num { (line.posting.id) } td { (fenlei_domain::Timestamp(line.posting.posting.at)) }
                                td { (match line.posting.posting.kind.key() { "earn" => l.t("获得", "earned"), "redeem" => l.t("兑换", "redeemed"), _ => l.t("冲正", "reversal") }) }
                                td class={ "num " (if line.amount < 0 { "notmet" } else { "" }) } { (format!("{:+}", line.amount)) }
                                td.num { (line.balance) } td { (line.posting.posting.memo) }
                            }
                        } }
                    } }
                }
            }
        }
        @if let Some(a) = &accounts {
            section {
                h2 { (l.t("住户积分余额", "Households' balances")) " " (crate::pages::exports(&format!("/api/v1/estates/{}/accounts", a.estate))) }
                p.muted { (a.households.len()) (l.t(" 户，合计 ", " households, ")) (a.total) (l.t(" 分", " points in all")) }
                div.scroll { table {
                    thead { tr { th { (l.t("住户", "Household")) } th.num { (l.t("余额", "Balance")) } } }
                    tbody { @for r in &a.households {
                        tr { td { a href={ "/points?household=" (segment(&r.household)) "#household" } { (r.household) } } td.num { (r.balance) } }
                    } }
                } }
            }
        }
    };
    let mut res = page(
        state,
        c,
        l.t("绿色账户积分", "Green-account points"),
        content,
    );
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

async fn points_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    PQ(q): PQ,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &q)?;
    let v = match require(&c, &uri) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    render_points(
        &state,
        &c,
        &v,
        q.unit.as_deref(),
        q.household.as_deref(),
        None,
    )
    .await
}

/// The redemption form's fields.
#[derive(serde::Deserialize, Default)]
pub struct RedeemForm {
    csrf: Option<String>,
    household: Option<String>,
    points: Option<String>,
    item: Option<String>,
    key: Option<String>,
}

async fn redeem_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    form: Result<Form<RedeemForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &crate::pages::PageQuery::default())?;
    let l = c.lang;
    let Some(v) = c.viewer.clone() else {
        return Err(PageError(ApiError::unauthorized(), l));
    };
    let f = form.map(|Form(f)| f).unwrap_or_default();
    v.check_csrf(f.csrf.as_deref())
        .map_err(|e| PageError(e, l))?;
    let household = f.household.unwrap_or_default();
    let done = match f.points.as_deref().unwrap_or("").trim().parse::<i64>() {
        Ok(n) => {
            points::redeem(
                &state,
                &v,
                &household,
                n,
                f.item.as_deref().unwrap_or(""),
                f.key.as_deref().unwrap_or(""),
            )
            .await
        }
        Err(_) => Err(ApiError::bad_request(
            l.t("积分须为正整数", "the points to redeem are a whole number"),
        )),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!(
            "/points?household={}#household",
            segment(&household)
        ))
        .into_response()),
        Err(e) if matches!(e.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) => {
            Err(PageError(e, l))
        }
        Err(e) => render_points(&state, &c, &v, None, Some(&household), Some(e)).await,
    }
}

fn course_label(l: Lang, key: &str) -> &'static str {
    match key {
        "on_track" => l.t("可达标", "on track"),
        "at_risk" => l.t("有风险", "at risk"),
        "off_track" => l.t("难达标", "off track"),
        _ => l.t("历史不足", "too little history"),
    }
}

fn course_class(key: &str) -> &'static str {
    match key {
        "on_track" => "met",
        "at_risk" => "unsure",
        "off_track" => "notmet",
        _ => "",
    }
}

/// What the targets and lists pages ask: a unit within the viewer's scope (its own by
/// default), the level of the units shown under it, the period and the metric (`default` when
/// none is asked). Haulers are refused.
struct SubtreeAsk {
    unit: UnitId,
    level: Level,
    range: DayRange,
    metric: String,
}

fn subtree_ask(
    state: &AppState,
    v: &Viewer,
    q: &crate::pages::PageQuery,
    default: &str,
    l: Lang,
) -> Result<SubtreeAsk, PageError> {
    use crate::targets;
    let pe = |e: ApiError| PageError(e, l);
    targets::may_see(v).map_err(pe)?;
    let unit = incidents::unit_of(state, v, &q.unit).map_err(pe)?;
    let level =
        targets::level_of(state.model().unit(unit).level, q.level.as_deref()).map_err(pe)?;
    let range = crate::api::period_of(state, &q.from, &q.to).map_err(pe)?;
    let metric = q
        .metric
        .clone()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| default.to_owned());
    Ok(SubtreeAsk {
        unit,
        level,
        range,
        metric,
    })
}

async fn targets_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    PQ(q): PQ,
) -> PageResult {
    use crate::targets;
    let c = ctx(&state, &headers, &uri, &q)?;
    let v = match require(&c, &uri) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    let l = c.lang;
    let pe = |e: ApiError| PageError(e, l);
    let SubtreeAsk {
        unit,
        level,
        range,
        metric,
    } = subtree_ask(&state, &v, &q, targets::DEFAULT_METRIC, l)?;
    let u = state.model().unit(unit);
    let metrics = targets::metrics_with_targets().map_err(pe)?;
    let rows = targets::target_rows(&state, unit, &metric, level, range)
        .await
        .map_err(pe)?;
    let m = fenlei_metrics::metric(&metric).expect("checked by target_rows");
    let fmt = |v: Option<f64>| fenlei_app::report::format_value(m.measure, v);
    // Shares are shown in %, and a projection's interval clipped to 0–100 % in the chart (the
    // table keeps the fitted numbers).
    let ratio = m.measure == fenlei_metrics::Measure::Ratio;
    let scale = if ratio { 100.0 } else { 1.0 };
    let clip = |v: f64| if ratio { v.clamp(0.0, 1.0) } else { v };
    let r3 = |v: f64| (v * scale * 1000.0).round() / 1000.0;
    let count = |k: &str| rows.iter().filter(|r| targets::course_key(r) == k).count();
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let opt = |f: &dyn Fn(&fenlei_app::govern::targets::TargetRow) -> Option<f64>| -> Vec<serde_json::Value> {
        rows.iter()
            .map(|r| f(r).map_or(serde_json::Value::Null, |v| serde_json::json!(r3(v))))
            .collect()
    };
    let option = serde_json::json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "data": [l.t("当前值", "value"), l.t("预测区间", "90% interval"), l.t("预测值", "projected"), l.t("目标", "target")]},
        "grid": {"left": 50, "right": 10, "top": 70, "bottom": 60},
        "dataZoom": if rows.len() > 20 { serde_json::json!([{"type": "slider", "start": 0, "end": (2000.0 / rows.len() as f64).min(100.0)}]) } else { serde_json::json!([]) },
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30, "fontSize": 10}},
        "yAxis": if ratio { serde_json::json!({"type": "value", "min": 0, "max": 100, "name": "%"}) } else { serde_json::json!({"type": "value", "scale": true, "name": m.measure.unit()}) },
        "series": [
            {"type": "bar", "name": l.t("当前值", "value"), "data": opt(&|r| r.value)},
            {"type": "bar", "name": "low", "stack": "interval", "itemStyle": {"color": "transparent"}, "tooltip": {"show": false}, "data": opt(&|r| r.projection.map(|p| clip(p.low)))},
            {"type": "bar", "name": l.t("预测区间", "90% interval"), "stack": "interval", "itemStyle": {"opacity": 0.35}, "data": opt(&|r| r.projection.map(|p| clip(p.high) - clip(p.low)))},
            {"type": "scatter", "name": l.t("预测值", "projected"), "symbolSize": 9, "data": opt(&|r| r.projection.map(|p| clip(p.value)))},
            {"type": "scatter", "name": l.t("目标", "target"), "symbol": "rect", "symbolSize": [18, 3], "data": opt(&|r| r.target)},
        ],
    });
    let path = crate::api::path_to(&state, v.scope, unit);
    let query = format!(
        "metric={metric}&level={}&from={}&to={}",
        level.key(),
        range.from,
        range.to
    );
    let content = html! {
        (crate::pages::breadcrumbs(&path))
        h1 { (l.t("目标与预测", "Targets and projections")) " · " (u.name) " " span.code { (crate::pages::level_label(l, u.level)) " " (u.code) } }
        form.guide method="get" action="/targets" {
            input type="hidden" name="unit" value=(u.code);
            select name="metric" aria-label=(l.t("指标", "Metric")) {
                @for mm in &metrics { option value=(mm.key) selected[mm.key == metric] { (l.t(mm.name_zh, mm.name_en)) } }
            }
            select name="level" aria-label=(l.t("层级", "Level")) {
                @for lv in targets::levels_below(u.level) { option value=(lv.key()) selected[lv == level] { (crate::pages::level_label(l, lv)) } }
            }
            input type="date" name="from" value=(range.from) aria-label=(l.t("开始", "From"));
            input type="date" name="to" value=(range.to) aria-label=(l.t("结束", "To"));
            button type="submit" { (l.t("查看", "Show")) }
        }
        p.muted {
            (l.t(m.name_zh, m.name_en)) " · " (l.t("报告期", "Period")) " " (range.from) " … " (range.to) " · "
            (rows.len()) (l.t(" 个单位：", " units: "))
            (course_label(l, "on_track")) " " (count("on_track")) " · " (course_label(l, "at_risk")) " " (count("at_risk")) " · "
            (course_label(l, "off_track")) " " (count("off_track")) " · " (course_label(l, "unknown")) " " (count("unknown"))
        }
        section {
            h2 { (l.t("当前值、目标与到期预测", "Value, target and the projection to the deadline")) }
            (crate::pages::chart("targets", &option, ""))
        }
        section {
            h2 { (l.t("明细", "Details")) " " (crate::pages::exports(&format!("/api/v1/units/{}/targets?{query}", u.code))) }
            div.scroll { table {
                thead { tr {
                    th { (l.t("单位", "Unit")) } th.num { (l.t("当前值", "Value")) } th.num { (l.t("目标", "Target")) } th { (l.t("设定于", "Set at")) }
                    th { (l.t("期限", "Deadline")) } th.num { (l.t("差距", "Gap")) } th.num { (l.t("预测", "Projected")) } th { (l.t("90% 区间", "90% interval")) }
                    th { (l.t("走势", "Course")) } th { (l.t("责任单位", "Responsible")) }
                } }
                tbody { @for r in rows.iter() {
                    @let course = targets::course_key(r);
                    tr {
                        td { @if let Some(id) = state.units.get(&r.unit) { a href=(unit_href(&state, id)) { (r.name) } } " " span.code { (r.unit) } }
                        td.num { (fmt(r.value)) } td.num { (fmt(r.target)) } td { (r.set_at) } td { (r.deadline.as_deref().unwrap_or("—")) }
                        td class={ "num " (if r.gap.is_some_and(|g| g < 0.0) { "notmet" } else { "" }) } { (r.gap.map_or("—".to_owned(), |g| if ratio { format!("{:+.1} pp", g * 100.0) } else { format!("{g:+.3}") })) }
                        td.num { (fmt(r.projection.map(|p| p.value))) }
                        td { @if let Some(p) = r.projection { (fmt(Some(p.low))) " … " (fmt(Some(p.high))) } }
                        td class=(course_class(&course)) { (course_label(l, &course)) }
                        td { (r.responsible.join("、")) }
                    }
                } }
            } }
        }
    };
    Ok(page(&state, &c, l.t("目标与预测", "Targets"), content))
}

/// Red and black lists (红黑榜): the units of a level under the viewer's unit (or one asked)
/// ranked by a metric; the best on the red list, the worst of the rest on the black list.
async fn lists_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    PQ(q): PQ,
) -> PageResult {
    use crate::{lists, targets};
    let c = ctx(&state, &headers, &uri, &q)?;
    let v = match require(&c, &uri) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    let l = c.lang;
    let pe = |e: ApiError| PageError(e, l);
    let SubtreeAsk {
        unit,
        level,
        range,
        metric,
    } = subtree_ask(&state, &v, &q, lists::DEFAULT_METRIC, l)?;
    let u = state.model().unit(unit);
    let size = q.size.unwrap_or(lists::DEFAULT_SIZE);
    let s = lists::lists_of(&state, unit, &metric, level, range, size)
        .await
        .map_err(pe)?;
    let path = crate::api::path_to(&state, v.scope, unit);
    let query = format!(
        "metric={metric}&level={}&size={size}&from={}&to={}",
        level.key(),
        range.from,
        range.to
    );
    let list = |title: &str, class: &str, entries: &[fenlei_governance::disclose::Entry]| {
        html! {
            section class=(class) {
                h2 { (title) }
                @if entries.is_empty() {
                    p.muted { (l.t("无", "None")) }
                } @else {
                    table {
                        thead { tr { th.num { (l.t("名次", "Rank")) } th { (l.t("单位", "Unit")) } th.num { (l.t("数值", "Value")) } } }
                        tbody { @for e in entries {
                            tr {
                                td.num { (e.rank) }
                                td { @if let Some(id) = state.units.get(&e.unit) { a href=(unit_href(&state, id)) { (e.name) } } @else { (e.name) } " " span.code { (e.unit) } }
                                td.num { (e.value) }
                            }
                        } }
                    }
                }
            }
        }
    };
    let content = html! {
        (crate::pages::breadcrumbs(&path))
        h1 { (l.t("红黑榜", "Red and black lists")) " · " (u.name) " " span.code { (crate::pages::level_label(l, u.level)) " " (u.code) } }
        form.guide method="get" action="/lists" {
            input type="hidden" name="unit" value=(u.code);
            select name="metric" aria-label=(l.t("指标", "Metric")) {
                @for mm in fenlei_metrics::METRICS { option value=(mm.key) selected[mm.key == metric] { (l.t(mm.name_zh, mm.name_en)) } }
            }
            select name="level" aria-label=(l.t("层级", "Level")) {
                @for lv in targets::levels_below(u.level) { option value=(lv.key()) selected[lv == level] { (crate::pages::level_label(l, lv)) } }
            }
            input type="number" name="size" min="1" max="100" value=(size) aria-label=(l.t("每榜单位数", "Units per list"));
            input type="date" name="from" value=(range.from) aria-label=(l.t("开始", "From"));
            input type="date" name="to" value=(range.to) aria-label=(l.t("结束", "To"));
            button type="submit" { (l.t("查看", "Show")) }
        }
        p.muted {
            (s.spec.title) " · " (l.t("未排名（无数据）", "not ranked (no data)")) " " (s.unranked) " · "
            (crate::pages::exports(&format!("/api/v1/units/{}/lists?{query}", u.code)))
        }
        div.cards {
            (list(l.t("红榜（最好）", "Red list (best)"), "met", &s.red))
            (list(l.t("黑榜（最差）", "Black list (worst)"), "notmet", &s.black))
        }
    };
    Ok(page(&state, &c, l.t("红黑榜", "Lists"), content))
}
