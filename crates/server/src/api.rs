//! The JSON API under `/api/v1`, described by the OpenAPI document at
//! `/api/v1/openapi.json` (generated from these handlers by utoipa).
//!
//! Every unit answered is checked against the caller's scope first: a unit outside it answers
//! exactly like a unit that does not exist (404). Tables answer `?format=csv|xlsx` as
//! downloads. Errors are `{"code", "message"}` ([`crate::error`]).

use crate::AppState;
use crate::accounts::Role;
use crate::auth::{self, Sender, Viewer};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::export::{Format, Table};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fenlei_app::records::{RecordCounts, RecordResult, RecordStatus};
use fenlei_app::report::Report;
use fenlei_domain::{Category, Day, DayRange, Event, IncidentKind, Level, Timestamp, UnitId};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::sync::Arc;
use utoipa::OpenApi;

/// Query parameters, with a malformed query answered 400 in the one error shape.
pub struct Q<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for Q<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Q<T>, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(t)| Q(t))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// Path parameters, a malformed one answered 400 in the one error shape.
pub struct P<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for P<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<P<T>, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| P(t))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// A request body, too large answered 413 in the one error shape.
pub fn body(b: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the request body is larger than the server accepts; send smaller batches",
            )
        } else {
            ApiError::bad_request(e.body_text())
        }
    })
}

/// Runs blocking store work off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f).await?
}

/// The routes of the API, health and metrics.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(prometheus))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/units", get(units))
        .route("/api/v1/units/{code}", get(unit))
        .route("/api/v1/units/{code}/metrics", get(unit_metrics))
        .route("/api/v1/units/{code}/children", get(children_metrics))
        .route("/api/v1/units/{code}/shapes", get(unit_shapes))
        .route("/api/v1/units/{code}/ranking", get(ranking))
        .route("/api/v1/units/{code}/at-risk", get(at_risk))
        .route("/api/v1/estates/{code}", get(estate))
        .route("/api/v1/estates/{code}/points", get(estate_points))
        .route("/api/v1/estates/{code}/incidents", get(estate_incidents))
        .route(
            "/api/v1/estates/{code}/inspections",
            get(estate_inspections),
        )
        .route("/api/v1/plans", get(plans))
        .route("/api/v1/plans/{id}", get(plan))
        .route("/api/v1/guide", get(guide))
        .route("/api/v1/ingest", post(ingest))
        .route("/api/v1/ingest/health", get(ingest_health))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/cases", get(cases).post(crate::cases::open_json))
        .route("/api/v1/evaluations", get(evaluations))
}

/// Anything else: 404 in the one error shape.
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such page or endpoint")
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "fenlei",
        description = "Household-waste sorting: units, metrics, rankings, estates, plans, the sorting guide, batch ingest, rectification cases and their actions."
    ),
    paths(
        healthz,
        login,
        logout,
        me,
        units,
        unit,
        unit_metrics,
        children_metrics,
        unit_shapes,
        ranking,
        estate,
        plans,
        plan,
        guide,
        ingest,
        ingest_health,
        audit,
        cases,
        evaluations,
        at_risk,
        estate_points,
        estate_incidents,
        estate_inspections,
        crate::cases::case_json,
        crate::cases::open_json,
        crate::lists::lists_json,
        crate::cases::accept_json,
        crate::cases::evidence_json,
        crate::cases::evidence_file,
        crate::cases::fix_json,
        crate::cases::verify_json,
        crate::cases::escalate_json,
        crate::cases::close_json,
        crate::incidents::incidents_json,
        crate::incidents::ack_json,
        crate::incidents::handled_json,
        crate::points::accounts_json,
        crate::points::ledger_json,
        crate::points::redeem_json,
        crate::targets::targets_json
    ),
    components(schemas(
        ErrorBody,
        UnitView,
        UnitDetail,
        Ranking,
        RankRow,
        EstateView,
        PointView,
        BinFill,
        PutInView,
        IncidentView,
        InspectionView,
        IngestResponse,
        LoginRequest,
        LoginResponse,
        Format,
        Role,
        crate::cases::AcceptRequest,
        crate::cases::OpenRequest,
        crate::cases::NoteRequest,
        crate::cases::VerifyRequest,
        crate::cases::CloseRequest,
        crate::incidents::IncidentList,
        crate::incidents::IncidentRow,
        crate::incidents::StepView,
        crate::incidents::Recorded,
        crate::points::AccountRow,
        crate::points::EstateAccounts,
        crate::points::RedeemRequest,
        crate::points::Redeemed
    ))
)]
pub struct ApiDoc;

async fn openapi() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

/// Health check.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "The server answers")))]
async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// Prometheus text. Like every other request it is authenticated: a city admin's session, or
/// a bearer token scoped to the whole city (what a scraper is given: `fenlei token issue
/// --scope <city code>`).
async fn prometheus(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let city_wide = state.model().city().map(|c| c.code.clone());
    let allowed = if let Some(token) = auth::bearer_token(&state, &headers)? {
        Some(token.scope) == city_wide
    } else {
        let viewer = auth::viewer_of(&state, &headers)?.ok_or_else(ApiError::unauthorized)?;
        viewer.role() == Role::CityAdmin
    };
    if !allowed {
        return Err(ApiError::forbidden(
            "the metrics are for city admins and tokens scoped to the whole city",
        ));
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.telemetry.render(),
    )
        .into_response())
}

/// Login credentials.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// User name.
    pub name: String,
    /// Password.
    pub password: String,
}

/// A session started: the cookie is set; `csrf` goes into the `x-csrf-token` header of every
/// POST made with it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// User name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Scope unit code.
    pub scope: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// Checks a login against the rate limit and the password; starts a session.
pub async fn do_login(
    state: &AppState,
    name: String,
    password: String,
    addr: Option<String>,
) -> ApiResult<(String, LoginResponse)> {
    let free = state.config.login_free_failures;
    if let Some(wait) = state.limiter.wait(&name, addr.as_deref(), free) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!(
                "too many failed logins; try again in {} s",
                wait.as_secs().max(1)
            ),
        ));
    }
    let st = state.clone();
    let n = name.clone();
    let user = blocking(move || {
        st.accounts
            .check_password(&n, &password)
            .map_err(ApiError::internal)
    })
    .await?;
    let Some(user) = user else {
        state.limiter.failed(&name, addr.as_deref());
        let _ = state
            .accounts
            .audit(&name, "login.failed", addr.as_deref().unwrap_or(""));
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "wrong user name or password",
        ));
    };
    state.limiter.succeeded(&name);
    let (cookie, csrf) = state
        .accounts
        .start_session(&user.name)
        .map_err(ApiError::internal)?;
    state
        .accounts
        .audit(&user.name, "login", addr.as_deref().unwrap_or(""))
        .map_err(ApiError::internal)?;
    Ok((
        cookie,
        LoginResponse {
            name: user.name,
            role: user.role,
            scope: user.scope,
            csrf,
        },
    ))
}

/// The client's address, when the server was started with connection info.
pub fn client_addr(parts: &axum::http::Extensions) -> Option<String> {
    parts
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Log in: sets the session cookie (HttpOnly, SameSite=Strict).
#[utoipa::path(post, path = "/api/v1/login", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let req: LoginRequest = serde_json::from_slice(&body(b)?)
        .map_err(|e| ApiError::bad_request(format!("expected {{\"name\", \"password\"}}: {e}")))?;
    let (cookie, res) = do_login(&state, req.name, req.password, client_addr(&ext)).await?;
    Ok((
        [(
            header::SET_COOKIE,
            auth::set_cookie(
                &state,
                auth::SESSION_COOKIE,
                &cookie,
                crate::accounts::SESSION_SECONDS,
            ),
        )],
        Json(res),
    )
        .into_response())
}

