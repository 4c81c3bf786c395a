//! Targets over HTTP: the units of a unit's subtree at one level against their (inherited)
//! targets for one metric — value, target and where it was set, gap, the weekly course
//! projected to the deadline with its 90 % interval, on track / at risk / off track, and who
//! answers for it. The same rows as `fenlei targets` (`fenlei_app::govern::targets::status`
//! with the shipped targets), computed per request.

use crate::AppState;
use crate::api::{self, P, Q, blocking};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::export::{Format, Table};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use fenlei_app::govern::targets::TargetRow;
use fenlei_domain::{DayRange, Level, UnitId};
use std::sync::Arc;

/// The targets routes of the API.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/units/{code}/targets", get(targets_json))
}

/// The metric shown when none is asked (as `fenlei targets`).
pub const DEFAULT_METRIC: &str = "participation_rate";

/// The metrics that have a target somewhere in the shipped targets, in their file's order.
pub fn metrics_with_targets() -> ApiResult<Vec<&'static fenlei_metrics::Metric>> {
    let mut out: Vec<&'static fenlei_metrics::Metric> = Vec::new();
    for t in fenlei_app::govern::targets::load_targets(None)? {
        if let Some(m) = fenlei_metrics::metric(&t.metric)
            && !out.iter().any(|o| o.key == m.key)
        {
            out.push(m);
        }
    }
    Ok(out)
}

/// The levels a unit's subtree can be shown at: its own down to the estates.
pub fn levels_below(level: Level) -> Vec<Level> {
    Level::ALL
        .into_iter()
        .filter(|&l| l >= level && l <= Level::Estate)
        .collect()
}

/// The level asked, else the one below the unit (the unit itself for an estate).
pub fn level_of(unit_level: Level, asked: Option<&str>) -> ApiResult<Level> {
    let allowed = levels_below(unit_level);
    match asked.filter(|s| !s.is_empty()) {
        Some(s) => Level::parse(s)
            .filter(|l| allowed.contains(l))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "level {s:?}: one of {}",
                    allowed
                        .iter()
                        .map(|l| l.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }),
        None => Ok(allowed
            .get(1)
            .or(allowed.first())
            .copied()
            .unwrap_or(Level::Estate)),
    }
}

/// The standing of every unit of `level` under `unit` for `metric` over `range`.
pub async fn target_rows(
    state: &AppState,
    unit: UnitId,
    metric: &str,
    level: Level,
    range: DayRange,
) -> ApiResult<Arc<Vec<TargetRow>>> {
    if fenlei_metrics::metric(metric).is_none() {
        return Err(ApiError::bad_request(format!("unknown metric {metric:?}")));
    }
    let st = state.clone();
    let metric = metric.to_owned();
    blocking(move || {
        Ok(Arc::new(st.backend.target_status(
            &metric,
            level,
            Some(unit),
            range,
        )?))
    })
    .await
}

/// `?metric=&level=&from=&to=&format=`.
#[derive(serde::Deserialize, Default)]
pub struct TargetsQuery {
    /// Metric key (default: participation_rate).
    pub metric: Option<String>,
    /// Level of the units (default: the one below the unit).
    pub level: Option<String>,
    /// First day of the current value's period.
    pub from: Option<String>,
    /// Last day (the projection starts here).
    pub to: Option<String>,
    /// json, csv, xlsx.
    #[serde(default)]
    pub format: Format,
}

/// Rows as a table.
pub fn targets_table(name: &str, rows: &[TargetRow]) -> Table {
    let o = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut t = Table::new(
        name,
        &[
            "unit",
            "name",
            "formula",
            "value",
            "target",
            "set_at",
            "deadline",
            "gap",
            "projected",
            "low",
            "high",
            "slope_per_week",
            "course",
            "responsible",
        ],
    );
    for r in rows {
        t.rows.push(vec![
            r.unit.clone(),
            r.name.clone(),
            r.formula.clone(),
            o(r.value),
            o(r.target),
            r.set_at.clone(),
            r.deadline.clone().unwrap_or_default(),
            o(r.gap),
            o(r.projection.map(|p| p.value)),
            o(r.projection.map(|p| p.low)),
            o(r.projection.map(|p| p.high)),
            o(r.projection.map(|p| p.slope_per_week)),
            course_key(r),
            r.responsible.join(" "),
        ]);
    }
    t
}

/// The course's key (`on_track`, `at_risk`, `off_track`, `unknown`).
pub fn course_key(r: &TargetRow) -> String {
    serde_json::to_value(r.course)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The units of a level under a unit against their targets for one metric, with projections
/// to the deadline and their course.
#[utoipa::path(get, path = "/api/v1/units/{code}/targets",
    params(("code" = String, Path, description = "unit code"), ("metric" = Option<String>, Query, description = "metric key (default participation_rate)"),
        ("level" = Option<String>, Query, description = "level of the units (default: the one below)"), ("from" = Option<String>, Query, description = "first day"),
        ("to" = Option<String>, Query, description = "last day"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, description = "one row per unit", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn targets_json(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<TargetsQuery>,
) -> ApiResult<Response> {
    may_see(&viewer)?;
    let unit = api::resolve(&state, &viewer, &code)?;
    let level = level_of(state.model().unit(unit).level, q.level.as_deref())?;
    let range = api::period_of(&state, &q.from, &q.to)?;
    let metric = q.metric.as_deref().unwrap_or(DEFAULT_METRIC);
    let rows = target_rows(&state, unit, metric, level, range).await?;
    targets_table(&format!("targets-{code}-{metric}"), &rows)
        .respond(q.format, || Json(&*rows).into_response())
}

/// Refuses haulers.
pub fn may_see(viewer: &Viewer) -> ApiResult<()> {
    if viewer.role().sees_governance() {
        Ok(())
    } else {
        Err(ApiError::forbidden("haulers do not see targets"))
    }
}
