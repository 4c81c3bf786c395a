//! Red and black lists (红黑榜) over HTTP: the units of one level under a unit ranked by a
//! metric over a period — the best on the red list, the worst of the rest on the black list,
//! units without data left unranked — exactly as `fenlei disclose` derives them
//! (`fenlei_app::govern::disclose`), for the caller's scope.

use crate::AppState;
use crate::api::{self, P, Q, blocking};
use crate::auth::Viewer;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::export::{Format, Table};
use crate::targets;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use fenlei_domain::{DayRange, Level, UnitId};
use fenlei_governance::disclose::Snapshot;

/// The lists routes of the API.
pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/units/{code}/lists", get(lists_json))
}

/// The metric ranked when none is asked.
pub const DEFAULT_METRIC: &str = "putin_accuracy";

/// Units on each list when not asked.
pub const DEFAULT_SIZE: usize = 10;

/// `?metric=&level=&size=&from=&to=&format=`.
#[derive(serde::Deserialize, Default)]
pub struct ListsQuery {
    /// Metric key (default: putin_accuracy).
    pub metric: Option<String>,
    /// Level of the units (default: the one below the unit).
    pub level: Option<String>,
    /// Units on each list (default 10, at most 100).
    pub size: Option<usize>,
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// json, csv, xlsx.
    #[serde(default)]
    pub format: Format,
}

/// The lists of the units of `level` under `unit` by `metric` over `range`.
pub async fn lists_of(
    state: &AppState,
    unit: UnitId,
    metric: &str,
    level: Level,
    range: DayRange,
    size: usize,
) -> ApiResult<Snapshot> {
    if fenlei_metrics::metric(metric).is_none() {
        return Err(ApiError::bad_request(format!("unknown metric {metric:?}")));
    }
    if !(1..=100).contains(&size) {
        return Err(ApiError::bad_request(format!(
            "size {size}: from 1 to 100 units on each list"
        )));
    }
    let st = state.clone();
    let figure = fenlei_app::govern::disclose::Figure::Metric(metric.to_owned());
    blocking(move || {
        let gov = fenlei_app::govern::open(&st.config.db)?;
        Ok(st.backend.lists(&gov, &figure, level, unit, range, size)?)
    })
    .await
}

/// Both lists as one table.
pub fn lists_table(name: &str, s: &Snapshot) -> Table {
    let mut t = Table::new(name, &["list", "rank", "unit", "name", "value"]);
    for (list, entries) in [("red", &s.red), ("black", &s.black)] {
        for e in entries {
            t.rows.push(vec![
                list.into(),
                e.rank.to_string(),
                e.unit.clone(),
                e.name.clone(),
                e.value.clone(),
            ]);
        }
    }
    t
}

/// Red and black lists of the units of a level under a unit, by a metric over a period.
#[utoipa::path(get, path = "/api/v1/units/{code}/lists",
    params(("code" = String, Path, description = "unit code"), ("metric" = Option<String>, Query, description = "metric key (default putin_accuracy)"),
        ("level" = Option<String>, Query, description = "level of the units (default: the one below)"), ("size" = Option<usize>, Query, description = "units on each list (default 10)"),
        ("from" = Option<String>, Query, description = "first day"), ("to" = Option<String>, Query, description = "last day"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, description = "`red` (best first), `black` (worst first), `unranked`", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn lists_json(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<ListsQuery>,
) -> ApiResult<Response> {
    targets::may_see(&viewer)?;
    let unit = api::resolve(&state, &viewer, &code)?;
    let level = targets::level_of(state.model().unit(unit).level, q.level.as_deref())?;
    let range = api::period_of(&state, &q.from, &q.to)?;
    let metric = q.metric.as_deref().unwrap_or(DEFAULT_METRIC);
    let s = lists_of(
        &state,
        unit,
        metric,
        level,
        range,
        q.size.unwrap_or(DEFAULT_SIZE),
    )
    .await?;
    lists_table(&format!("lists-{code}-{metric}"), &s)
        .respond(q.format, || Json(&s).into_response())
}