/// Log out: ends the session (needs the CSRF header).
#[utoipa::path(post, path = "/api/v1/logout", responses((status = 204), (status = 403, body = ErrorBody)))]
async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> ApiResult<Response> {
    viewer.check_csrf(headers.get(auth::CSRF_HEADER).and_then(|v| v.to_str().ok()))?;
    state
        .accounts
        .end_session(&viewer.cookie)
        .map_err(ApiError::internal)?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            auth::set_cookie(&state, auth::SESSION_COOKIE, "", 0),
        )],
    )
        .into_response())
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)))]
async fn me(viewer: Viewer) -> Json<LoginResponse> {
    let u = viewer.session.user;
    Json(LoginResponse {
        name: u.name,
        role: u.role,
        scope: u.scope,
        csrf: viewer.session.csrf,
    })
}

/// A unit as the API shows it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UnitView {
    /// Code (national division code where it has one).
    pub code: String,
    /// Name.
    pub name: String,
    /// Level: city, district, street, community, estate, point.
    pub level: String,
    /// Parent's code (none for the city, or when the parent is outside the caller's scope).
    pub parent: Option<String>,
    /// Households served.
    pub households: u32,
    /// Residents.
    pub residents: u32,
    /// Position east, metres.
    pub x_m: i32,
    /// Position north, metres.
    pub y_m: i32,
    /// Bins (categories accepted).
    pub bins: Vec<&'static str>,
}

impl UnitView {
    /// The view of `unit` for a caller scoped to `scope`.
    pub fn of(state: &AppState, unit: UnitId, scope: UnitId) -> UnitView {
        let m = state.model();
        let u = m.unit(unit);
        UnitView {
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.key().to_owned(),
            parent: u
                .parent
                .filter(|_| unit != scope)
                .map(|p| m.unit(p).code.clone()),
            households: u.households,
            residents: u.residents,
            x_m: u.x_m,
            y_m: u.y_m,
            bins: u.accepts.iter().map(Category::key).collect(),
        }
    }
}

/// Resolves `code` for `viewer`: 404 when it does not exist or lies outside the scope.
pub fn resolve(state: &AppState, viewer: &Viewer, code: &str) -> ApiResult<UnitId> {
    state
        .units
        .get(code)
        .filter(|&u| state.in_scope(viewer.scope, u))
        .ok_or_else(|| ApiError::not_found(format!("no unit {code}")))
}

/// `?format=`.
#[derive(serde::Deserialize, Default)]
pub struct FormatQuery {
    /// json (default), csv, xlsx.
    #[serde(default)]
    pub format: Format,
}

/// Every unit of the caller's scope down to the estates (points are listed per estate).
#[utoipa::path(get, path = "/api/v1/units", params(("format" = Option<Format>, Query, description = "json, csv or xlsx")),
    responses((status = 200, body = [UnitView]), (status = 401, body = ErrorBody)))]
async fn units(
    State(state): State<AppState>,
    viewer: Viewer,
    Q(q): Q<FormatQuery>,
) -> ApiResult<Response> {
    let mut out = Vec::new();
    let mut queue = std::collections::VecDeque::from([viewer.scope]);
    while let Some(u) = queue.pop_front() {
        if state.model().unit(u).level == Level::Point {
            continue;
        }
        out.push(UnitView::of(&state, u, viewer.scope));
        queue.extend(state.units.children(u));
    }
    unit_table("units", &out).respond(q.format, || Json(&out).into_response())
}

fn unit_table(name: &str, units: &[UnitView]) -> Table {
    let mut t = Table::new(
        name,
        &[
            "code",
            "name",
            "level",
            "parent",
            "households",
            "residents",
            "x_m",
            "y_m",
            "bins",
        ],
    );
    for u in units {
        t.rows.push(vec![
            u.code.clone(),
            u.name.clone(),
            u.level.clone(),
            u.parent.clone().unwrap_or_default(),
            u.households.to_string(),
            u.residents.to_string(),
            u.x_m.to_string(),
            u.y_m.to_string(),
            u.bins.join(" "),
        ]);
    }
    t
}

/// A unit with the path to it and its children.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct UnitDetail {
    /// The unit.
    pub unit: UnitView,
    /// From the caller's scope unit down to the unit's parent.
    pub path: Vec<UnitView>,
    /// Its children.
    pub children: Vec<UnitView>,
}

/// The path from the scope down to `unit` (excluding it).
pub fn path_to(state: &AppState, scope: UnitId, unit: UnitId) -> Vec<UnitView> {
    let mut path: Vec<UnitView> = state
        .model()
        .ancestors(unit)
        .skip(1)
        .take_while(|&a| state.in_scope(scope, a))
        .map(|a| UnitView::of(state, a, scope))
        .collect();
    path.reverse();
    path
}

/// One unit, the path to it and its children.
#[utoipa::path(get, path = "/api/v1/units/{code}", params(("code" = String, Path, description = "unit code")),
    responses((status = 200, body = UnitDetail), (status = 404, body = ErrorBody)))]
async fn unit(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
) -> ApiResult<Json<UnitDetail>> {
    let u = resolve(&state, &viewer, &code)?;
    Ok(Json(UnitDetail {
        unit: UnitView::of(&state, u, viewer.scope),
        path: path_to(&state, viewer.scope, u),
        children: state
            .units
            .children(u)
            .iter()
            .map(|&c| UnitView::of(&state, c, viewer.scope))
            .collect(),
    }))
}

/// `?from=&to=&format=`.
#[derive(serde::Deserialize, Default)]
pub struct PeriodQuery {
    /// First day (YYYY-MM-DD); default: 30 days before `to`.
    pub from: Option<String>,
    /// Last day; default: the last simulated day (else yesterday).
    pub to: Option<String>,
    /// json, csv, xlsx.
    #[serde(default)]
    pub format: Format,
}

fn day(name: &str, s: &Option<String>) -> ApiResult<Option<Day>> {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            Day::parse(s).map_err(|_| {
                ApiError::bad_request(format!("{name}: {s:?} is not a date (YYYY-MM-DD)"))
            })
        })
        .transpose()
}

/// The period of a query.
pub fn period_of(
    state: &AppState,
    from: &Option<String>,
    to: &Option<String>,
) -> ApiResult<DayRange> {
    let (from, to) = (day("from", from)?, day("to", to)?);
    Ok(state.backend.period(from, to)?)
}

/// A report of `units` over `range`.
pub async fn report_of(
    state: &AppState,
    units: Vec<UnitId>,
    range: DayRange,
) -> ApiResult<Arc<Report>> {
    let st = state.clone();
    blocking(move || Ok(st.backend.report(&units, range)?)).await
}

fn report_response(r: &Report, name: &str, format: Format) -> ApiResult<Response> {
    if format == Format::Json {
        return Ok(Json(r).into_response());
    }
    let csv = fenlei_app::report::render_csv(r)?;
    Table::from_csv(name, &csv)?.respond(format, || Json(r).into_response())
}

/// Every metric of a unit over a period: value, numerator and denominator, formula, target,
/// gap, data coverage, sample judgement, status.
#[utoipa::path(get, path = "/api/v1/units/{code}/metrics",
    params(("code" = String, Path, description = "unit code"), ("from" = Option<String>, Query, description = "first day"), ("to" = Option<String>, Query, description = "last day"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, description = "the report (fenlei report --format json)", body = serde_json::Value), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unit_metrics(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<PeriodQuery>,
) -> ApiResult<Response> {
    let u = resolve(&state, &viewer, &code)?;
    let range = period_of(&state, &q.from, &q.to)?;
    if q.format == Format::Json {
        return report_json_response(&state, vec![u], range).await;
    }
    let r = report_of(&state, vec![u], range).await?;
    report_response(&r, &format!("metrics-{code}"), q.format)
}

/// The JSON of a report, from the cache without leaving the async thread when it is there.
async fn report_json_response(
    state: &AppState,
    units: Vec<UnitId>,
    range: DayRange,
) -> ApiResult<Response> {
    let json = match state.backend.cached_report_json(&units, range) {
        Some(j) => j,
        None => {
            let st = state.clone();
            blocking(move || Ok(st.backend.report_json(&units, range)?)).await?
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        Bytes::from_owner(json),
    )
        .into_response())
}

/// Every metric of each of a unit's children.
#[utoipa::path(get, path = "/api/v1/units/{code}/children",
    params(("code" = String, Path, description = "unit code"), ("from" = Option<String>, Query, description = "first day"), ("to" = Option<String>, Query, description = "last day"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, description = "the report of the children", body = serde_json::Value), (status = 404, body = ErrorBody)))]
async fn children_metrics(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<PeriodQuery>,
) -> ApiResult<Response> {
    let u = resolve(&state, &viewer, &code)?;
    let range = period_of(&state, &q.from, &q.to)?;
    if q.format == Format::Json {
        return report_json_response(&state, state.units.children(u).to_vec(), range).await;
    }
    let r = report_of(&state, state.units.children(u).to_vec(), range).await?;
    report_response(&r, &format!("children-{code}"), q.format)
}

/// `?of=children|self`.
#[derive(serde::Deserialize, Default)]
pub struct ShapesQuery {
    /// `children` (default): the outlines of the unit's children; `self`: the unit's own.
    pub of: Option<String>,
}

/// The outlines of `units` that have one.
pub async fn shapes_of(
    state: &AppState,
    units: Vec<UnitId>,
) -> ApiResult<Vec<(UnitId, fenlei_domain::Shape)>> {
    let st = state.clone();
    blocking(move || Ok(st.backend.shapes(&units)?)).await
}

/// `shapes` as a GeoJSON FeatureCollection: one MultiPolygon feature per unit, in the local
/// metres plane, with the unit's `code`, `name`, `level` and dashboard `url` as properties.
pub fn feature_collection(
    state: &AppState,
    shapes: &[(UnitId, fenlei_domain::Shape)],
) -> geojson::FeatureCollection {
    let features = shapes.iter().map(|(u, shape)| {
        let unit = state.model().unit(*u);
        let coordinates: Vec<geojson::PolygonType> = shape
            .0
            .iter()
            .map(|poly| {
                poly.iter()
                    .map(|ring| ring.iter().map(|&p| geojson::Position::from(p)).collect())
                    .collect()
            })
            .collect();
        let mut props = geojson::JsonObject::new();
        props.insert("code".into(), unit.code.clone().into());
        props.insert("name".into(), unit.name.clone().into());
        props.insert("level".into(), unit.level.key().into());
        props.insert("url".into(), crate::pages::unit_href(state, *u).into());
        geojson::Feature {
            geometry: Some(geojson::Geometry::new(
                geojson::GeometryValue::MultiPolygon { coordinates },
            )),
            properties: Some(props),
            ..Default::default()
        }
    });
    let mut fc = geojson::FeatureCollection::new(features);
    fc.foreign_members = Some(
        [(
            "crs_note".to_owned(),
            "local plane: metres east and north of the city's origin".into(),
        )]
        .into_iter()
        .collect(),
    );
    fc
}

/// Outlines on the map: a unit's children's (or its own) as a GeoJSON FeatureCollection in the
/// city's local metres plane. Units without an outline are left out (an empty collection when
/// none has one).
#[utoipa::path(get, path = "/api/v1/units/{code}/shapes",
    params(("code" = String, Path, description = "unit code"), ("of" = Option<String>, Query, description = "children (default) or self")),
    responses((status = 200, description = "a GeoJSON FeatureCollection (MultiPolygon features with code, name, level, url)", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unit_shapes(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<ShapesQuery>,
) -> ApiResult<Response> {
    let u = resolve(&state, &viewer, &code)?;
    let units = match q.of.as_deref() {
        None | Some("children") => state.units.children(u).to_vec(),
        Some("self") => vec![u],
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "of: {other:?} is neither children nor self"
            )));
        }
    };
    let shapes = shapes_of(&state, units).await?;
    let fc = feature_collection(&state, &shapes);
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        fc.to_string(),
    )
        .into_response())
}

/// `?metric=&level=&from=&to=&format=`.
#[derive(serde::Deserialize)]
pub struct RankingQuery {
    /// Metric key (e.g. `putin_accuracy`).
    pub metric: String,
    /// Rank the units of this level below the unit (default: its children).
    pub level: Option<String>,
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// json, csv, xlsx.
    #[serde(default)]
    pub format: Format,
}

/// Units ranked by one metric, best first.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Ranking {
    /// Metric key.
    pub metric: String,
    /// Label, Chinese.
    pub label_zh: String,
    /// Label, English.
    pub label_en: String,
    /// Value unit.
    pub unit: String,
    /// `higher_is_better` or `lower_is_better`.
    pub direction: String,
    /// First day.
    #[schema(value_type = String, format = Date)]
    pub from: Day,
    /// Last day.
    #[schema(value_type = String, format = Date)]
    pub to: Day,
    /// Ranked rows; units without a value last.
    pub rows: Vec<RankRow>,
}

/// One ranked unit.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RankRow {
    /// Rank (1 = best); none without a value.
    pub rank: Option<usize>,
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Value.
    pub value: Option<f64>,
    /// Target.
    pub target: Option<f64>,
    /// Gap to the target (positive = better than the target).
    pub gap: Option<f64>,
    /// Status (met, not_met, insufficient_data, …).
    pub status: String,
}

/// Ranks `units` by `metric` over `range`.
pub async fn rank(
    state: &AppState,
    metric: &str,
    units: Vec<UnitId>,
    range: DayRange,
) -> ApiResult<Ranking> {
    let m = fenlei_metrics::metric(metric).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown metric {metric:?}; one of {}",
            fenlei_metrics::METRICS
                .iter()
                .map(|m| m.key)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let r = report_of(state, units, range).await?;
    let higher = matches!(m.direction, fenlei_metrics::Direction::HigherIsBetter);
    let mut rows: Vec<RankRow> = Vec::new();
    let (mut label_zh, mut label_en, mut unit) = (String::new(), String::new(), String::new());
    for u in &r.units {
        let Some(e) = u.metrics.iter().find(|e| e.metric == m.key) else {
            continue;
        };
        label_zh.clone_from(&e.label_zh);
        label_en.clone_from(&e.label_en);
        unit = e.unit.to_owned();
        rows.push(RankRow {
            rank: None,
            code: u.id.clone(),
            name: u.name.clone(),
            value: e.value,
            target: e.target.as_ref().map(|t| t.value),
            gap: e.gap,
            status: serde_json::to_value(e.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        });
    }
    if rows.is_empty() && !r.units.is_empty() {
        return Err(ApiError::bad_request(format!(
            "metric {metric} is not reported in this city"
        )));
    }
    rows.sort_by(|a, b| match (a.value, b.value) {
        (Some(x), Some(y)) => {
            let o = x.total_cmp(&y);
            if higher { o.reverse() } else { o }
        }
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.code.cmp(&b.code),
    });
    for (i, r) in rows.iter_mut().enumerate() {
        if r.value.is_some() {
            r.rank = Some(i + 1);
        }
    }
    Ok(Ranking {
        metric: m.key.to_owned(),
        label_zh,
        label_en,
        unit,
        direction: if higher {
            "higher_is_better"
        } else {
            "lower_is_better"
        }
        .to_owned(),
        from: range.from,
        to: range.to,
        rows,
    })
}

/// A ranking as a table.
pub fn ranking_table(r: &Ranking, name: &str) -> Table {
    let mut t = Table::new(
        name,
        &[
            "rank", "code", "name", "metric", "value", "unit", "target", "gap", "status", "from",
            "to",
        ],
    );
    let o = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for row in &r.rows {
        t.rows.push(vec![
            row.rank.map(|r| r.to_string()).unwrap_or_default(),
            row.code.clone(),
            row.name.clone(),
            r.metric.clone(),
            o(row.value),
            r.unit.clone(),
            o(row.target),
            o(row.gap),
            row.status.clone(),
            r.from.to_string(),
            r.to.to_string(),
        ]);
    }
    t
}

/// The units below `unit` to rank: its children, or its descendants at `level`.
pub fn rank_units(state: &AppState, unit: UnitId, level: Option<&str>) -> ApiResult<Vec<UnitId>> {
    match level.filter(|l| !l.is_empty()) {
        None => Ok(state.units.children(unit).to_vec()),
        Some(l) => {
            let level = Level::parse(l).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "unknown level {l:?}; one of city, district, street, community, estate, point"
                ))
            })?;
            Ok(state
                .model()
                .at_level(level)
                .filter(|u| u.id != unit && state.in_scope(unit, u.id))
                .map(|u| u.id)
                .collect())
        }
    }
}

/// A unit's children (or descendants at `level`) ranked by a metric.
#[utoipa::path(get, path = "/api/v1/units/{code}/ranking",
    params(("code" = String, Path, description = "unit code"), ("metric" = String, Query, description = "metric key"), ("level" = Option<String>, Query, description = "rank this level below the unit (default: children)"), ("from" = Option<String>, Query, description = "first day"), ("to" = Option<String>, Query, description = "last day"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, body = Ranking), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn ranking(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<RankingQuery>,
) -> ApiResult<Response> {
    let u = resolve(&state, &viewer, &code)?;
    let range = period_of(&state, &q.from, &q.to)?;
    let key = format!(
        "ranking:{}:{}:{}:{}:{}",
        u.0,
        q.level.as_deref().unwrap_or(""),
        q.metric,
        range.from,
        range.to
    );
    let json_response = |j: Arc<[u8]>| {
        (
            [(header::CONTENT_TYPE, "application/json")],
            Bytes::from_owner(j),
        )
            .into_response()
    };
    if q.format == Format::Json
        && let Some(j) = state.backend.cached_json(&key)
    {
        return Ok(json_response(j));
    }
    let units = rank_units(&state, u, q.level.as_deref())?;
    let r = rank(&state, &q.metric, units, range).await?;
    if q.format == Format::Json {
        let j: Arc<[u8]> = serde_json::to_vec(&r).map_err(ApiError::internal)?.into();
        state.backend.keep_json(key, j.clone());
        return Ok(json_response(j));
    }
    ranking_table(&r, &format!("ranking-{code}-{}", q.metric))
        .respond(q.format, || Json(&r).into_response())
}

/// A collection point of an estate.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PointView {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Bins (categories).
    pub bins: Vec<&'static str>,
    /// Position east, metres.
    pub x_m: i32,
    /// Position north, metres.
    pub y_m: i32,
    /// Put-ins on the day shown.
    pub put_ins: u64,
    /// The latest fill-level report of each bin in the week up to the day shown.
    pub fill: Vec<BinFill>,
}

/// A bin's latest fill-level report.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BinFill {
    /// Category.
    pub category: &'static str,
    /// How full, percent.
    pub percent: u8,
    /// When reported (RFC 3339).
    pub time: String,
}

/// One put-in.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PutInView {
    /// When (RFC 3339).
    pub time: String,
    /// Point code.
    pub point: String,
    /// Category.
    pub category: String,
    /// Grams.
    pub grams: u32,
    /// Verdict.
    pub verdict: String,
}

/// An estate: points and bins, the day's put-ins by hour, the most recent put-ins.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EstateView {
    /// The estate.
    pub unit: UnitView,
    /// Path from the caller's scope down to the estate's parent.
    pub path: Vec<UnitView>,
    /// Its collection points.
    pub points: Vec<PointView>,
    /// The day shown (the last day with put-ins, or the day asked).
    #[schema(value_type = Option<String>, format = Date)]
    pub day: Option<Day>,
    /// Put-ins per hour of that day (0..24, local time).
    pub hours: Vec<u64>,
    /// The day's last put-ins, newest first (at most 50).
    pub recent: Vec<PutInView>,
    /// Station incidents at its points in the week up to the day, newest first (at most 50);
    /// fill-level reports are the points' `fill`, not incidents here.
    pub incidents: Vec<IncidentView>,
    /// Inspections of the estate in the 30 days up to the day, newest first.
    pub inspections: Vec<InspectionView>,
}

/// A station incident.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    /// When (RFC 3339).
    pub time: String,
    /// Point code.
    pub point: String,
    /// Kind (`overflow`, `bags_on_ground`, …).
    pub kind: String,
    /// The incident's id.
    pub id: String,
}

/// An inspection of the estate.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct InspectionView {
    /// When (RFC 3339).
    pub time: String,
    /// Who inspected.
    pub inspector: String,
    /// Score out of 100, if scored.
    pub score: Option<f32>,
    /// Findings.
    pub findings: Vec<String>,
}

/// `?day=`.
#[derive(serde::Deserialize, Default)]
pub struct DayQuery {
    /// Day (YYYY-MM-DD); default: the last day holding put-ins.
    pub day: Option<String>,
    /// json, csv, xlsx (the recent put-ins).
    #[serde(default)]
    pub format: Format,
}

/// The estate view of `unit` for `viewer` on `day`.
pub async fn estate_view(
    state: &AppState,
    viewer: &Viewer,
    unit: UnitId,
    day: Option<Day>,
) -> ApiResult<EstateView> {
    if state.model().unit(unit).level != Level::Estate {
        return Err(ApiError::not_found(format!(
            "no estate {}",
            state.model().unit(unit).code
        )));
    }
    let st = state.clone();
    let scope = viewer.scope;
    blocking(move || {
        let day = day.or_else(|| st.backend.put_in_days().last().copied());
        let points: Vec<UnitId> = st.units.children(unit).to_vec();
        let mut counts = vec![0u64; points.len()];
        let mut hours = vec![0u64; 24];
        let mut recent = Vec::new();
        let mut fills: Vec<[Option<(Timestamp, u8)>; 4]> = vec![[None; 4]; points.len()];
        if let Some(d) = day {
            let put_ins = st.backend.put_ins_of_day(d)?;
            for p in &put_ins {
                if let Some(i) = points.iter().position(|&x| x == p.point) {
                    counts[i] += 1;
                    hours[(p.time.second_of_day() / 3600).min(23) as usize] += 1;
                    recent.push(*p);
                }
            }
        }
        recent.sort_by_key(|p| std::cmp::Reverse(p.time));
        recent.truncate(50);
        let mut incidents = Vec::new();
        let mut inspections = Vec::new();
        if let Some(d) = day {
            let week = DayRange {
                from: d.plus(-6),
                to: d,
            };
            for e in st.backend.events_of("incident", week)? {
                let Event::Incident(i) = e else { continue };
                let Some(k) = points.iter().position(|&x| x == i.point) else {
                    continue;
                };
                match (i.kind, i.category, i.fill_pct) {
                    (IncidentKind::FillLevel, Some(c), Some(pct)) => {
                        let slot = &mut fills[k][c.index()];
                        if slot.is_none_or(|(t, _)| i.time >= t) {
                            *slot = Some((i.time, pct));
                        }
                    }
                    (IncidentKind::FillLevel, _, _) => {}
                    _ => incidents.push(i),
                }
            }
            let month = DayRange {
                from: d.plus(-29),
                to: d,
            };
            for e in st.backend.events_of("inspection", month)? {
                if let Event::Inspection(i) = e
                    && i.unit == unit
                {
                    inspections.push(i);
                }
            }
        }
        incidents.sort_by(|a, b| (b.time, &b.id).cmp(&(a.time, &a.id)));
        incidents.truncate(50);
        inspections.sort_by_key(|i| std::cmp::Reverse(i.time));
        let m = st.model();
        Ok(EstateView {
            unit: UnitView::of(&st, unit, scope),
            path: path_to(&st, scope, unit),
            points: points
                .iter()
                .zip(&counts)
                .zip(&fills)
                .map(|((&p, &n), fill)| {
                    let u = m.unit(p);
                    PointView {
                        code: u.code.clone(),
                        name: u.name.clone(),
                        bins: u.accepts.iter().map(Category::key).collect(),
                        x_m: u.x_m,
                        y_m: u.y_m,
                        put_ins: n,
                        fill: Category::BINS
                            .iter()
                            .zip(fill)
                            .filter_map(|(c, f)| {
                                f.map(|(t, pct)| BinFill {
                                    category: c.key(),
                                    percent: pct,
                                    time: rfc3339(t),
                                })
                            })
                            .collect(),
                    }
                })
                .collect(),
            day,
            hours,
            recent: recent
                .iter()
                .map(|p| PutInView {
                    time: rfc3339(p.time),
                    point: m.unit(p.point).code.clone(),
                    category: p.category.key().to_owned(),
                    grams: p.grams,
                    verdict: p.verdict.key().to_owned(),
                })
                .collect(),
            incidents: incidents
                .into_iter()
                .map(|i| IncidentView {
                    time: rfc3339(i.time),
                    point: m.unit(i.point).code.clone(),
                    kind: i.kind.key().to_owned(),
                    id: i.id,
                })
                .collect(),
            inspections: inspections
                .into_iter()
                .map(|i| InspectionView {
                    time: rfc3339(i.time),
                    inspector: i.inspector,
                    score: i.score,
                    findings: i.findings,
                })
                .collect(),
        })
    })
    .await
}

/// The recent put-ins of an estate view as a table.
pub fn recent_table(e: &EstateView) -> Table {
    let mut t = Table::new(
        format!("putins-{}", e.unit.code),
        &["time", "point", "category", "grams", "verdict"],
    );
    for p in &e.recent {
        t.rows.push(vec![
            p.time.clone(),
            p.point.clone(),
            p.category.clone(),
            p.grams.to_string(),
            p.verdict.clone(),
        ]);
    }
    t
}

/// An estate: its points and bins, put-ins by hour, recent put-ins.
#[utoipa::path(get, path = "/api/v1/estates/{code}",
    params(("code" = String, Path, description = "estate code"), ("day" = Option<String>, Query, description = "day (default: the last with put-ins)"), ("format" = Option<Format>, Query, description = "json; csv or xlsx give the recent put-ins")),
    responses((status = 200, body = EstateView), (status = 404, body = ErrorBody)))]
async fn estate(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<DayQuery>,
) -> ApiResult<Response> {
    let u = resolve(&state, &viewer, &code)?;
    let d = day("day", &q.day)?;
    let e = estate_view(&state, &viewer, u, d).await?;
    recent_table(&e).respond(q.format, || Json(&e).into_response())
}

/// `?category=&day=&format=`.
#[derive(serde::Deserialize, Default)]
pub struct PlansQuery {
    /// Only this category.
    pub category: Option<String>,
    /// Only this day.
    pub day: Option<String>,
    /// json, csv, xlsx.
    #[serde(default)]
    pub format: Format,
}

/// A stored plan's summary.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PlanRow {
    /// Id.
    pub id: i64,
    /// District code.
    pub district: String,
    /// Category.
    pub category: String,
    /// Day.
    pub day: Day,
    /// Trucks.
    pub vehicles: usize,
    /// Kilometres driven.
    pub distance_km: f64,
    /// Whether every constraint holds.
    pub feasible: bool,
}

/// Stored plans within `scope`, filtered.
pub async fn plan_rows(
    state: &AppState,
    scope: UnitId,
    category: Option<&str>,
    day_s: &Option<String>,
) -> ApiResult<Vec<PlanRow>> {
    let category = category
        .filter(|c| !c.is_empty())
        .map(|c| Category::parse(c).map_err(|e| ApiError::bad_request(e.to_string())))
        .transpose()?;
    let d = day("day", day_s)?;
    let st = state.clone();
    let all = blocking(move || Ok(st.backend.plans()?)).await?;
    Ok(all
        .into_iter()
        .filter(|p| state.in_scope(scope, p.district))
        .filter(|p| category.is_none_or(|c| c == p.category))
        .filter(|p| d.is_none_or(|d| d == p.day))
        .map(|p| PlanRow {
            id: p.id,
            district: state.model().unit(p.district).code.clone(),
            category: p.category.key().to_owned(),
            day: p.day,
            vehicles: p.vehicles,
            distance_km: p.distance_m as f64 / 1000.0,
            feasible: p.feasible,
        })
        .collect())
}

/// Plans as a table.
pub fn plans_table(rows: &[PlanRow]) -> Table {
    let mut t = Table::new(
        "plans",
        &[
            "id",
            "district",
            "category",
            "day",
            "vehicles",
            "distance_km",
            "feasible",
        ],
    );
    for p in rows {
        t.rows.push(vec![
            p.id.to_string(),
            p.district.clone(),
            p.category.clone(),
            p.day.to_string(),
            p.vehicles.to_string(),
            format!("{:.1}", p.distance_km),
            p.feasible.to_string(),
        ]);
    }
    t
}

/// Stored collection plans of the districts in the caller's scope.
#[utoipa::path(get, path = "/api/v1/plans",
    params(("category" = Option<String>, Query, description = "kitchen, recyclable, hazardous, other, …"), ("day" = Option<String>, Query, description = "day planned"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, description = "plan summaries", body = serde_json::Value), (status = 400, body = ErrorBody)))]
async fn plans(
    State(state): State<AppState>,
    viewer: Viewer,
    Q(q): Q<PlansQuery>,
) -> ApiResult<Response> {
    let rows = plan_rows(&state, viewer.scope, q.category.as_deref(), &q.day).await?;
    plans_table(&rows).respond(q.format, || Json(&rows).into_response())
}

/// A stored plan with every stop's position, for maps.
pub async fn plan_detail(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> ApiResult<serde_json::Value> {
    let st = state.clone();
    let plan = blocking(move || Ok(st.backend.plan(id)?)).await?;
    let plan = plan
        .filter(|p| state.in_scope(viewer.scope, p.district))
        .ok_or_else(|| ApiError::not_found(format!("no plan {id}")))?;
    let m = state.model();
    let routes: Vec<serde_json::Value> = plan
        .routes
        .iter()
        .map(|r| {
            let v = m.vehicles.get(r.vehicle.0 as usize);
            let stops: Vec<serde_json::Value> = r
                .stops
                .iter()
                .filter_map(|s| {
                    let (kind, code, x, y) = match s.kind {
                        fenlei_domain::plan::StopKind::Depot => ("depot", String::new(), v?.depot_x_m, v?.depot_y_m),
                        fenlei_domain::plan::StopKind::Point(u) => {
                            let u = m.unit(u);
                            ("point", u.code.clone(), u.x_m, u.y_m)
                        }
                        fenlei_domain::plan::StopKind::Facility(f) => {
                            let f = m.facilities.get(f.0 as usize)?;
                            ("facility", f.code.clone(), f.x_m, f.y_m)
                        }
                        fenlei_domain::plan::StopKind::Break => return None,
                    };
                    Some(serde_json::json!({"kind": kind, "code": code, "x_m": x, "y_m": y, "arrival": s.arrival, "load_kg": s.load_kg}))
                })
                .collect();
            serde_json::json!({
                "vehicle": v.map(|v| v.code.clone()).unwrap_or_default(),
                "points": r.points, "trips": r.trips, "collected_kg": r.collected_kg,
                "distance_m": r.distance_m, "duration_s": r.duration_s, "stops": stops,
            })
        })
        .collect();
    Ok(serde_json::json!({
        "id": plan.id, "district": m.unit(plan.district).code, "category": plan.category.key(),
        "day": plan.day, "points": plan.points, "expected_kg": plan.expected_kg,
        "vehicles": plan.vehicles, "distance_m": plan.distance_m, "feasible": plan.feasible,
        "routes": routes,
    }))
}

/// One stored plan: routes with each stop's position.
#[utoipa::path(get, path = "/api/v1/plans/{id}", params(("id" = i64, Path, description = "plan id")),
    responses((status = 200, description = "the plan", body = serde_json::Value), (status = 404, body = ErrorBody)))]
async fn plan(
    State(state): State<AppState>,
    viewer: Viewer,
    P(id): P<i64>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(plan_detail(&state, &viewer, id).await?))
}

/// `?q=&city=`.
#[derive(serde::Deserialize)]
pub struct GuideQuery {
    /// What to look up.
    pub q: String,
    /// City rules (national, shanghai, beijing, …).
    pub city: Option<String>,
}

/// Looks up an item (validating the city).
pub fn guide_answer(q: &str, city: Option<&str>) -> ApiResult<fenlei_guide::Answer> {
    let q = q.trim();
    if q.is_empty() || q.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "q: say what to look up (1 to 100 characters)",
        ));
    }
    let guide = fenlei_guide::Guide::embedded();
    let city = city.filter(|c| !c.is_empty()).unwrap_or("national");
    if guide.cities().get(city).is_none() {
        return Err(ApiError::bad_request(format!("unknown city {city:?}")));
    }
    Ok(guide.lookup(q, city))
}

/// The sorting guide: which bin an item goes in (public, no login).
#[utoipa::path(get, path = "/api/v1/guide", params(("q" = String, Query, description = "item"), ("city" = Option<String>, Query, description = "national (default), shanghai, beijing, …")),
    responses((status = 200, description = "the guide's Answer", body = serde_json::Value), (status = 400, body = ErrorBody)))]
async fn guide(Q(q): Q<GuideQuery>) -> ApiResult<Response> {
    Ok(Json(guide_answer(&q.q, q.city.as_deref())?).into_response())
}

/// What became of a batch.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IngestResponse {
    /// Counts by result.
    #[schema(value_type = Object)]
    pub counts: RecordCounts,
    /// One result per record, in order: id, status (stored, duplicate, conflict, rejected),
    /// reason and detail.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<RecordResult>,
}

/// Splits a body into records: a JSON array of objects, or JSON lines.
pub fn split_records(body: &[u8]) -> ApiResult<Vec<&[u8]>> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| body[i]) {
        None => Err(ApiError::bad_request(
            "empty body: send JSON lines or a JSON array of records",
        )),
        Some(b'[') => {
            let items: Vec<&serde_json::value::RawValue> =
                serde_json::from_slice(body).map_err(|e| {
                    ApiError::bad_request(format!(
                        "the body starts like a JSON array but is not one: {e}"
                    ))
                })?;
            Ok(items.into_iter().map(|r| r.get().as_bytes()).collect())
        }
        Some(_) => Ok(body
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
            .collect()),
    }
}

/// Whether `sender` may report `event`: its place lies in the sender's scope (and a hauler
/// sends pickups and weigh tickets only).
pub fn permitted(state: &AppState, sender: &Sender, event: &Event) -> Result<(), String> {
    let scope = sender.scope();
    let m = state.model();
    if let Sender::User(v) = sender
        && v.role() == Role::Hauler
        && !matches!(event, Event::Pickup(_) | Event::WeighTicket(_))
    {
        return Err("a hauler sends pickups and weigh tickets only".into());
    }
    let place = match event {
        Event::PutIn(e) => Some(e.point),
        Event::Incident(e) => Some(e.point),
        Event::Pickup(e) => Some(e.point),
        Event::Inspection(e) => Some(e.unit),
        Event::Survey(e) => Some(e.unit),
        Event::WeighTicket(e) => e.origin.or_else(|| {
            e.vehicle
                .and_then(|v| m.vehicles.get(v.0 as usize))
                .map(|v| v.district)
        }),
        Event::Treatment(_) => None,
    };
    let ok = match place {
        Some(u) => state.in_scope(scope, u),
        // A plant's report belongs to the city.
        None => m.unit(scope).level == Level::City,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("outside the sender's scope {}", m.unit(scope).code))
    }
}

/// Batch ingest: JSON lines or a JSON array; one result per record; durable before the answer.
#[utoipa::path(post, path = "/api/v1/ingest", request_body(content = String, description = "JSON lines or a JSON array of records in the wire schema"),
    responses((status = 200, body = IngestResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = []), ("session" = [])))]
async fn ingest(
    State(state): State<AppState>,
    sender: Sender,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<IngestResponse>> {
    let bytes = body(b)?;
    let st = state.clone();
    let sender2 = sender.clone();
    let results = blocking(move || {
        let records = split_records(&bytes)?;
        let now = Timestamp::now();
        let results = st
            .backend
            .ingest(&records, now, &|e| permitted(&st, &sender2, e))?;
        st.telemetry.ingested(&results, now.0);
        Ok(results)
    })
    .await?;
    let counts = RecordCounts::of(&results);
    state
        .accounts
        .audit(
            &sender.actor(),
            "ingest",
            &format!(
                "{} records: {} stored, {} duplicates, {} conflicts, {} rejected",
                results.len(),
                counts.stored,
                counts.duplicates,
                counts.conflicts,
                counts.rejected
            ),
        )
        .map_err(ApiError::internal)?;
    debug_assert!(
        results
            .iter()
            .all(|r| r.status != RecordStatus::Stored || r.id.is_some())
    );
    Ok(Json(IngestResponse { counts, results }))
}

/// Collection points that sent no put-in on the last day the log holds (silent devices).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Silent {
    /// The last day with put-ins.
    pub day: Option<Day>,
    /// Points with bins and no put-in that day: (point code, point name, estate name).
    pub points: Vec<(String, String, String)>,
    /// Points in all.
    pub of: usize,
}

/// The silent points of the whole store.
pub async fn silent_points(state: &AppState) -> ApiResult<Silent> {
    let st = state.clone();
    blocking(move || {
        let m = st.model();
        let Some(day) = st.backend.put_in_days().last().copied() else {
            return Ok(Silent::default());
        };
        let mut heard = vec![false; m.units.len()];
        for p in st.backend.put_ins_of_day(day)? {
            heard[p.point.0 as usize] = true;
        }
        let all: Vec<&fenlei_domain::Unit> = m.at_level(Level::Point).collect();
        Ok(Silent {
            day: Some(day),
            of: all.len(),
            points: all
                .iter()
                .filter(|u| !heard[u.id.0 as usize])
                .map(|u| {
                    let estate = u.parent.map(|e| m.unit(e).name.clone()).unwrap_or_default();
                    (u.code.clone(), u.name.clone(), estate)
                })
                .collect(),
        })
    })
    .await
}

/// The ingest counters and the silent points (city admins).
#[utoipa::path(get, path = "/api/v1/ingest/health", params(("format" = Option<Format>, Query, description = "json, csv, xlsx")), responses((status = 200, description = "counters and silent points", body = serde_json::Value), (status = 403, body = ErrorBody)))]
async fn ingest_health(
    State(state): State<AppState>,
    viewer: Viewer,
    Q(q): Q<FormatQuery>,
) -> ApiResult<Response> {
    admin_only(&viewer)?;
    let silent = silent_points(&state).await?;
    let counters = state.telemetry.ingest_health();
    let mut t = Table::new("ingest-health", &["section", "key", "value", "detail"]);
    for (k, n) in &counters.by_status {
        t.rows.push(vec![
            "result".into(),
            (*k).into(),
            n.to_string(),
            String::new(),
        ]);
    }
    for (k, n) in &counters.rejections {
        t.rows.push(vec![
            "rejection".into(),
            (*k).into(),
            n.to_string(),
            String::new(),
        ]);
    }
    for m in &counters.per_minute {
        t.rows.push(vec![
            "stored_per_minute".into(),
            (m.minute * 60).to_string(),
            m.stored.to_string(),
            String::new(),
        ]);
    }
    for (code, name, estate) in &silent.points {
        t.rows.push(vec![
            "silent_point".into(),
            code.clone(),
            silent.day.map(|d| d.to_string()).unwrap_or_default(),
            format!("{name} · {estate}"),
        ]);
    }
    t.respond(q.format, || {
        Json(serde_json::json!({
            "counters": counters,
            "silent": silent,
        }))
        .into_response()
    })
}

/// Refuses everyone but city admins.
pub fn admin_only(viewer: &Viewer) -> ApiResult<()> {
    if viewer.role() == Role::CityAdmin {
        Ok(())
    } else {
        Err(ApiError::forbidden("city administrators only"))
    }
}

/// `?limit=&format=`.
#[derive(serde::Deserialize)]
pub struct AuditQuery {
    /// Entries, newest first (default 200, at most 10,000).
    pub limit: Option<u32>,
    /// json, csv, xlsx.
    #[serde(default)]
    pub format: Format,
}

/// The audit log, newest first (city admins).
#[utoipa::path(get, path = "/api/v1/audit", params(("limit" = Option<u32>, Query, description = "entries"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, body = [crate::accounts::AuditEntry]), (status = 403, body = ErrorBody)))]
async fn audit(
    State(state): State<AppState>,
    viewer: Viewer,
    Q(q): Q<AuditQuery>,
) -> ApiResult<Response> {
    admin_only(&viewer)?;
    let limit = q.limit.unwrap_or(200).min(10_000);
    let st = state.clone();
    let entries =
        blocking(move || st.accounts.audit_log(limit).map_err(ApiError::internal)).await?;
    let mut t = Table::new("audit", &["seq", "at", "actor", "action", "detail"]);
    for e in &entries {
        t.rows.push(vec![
            e.seq.to_string(),
            e.at.to_string(),
            e.actor.clone(),
            e.action.clone(),
            e.detail.clone(),
        ]);
    }
    t.respond(q.format, || Json(&entries).into_response())
}

/// A rectification case as listed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CaseRow {
    /// Case number (`C000001`).
    pub code: String,
    /// Unit code where the problem is.
    pub unit: String,
    /// The unit's name.
    pub unit_name: String,
    /// Who is responsible.
    pub responsible: String,
    /// The problem.
    pub problem: String,
    /// The required action.
    pub action: String,
    /// Deadline (RFC 3339).
    pub deadline: String,
    /// Status (open, accepted, fixed, verified, reopened).
    pub status: String,
    /// Open past its deadline now.
    pub overdue: bool,
    /// Escalation level.
    pub escalation: u8,
}

fn rfc3339(t: Timestamp) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The rectification cases of units in `scope` (from `governance.sqlite`; none before the
/// first case is opened).
pub async fn case_rows(state: &AppState, scope: UnitId) -> ApiResult<Vec<CaseRow>> {
    use fenlei_governance::cases::CaseBook;
    let st = state.clone();
    blocking(move || {
        let gov = fenlei_app::govern::open(&st.config.db)?;
        let now = Timestamp::now();
        Ok(gov
            .all()
            .map_err(ApiError::internal)?
            .into_iter()
            .filter_map(|c| {
                let unit = st
                    .units
                    .get(&c.new.unit)
                    .filter(|&u| st.in_scope(scope, u))?;
                Some(CaseRow {
                    code: c.code(),
                    unit: c.new.unit.clone(),
                    unit_name: st.model().unit(unit).name.clone(),
                    responsible: c.new.responsible.clone(),
                    problem: c.new.problem.clone(),
                    action: c.new.action.clone(),
                    deadline: rfc3339(c.new.deadline),
                    status: c.status.key().to_owned(),
                    overdue: c.overdue_at(now),
                    escalation: c.escalation,
                })
            })
            .collect())
    })
    .await
}

/// Cases as a table.
pub fn cases_table(rows: &[CaseRow]) -> Table {
    let mut t = Table::new(
        "cases",
        &[
            "code",
            "unit",
            "unit_name",
            "responsible",
            "problem",
            "action",
            "deadline",
            "status",
            "overdue",
            "escalation",
        ],
    );
    for c in rows {
        t.rows.push(vec![
            c.code.clone(),
            c.unit.clone(),
            c.unit_name.clone(),
            c.responsible.clone(),
            c.problem.clone(),
            c.action.clone(),
            c.deadline.clone(),
            c.status.clone(),
            c.overdue.to_string(),
            c.escalation.to_string(),
        ]);
    }
    t
}

/// Rectification cases of the units in the caller's scope, with overdue marks.
#[utoipa::path(get, path = "/api/v1/cases", params(("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, description = "cases", body = serde_json::Value), (status = 401, body = ErrorBody)))]
async fn cases(
    State(state): State<AppState>,
    viewer: Viewer,
    Q(q): Q<FormatQuery>,
) -> ApiResult<Response> {
    let rows = case_rows(&state, viewer.scope).await?;
    cases_table(&rows).respond(q.format, || Json(&rows).into_response())
}

/// One unit's rating in a published evaluation.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RatingRow {
    /// The evaluation's scope (rule sets and period).
    pub scope: String,
    /// Its version (the latest is shown).
    pub version: u32,
    /// Rule set.
    pub ruleset: String,
    /// Unit code.
    pub unit: String,
    /// Unit name.
    pub name: String,
    /// Grade, if the rating has one (a missing figure gives none).
    pub grade: Option<String>,
    /// Points, for point gradings.
    pub points: Option<f64>,
    /// Why this grade.
    pub reason: String,
}

/// The ratings of units in `scope`, from the latest version of every published evaluation.
pub async fn rating_rows(state: &AppState, scope: UnitId) -> ApiResult<Vec<RatingRow>> {
    use fenlei_governance::published::EvaluationLog;
    let st = state.clone();
    blocking(move || {
        let gov = fenlei_app::govern::open(&st.config.db)?;
        let mut latest: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
        for (s, v, _, _) in gov.list().map_err(ApiError::internal)? {
            let e = latest.entry(s).or_insert(v);
            *e = (*e).max(v);
        }
        let mut rows = Vec::new();
        for (s, v) in latest {
            let Some(p) = gov.version(&s, v).map_err(ApiError::internal)? else {
                continue;
            };
            for r in &p.record.ratings {
                if st.units.get(&r.unit).is_some_and(|u| st.in_scope(scope, u)) {
                    rows.push(RatingRow {
                        scope: s.clone(),
                        version: v,
                        ruleset: r.ruleset.clone(),
                        unit: r.unit.clone(),
                        name: r.name.clone(),
                        grade: r.grade.clone(),
                        points: r.points,
                        reason: r.reason.clone(),
                    });
                }
            }
        }
        Ok(rows)
    })
    .await
}

/// Ratings as a table.
pub fn ratings_table(rows: &[RatingRow]) -> Table {
    let mut t = Table::new(
        "ratings",
        &[
            "scope", "version", "ruleset", "unit", "name", "grade", "points", "reason",
        ],
    );
    for r in rows {
        t.rows.push(vec![
            r.scope.clone(),
            r.version.to_string(),
            r.ruleset.clone(),
            r.unit.clone(),
            r.name.clone(),
            r.grade.clone().unwrap_or_default(),
            r.points.map(|p| p.to_string()).unwrap_or_default(),
            r.reason.clone(),
        ]);
    }
    t
}

/// Ratings of the units in the caller's scope from the latest published evaluations.
#[utoipa::path(get, path = "/api/v1/evaluations", params(("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, description = "ratings", body = serde_json::Value), (status = 401, body = ErrorBody)))]
async fn evaluations(
    State(state): State<AppState>,
    viewer: Viewer,
    Q(q): Q<FormatQuery>,
) -> ApiResult<Response> {
    let rows = rating_rows(&state, viewer.scope).await?;
    ratings_table(&rows).respond(q.format, || Json(&rows).into_response())
}

/// A unit below that misses a target.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AtRiskRow {
    /// Unit code.
    pub code: String,
    /// Unit name.
    pub name: String,
    /// Level.
    pub level: String,
    /// Metric key.
    pub metric: String,
    /// Label, Chinese.
    pub label_zh: String,
    /// Label, English.
    pub label_en: String,
    /// Value.
    pub value: Option<f64>,
    /// The value's unit (`share`, `kg`, …).
    pub unit: String,
    /// Target.
    pub target: Option<f64>,
    /// Gap to the target.
    pub gap: Option<f64>,
}

/// The children and grandchildren of `unit` (no points) with every target they miss over
/// `range`, in tree order.
pub async fn at_risk_rows(
    state: &AppState,
    unit: UnitId,
    range: DayRange,
) -> ApiResult<Vec<AtRiskRow>> {
    let mut below: Vec<UnitId> = Vec::new();
    for &ch in state.units.children(unit) {
        below.push(ch);
        below.extend(
            state
                .units
                .children(ch)
                .iter()
                .filter(|&&g| state.model().unit(g).level != Level::Point),
        );
    }
    let r = report_of(state, below, range).await?;
    let mut rows = Vec::new();
    for u in &r.units {
        for e in u
            .metrics
            .iter()
            .filter(|e| e.status == fenlei_metrics::Status::NotMet)
        {
            rows.push(AtRiskRow {
                code: u.id.clone(),
                name: u.name.clone(),
                level: u.level.key().to_owned(),
                metric: e.metric.to_owned(),
                label_zh: e.label_zh.clone(),
                label_en: e.label_en.clone(),
                value: e.value,
                unit: e.unit.to_owned(),
                target: e.target.as_ref().map(|t| t.value),
                gap: e.gap,
            });
        }
    }
    Ok(rows)
}

/// The units below a unit (two levels) that miss a target, one row per unit and metric.
#[utoipa::path(get, path = "/api/v1/units/{code}/at-risk",
    params(("code" = String, Path, description = "unit code"), ("from" = Option<String>, Query, description = "first day"), ("to" = Option<String>, Query, description = "last day"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, description = "units and the targets they miss", body = serde_json::Value), (status = 404, body = ErrorBody)))]
async fn at_risk(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<PeriodQuery>,
) -> ApiResult<Response> {
    let u = resolve(&state, &viewer, &code)?;
    let range = period_of(&state, &q.from, &q.to)?;
    let rows = at_risk_rows(&state, u, range).await?;
    let o = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut t = Table::new(
        format!("at-risk-{code}"),
        &[
            "code", "name", "level", "metric", "label_zh", "label_en", "value", "unit", "target",
            "gap", "from", "to",
        ],
    );
    for r in &rows {
        t.rows.push(vec![
            r.code.clone(),
            r.name.clone(),
            r.level.clone(),
            r.metric.clone(),
            r.label_zh.clone(),
            r.label_en.clone(),
            o(r.value),
            r.unit.clone(),
            o(r.target),
            o(r.gap),
            range.from.to_string(),
            range.to.to_string(),
        ]);
    }
    t.respond(q.format, || Json(&rows).into_response())
}

/// An estate's incidents as a table.
pub fn incidents_table(e: &EstateView) -> Table {
    let mut t = Table::new(
        format!("incidents-{}", e.unit.code),
        &["time", "point", "kind", "id"],
    );
    for i in &e.incidents {
        t.rows.push(vec![
            i.time.clone(),
            i.point.clone(),
            i.kind.clone(),
            i.id.clone(),
        ]);
    }
    t
}

/// An estate's inspections as a table.
pub fn inspections_table(e: &EstateView) -> Table {
    let mut t = Table::new(
        format!("inspections-{}", e.unit.code),
        &["time", "inspector", "score", "findings"],
    );
    for i in &e.inspections {
        t.rows.push(vec![
            i.time.clone(),
            i.inspector.clone(),
            i.score.map(|s| s.to_string()).unwrap_or_default(),
            i.findings.join("; "),
        ]);
    }
    t
}

/// Station incidents at an estate's points in the week up to the day.
#[utoipa::path(get, path = "/api/v1/estates/{code}/incidents",
    params(("code" = String, Path, description = "estate code"), ("day" = Option<String>, Query, description = "last day (default: the last with put-ins)"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, body = [IncidentView]), (status = 404, body = ErrorBody)))]
async fn estate_incidents(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<DayQuery>,
) -> ApiResult<Response> {
    estate_part(&state, &viewer, &code, &q, incidents_table, |e| {
        Json(&e.incidents).into_response()
    })
    .await
}

/// One part of an estate's view: `table` for CSV and xlsx, `json` for JSON.
async fn estate_part(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    q: &DayQuery,
    table: fn(&EstateView) -> Table,
    json: fn(&EstateView) -> Response,
) -> ApiResult<Response> {
    let u = resolve(state, viewer, code)?;
    let d = day("day", &q.day)?;
    let e = estate_view(state, viewer, u, d).await?;
    table(&e).respond(q.format, || json(&e))
}

/// Inspections of an estate in the 30 days up to the day.
#[utoipa::path(get, path = "/api/v1/estates/{code}/inspections",
    params(("code" = String, Path, description = "estate code"), ("day" = Option<String>, Query, description = "last day (default: the last with put-ins)"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, body = [InspectionView]), (status = 404, body = ErrorBody)))]
async fn estate_inspections(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<DayQuery>,
) -> ApiResult<Response> {
    estate_part(&state, &viewer, &code, &q, inspections_table, |e| {
        Json(&e.inspections).into_response()
    })
    .await
}

/// An estate's collection points with their bins and the day's put-ins.
#[utoipa::path(get, path = "/api/v1/estates/{code}/points",
    params(("code" = String, Path, description = "estate code"), ("day" = Option<String>, Query, description = "day (default: the last with put-ins)"), ("format" = Option<Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, body = [PointView]), (status = 404, body = ErrorBody)))]
async fn estate_points(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<DayQuery>,
) -> ApiResult<Response> {
    estate_part(&state, &viewer, &code, &q, points_table, |e| {
        Json(&e.points).into_response()
    })
    .await
}

/// An estate's points as a table.
pub fn points_table(e: &EstateView) -> Table {
    let mut t = Table::new(
        format!("points-{}", e.unit.code),
        &[
            "code", "name", "bins", "x_m", "y_m", "day", "put_ins", "fill",
        ],
    );
    let day_s = e.day.map(|d| d.to_string()).unwrap_or_default();
    for p in &e.points {
        t.rows.push(vec![
            p.code.clone(),
            p.name.clone(),
            p.bins.join(" "),
            p.x_m.to_string(),
            p.y_m.to_string(),
            day_s.clone(),
            p.put_ins.to_string(),
            p.fill
                .iter()
                .map(|f| format!("{} {}%", f.category, f.percent))
                .collect::<Vec<_>>()
                .join(" "),
        ]);
    }
    t
}
