//! The web dashboard: server-rendered HTML (maud, compiled in), Chinese first with an English
//! switch (`?lang=en`, remembered in a cookie), phone-friendly CSS, ECharts (vendored, served
//! from the binary) for charts and maps, driven by a little plain JavaScript that reads each
//! chart's options from a JSON block (no inline scripts, so the CSP forbids them).
//!
//! Pages: login; overview of the user's scope (headline metrics against targets, daily
//! tonnage by category, units at risk); a unit's drill-down (its metrics, its children's
//! table, a ranking, a map of the children); an estate (points and bins, put-ins by hour,
//! recent put-ins, daily trend); collection plans with their routes on a map; the sorting
//! guide (public); ratings and the list of rectification cases (each linked to its page with
//! actions in [`crate::govpages`], as are incidents, points and targets); ingest health with
//! silent collection points (city admins). Every table links its CSV and xlsx export.

use crate::AppState;
use crate::accounts::Role;
use crate::api::{self, UnitView};
use crate::auth::{self, Viewer};
use crate::error::ApiError;
use axum::Form;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use fenlei_app::report::{Report, UnitReport, format_value};
use fenlei_domain::{Day, DayRange, Level, UnitId};
use fenlei_metrics::{Evaluation, Status};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::json;

const ECHARTS: &[u8] = include_bytes!("../assets/echarts.min.js");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");

/// The language cookie.
pub const LANG_COOKIE: &str = "fenlei_lang";

/// The dashboard's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", axum::routing::post(logout_submit))
        .route("/u/{code}", get(unit_page))
        .route("/e/{code}", get(estate_page))
        .route("/plans", get(plans_page))
        .route("/cases", get(cases_page))
        .route("/evaluations", get(evaluations_page))
        .route("/guide", get(guide_page))
        .route("/health", get(health_page))
        .route("/assets/echarts.min.js", get(echarts_js))
        .route("/assets/app.js", get(app_js))
        .route("/assets/app.css", get(app_css))
}

async fn echarts_js() -> Response {
    asset("application/javascript; charset=utf-8", ECHARTS.to_vec())
}
async fn app_js() -> Response {
    asset(
        "application/javascript; charset=utf-8",
        APP_JS.as_bytes().to_vec(),
    )
}
async fn app_css() -> Response {
    asset("text/css; charset=utf-8", APP_CSS.as_bytes().to_vec())
}

fn asset(mime: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The page language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// 中文 (default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Picks `zh` or `en`.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Query parameters every page understands.
#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    /// Switch the language (remembered in a cookie).
    pub lang: Option<String>,
    /// Metric to rank by.
    pub metric: Option<String>,
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// Guide query.
    pub q: Option<String>,
    /// Guide city.
    pub city: Option<String>,
    /// Plan id.
    pub id: Option<i64>,
    /// Day.
    pub day: Option<String>,
    /// After login.
    pub next: Option<String>,
    /// Unit code (management pages; default: the viewer's scope).
    pub unit: Option<String>,
    /// Household code (points).
    pub household: Option<String>,
    /// Level of the units (targets).
    pub level: Option<String>,
    /// Units on each list (lists page).
    pub size: Option<usize>,
}

/// [`PageQuery`], a malformed one answered with an error page (400).
pub struct PQ(pub PageQuery);

impl axum::extract::FromRequestParts<AppState> for PQ {
    type Rejection = PageError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<PQ, PageError> {
        Query::<PageQuery>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| PQ(q))
            .map_err(|e| PageError(ApiError::bad_request(e.body_text()), Lang::Zh))
    }
}

/// What a page needs besides its content.
pub(crate) struct Ctx {
    pub(crate) lang: Lang,
    set_lang: Option<String>,
    pub(crate) viewer: Option<Viewer>,
    /// The path and query of this page without `lang`, for the language switch.
    pub(crate) here: String,
}

pub(crate) fn ctx(
    state: &AppState,
    headers: &HeaderMap,
    uri: &axum::http::Uri,
    q: &PageQuery,
) -> Result<Ctx, PageError> {
    let (lang, set_lang) = match q.lang.as_deref() {
        Some("en") => (Lang::En, Some("en".to_owned())),
        Some("zh") => (Lang::Zh, Some("zh".to_owned())),
        _ => match auth::cookie(headers, LANG_COOKIE) {
            Some("en") => (Lang::En, None),
            _ => (Lang::Zh, None),
        },
    };
    let here = {
        let rest: Vec<&str> = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect();
        if rest.is_empty() {
            uri.path().to_owned()
        } else {
            format!("{}?{}", uri.path(), rest.join("&"))
        }
    };
    Ok(Ctx {
        lang,
        set_lang,
        viewer: auth::viewer_of(state, headers).map_err(|e| PageError(e, lang))?,
        here,
    })
}

/// An error shown as a page (with the API's status and message).
pub struct PageError(pub(crate) ApiError, pub(crate) Lang);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(e, lang) = self;
        let body = html! {
            (DOCTYPE)
            html lang=(lang.t("zh-CN", "en")) {
                head { meta charset="utf-8"; meta name="viewport" content="width=device-width, initial-scale=1"; link rel="stylesheet" href="/assets/app.css"; title { "fenlei" } }
                body { main {
                    h1 { (e.status.as_u16()) " " (lang.t("出错了", "Something went wrong")) }
                    p.error { (e.message) }
                    p { a href="/" { (lang.t("返回首页", "Back to the overview")) } }
                } }
            }
        };
        (
            e.status,
            security_headers(),
            axum::response::Html(body.into_string()),
        )
            .into_response()
    }
}

pub(crate) fn security_headers() -> [(header::HeaderName, &'static str); 4] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ]
}

pub(crate) type PageResult = Result<Response, PageError>;

pub(crate) fn page(state: &AppState, c: &Ctx, title: &str, content: Markup) -> Response {
    let l = c.lang;
    let other = match l {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let sep = if c.here.contains('?') { '&' } else { '?' };
    let body = html! {
        (DOCTYPE)
        html lang=(l.t("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · fenlei 分类" }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/echarts.min.js" defer {}
                script src="/assets/app.js" defer {}
            }
            body {
                header {
                    a.brand href="/" { "fenlei 分类" }
                    nav {
                        @if c.viewer.is_some() {
                            a href="/" { (l.t("概览", "Overview")) }
                            a href="/plans" { (l.t("收运计划", "Plans")) }
                            a href="/evaluations" { (l.t("考核评级", "Ratings")) }
                            a href="/cases" { (l.t("整改案件", "Cases")) }
                        }
                        @if c.viewer.as_ref().is_some_and(|v| v.role().sees_governance()) {
                            a href="/incidents" { (l.t("站点事件", "Incidents")) }
                        }
                        @if c.viewer.as_ref().is_some_and(|v| v.role().sees_points()) {
                            a href="/points" { (l.t("积分", "Points")) }
                        }
                        @if c.viewer.as_ref().is_some_and(|v| v.role().sees_governance()) {
                            a href="/targets" { (l.t("目标", "Targets")) }
                            a href="/lists" { (l.t("红黑榜", "Red/black lists")) }
                        }
                        a href="/guide" { (l.t("分类指南", "Sorting guide")) }
                        @if c.viewer.as_ref().is_some_and(|v| v.role() == Role::CityAdmin) {
                            a href="/health" { (l.t("接入健康", "Ingest health")) }
                        }
                        a #lang href={ (c.here) (sep) "lang=" (other.0) } { (other.1) }
                        @if let Some(v) = &c.viewer {
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(v.session.csrf);
                                button type="submit" { (l.t("退出", "Log out")) " " (v.session.user.name) }
                            }
                        } @else {
                            a href="/login" { (l.t("登录", "Log in")) }
                        }
                    }
                }
                main { (content) }
                footer { (state.model().city().map(|c| c.name.as_str()).unwrap_or("")) " · fenlei" }
            }
        }
    };
    let mut res = (security_headers(), axum::response::Html(body.into_string())).into_response();
    if let Some(lang) = &c.set_lang
        && let Ok(v) =
            format!("{LANG_COOKIE}={lang}; Path=/; SameSite=Strict; Max-Age=31536000").parse()
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A chart: a div and its ECharts options in a JSON block read by `app.js`.
pub(crate) fn chart(id: &str, option: &serde_json::Value, class: &str) -> Markup {
    // `</` inside a script block would end it: escape it in the JSON.
    let text = option.to_string().replace("</", "<\\/");
    html! {
        div class={ "chart " (class) } data-chart=(id) {}
        script type="application/json" id=(id) { (PreEscaped(text)) }
    }
}

/// A map drawn over outlines: the browser fetches the GeoJSON at `geo` (a shapes endpoint),
/// registers it as map `name` and draws `option`; when the fetch fails or holds no outline it
/// draws `option.fallback` (positions on plain axes) instead.
pub(crate) fn geo_chart(
    id: &str,
    option: &serde_json::Value,
    class: &str,
    geo: &str,
    name: &str,
) -> Markup {
    let text = option.to_string().replace("</", "<\\/");
    html! {
        div class={ "chart " (class) } data-chart=(id) data-geo=(geo) data-map=(name) {}
        script type="application/json" id=(id) { (PreEscaped(text)) }
    }
}

pub(crate) fn exports(base: &str) -> Markup {
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        span.exports {
            a.export href={ (base) (sep) "format=csv" } download { "CSV" }
            " "
            a.export href={ (base) (sep) "format=xlsx" } download { "xlsx" }
        }
    }
}

pub(crate) fn require(c: &Ctx, uri: &axum::http::Uri) -> Result<Viewer, Redirect> {
    c.viewer.clone().ok_or_else(|| {
        let next = uri.path_and_query().map_or("/", |p| p.as_str());
        Redirect::to(&format!("/login?next={}", urlencode(next)))
    })
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::NotMet => "notmet",
        Status::InsufficientData | Status::Inconclusive => "unsure",
        Status::NoValue | Status::NoTarget => "none",
    }
}

fn status_label(l: Lang, s: Status) -> &'static str {
    match s {
        Status::Met => l.t("达标", "met"),
        Status::NotMet => l.t("未达标", "not met"),
        Status::InsufficientData => l.t("数据不足", "incomplete"),
        Status::Inconclusive => l.t("样本不足", "inconclusive"),
        Status::NoValue => l.t("无数据", "no value"),
        Status::NoTarget => l.t("无目标", "no target"),
    }
}

fn label(l: Lang, e: &Evaluation) -> &str {
    l.t(&e.label_zh, &e.label_en)
}

pub(crate) fn level_label(l: Lang, level: Level) -> &'static str {
    match l {
        Lang::Zh => level.label_zh(),
        Lang::En => level.key(),
    }
}

pub(crate) fn unit_href(state: &AppState, u: UnitId) -> String {
    let unit = state.model().unit(u);
    match unit.level {
        Level::Estate => format!("/e/{}", unit.code),
        _ => format!("/u/{}", unit.code),
    }
}

/// Headline cards: every metric of a unit against its target.
fn headline(l: Lang, r: &UnitReport) -> Markup {
    html! {
        p.muted { (l.t("有数据天数", "Days with data")) ": " (r.data.days_with_data) " / " (r.data.days_asked) }
        div.cards {
            @for e in &r.metrics {
                div class={ "card " (status_class(e.status)) } title=(e.formula_text) {
                    div.label { (label(l, e)) }
                    div.value { (format_value(e.measure, e.value)) }
                    div.target {
                        @if let Some(t) = &e.target {
                            (l.t("目标", "target")) " " (format_value(e.measure, Some(t.value)))
                            @if !t.official { " †" }
                        }
                    }
                    div.status { (status_label(l, e.status)) }
                    @if let Some(t) = &e.tonnage_source {
                        div.source title=(l.t("吨位来源：地磅称重单（已对账）与车载称重", "Where the tonnage came from: weigh tickets (reconciled) and the trucks' bin-lift scales")) {
                            (l.t("地磅", "weighbridge")) " " (format!("{:.0}", t.weighbridge_share * 100.0)) "%"
                        }
                    }
                }
            }
        }
    }
}

/// The metrics with a target: the columns of children tables.
fn key_metrics(r: &Report) -> Vec<(&'static str, String, String)> {
    r.units
        .first()
        .map(|u| {
            u.metrics
                .iter()
                .filter(|e| e.target.is_some())
                .map(|e| (e.metric, e.label_zh.clone(), e.label_en.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn children_table(state: &AppState, l: Lang, r: &Report, ids: &[UnitId]) -> Markup {
    let cols = key_metrics(r);
    html! {
        div.scroll { table {
            thead { tr {
                th { (l.t("单位", "Unit")) }
                th.num { (l.t("户数", "Households")) }
                th.num { (l.t("数据天数", "Data days")) }
                @for (_, zh, en) in &cols { th.num { (l.t(zh, en)) } }
            } }
            tbody {
                @for (u, id) in r.units.iter().zip(ids) {
                    tr {
                        td { a href=(unit_href(state, *id)) { (u.name) } " " span.code { (u.id) } }
                        td.num { (u.households) }
                        td.num { (u.data.days_with_data) }
                        @for (key, _, _) in &cols {
                            @match u.metrics.iter().find(|e| e.metric == *key) {
                                Some(e) => td class={ "num " (status_class(e.status)) } { (format_value(e.measure, e.value)) },
                                None => td {},
                            }
                        }
                    }
                }
            }
        } }
    }
}

async fn daily_tonnage(
    state: &AppState,
    unit: UnitId,
    range: DayRange,
) -> Result<serde_json::Value, ApiError> {
    let st = state.clone();
    let days: Vec<Day> = (0..range.len() as i32)
        .map(|i| range.from.plus(i))
        .collect();
    let reports = api::blocking(move || {
        days.iter()
            .map(|&d| {
                let r = DayRange::new(d, d).expect("one day");
                Ok((d, st.backend.report(&[unit], r)?))
            })
            .collect::<Result<Vec<_>, ApiError>>()
    })
    .await?;
    let keys = [
        ("tonnage_kitchen", "厨余 Kitchen"),
        ("tonnage_recyclable", "可回收 Recyclable"),
        ("tonnage_hazardous", "有害 Hazardous"),
        ("tonnage_other", "其他 Other"),
    ];
    let x: Vec<String> = reports.iter().map(|(d, _)| d.to_string()).collect();
    let series: Vec<serde_json::Value> = keys
        .iter()
        .map(|(k, name)| {
            let data: Vec<serde_json::Value> = reports
                .iter()
                .map(|(_, r)| {
                    r.units
                        .first()
                        .and_then(|u| u.metrics.iter().find(|e| e.metric == *k))
                        .and_then(|e| e.value)
                        .map_or(serde_json::Value::Null, |v| {
                            json!((v * 10.0).round() / 10.0)
                        })
                })
                .collect();
            json!({"name": name, "type": "bar", "stack": "t", "data": data})
        })
        .collect();
    Ok(json!({
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 50, "right": 10, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": x},
        "yAxis": {"type": "value", "name": "kg"},
        "series": series,
    }))
}

fn map_option(state: &AppState, l: Lang, units: &[UnitId]) -> serde_json::Value {
    let m = state.model();
    let data: Vec<serde_json::Value> = units
        .iter()
        .map(|&u| {
            let unit = m.unit(u);
            json!({"name": unit.name, "value": [unit.x_m, unit.y_m, unit.households], "url": unit_href(state, u)})
        })
        .collect();
    json!({
        "tooltip": {"trigger": "item", "formatter": "{b}"},
        "grid": {"left": 10, "right": 10, "top": 10, "bottom": 10},
        "xAxis": {"type": "value", "scale": true, "show": false},
        "yAxis": {"type": "value", "scale": true, "show": false},
        "series": [{"type": "scatter", "name": l.t("位置", "position"), "symbolSize": 14, "data": data,
            "label": {"show": units.len() <= 30, "formatter": "{b}", "position": "right", "fontSize": 10}}],
    })
}

/// A route's colour, by its index (its line and its stops alike).
const ROUTE_COLOURS: [&str; 9] = [
    "#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4",
    "#ea7ccc",
];

/// Colours from worst to best.
const WORST_TO_BEST: [&str; 3] = ["#d73027", "#fee08b", "#1a9850"];

/// The children's outlines (map `name`, registered by `app.js` from the shapes endpoint)
/// coloured by the ranking's metric; a click opens the unit. `fallback` is drawn when the
/// outlines cannot be had.
fn shapes_option(
    state: &AppState,
    l: Lang,
    name: &str,
    units: &[UnitId],
    ranking: Option<&api::Ranking>,
    fallback: serde_json::Value,
) -> serde_json::Value {
    let m = state.model();
    let share = ranking.is_some_and(|r| r.unit == "share");
    let scaled = |v: f64| {
        if share {
            (v * 1000.0).round() / 10.0
        } else {
            (v * 1000.0).round() / 1000.0
        }
    };
    let label = ranking.map(|r| l.t(&r.label_zh, &r.label_en)).unwrap_or("");
    let mut values = Vec::new();
    let data: Vec<serde_json::Value> = units
        .iter()
        .map(|&u| {
            let unit = m.unit(u);
            let value = ranking
                .and_then(|r| r.rows.iter().find(|row| row.code == unit.code))
                .and_then(|row| row.value)
                .map(scaled);
            values.extend(value);
            let shown = match value {
                Some(v) if share => format!("{v:.1}%"),
                Some(v) => format!("{v}"),
                None => "—".into(),
            };
            json!({
                "name": unit.code,
                "value": value,
                "tip": format!("{} {}<br>{label}: {shown}", unit.name, unit.code),
                "label": {"formatter": unit.name},
                "url": unit_href(state, u),
            })
        })
        .collect();
    let mut option = json!({
        "tooltip": {"trigger": "item", "tipFromData": true},
        "series": [{
            "type": "map", "map": name, "nameProperty": "code", "aspectScale": 1, "roam": true,
            "layoutCenter": ["50%", "50%"], "layoutSize": "90%",
            "label": {"show": units.len() <= 30, "fontSize": 10, "color": "#111",
                "textBorderColor": "#fff", "textBorderWidth": 2},
            "itemStyle": {"areaColor": "#e8e8e8", "borderColor": "#555", "borderWidth": 0.6},
            "emphasis": {"label": {"show": true}},
            "data": data,
        }],
        "fallback": fallback,
    });
    if let (Some(lo), Some(hi)) = (
        values.iter().copied().reduce(f64::min),
        values.iter().copied().reduce(f64::max),
    ) {
        let higher = ranking.is_none_or(|r| r.direction == "higher_is_better");
        let mut colours = WORST_TO_BEST.to_vec();
        if !higher {
            colours.reverse();
        }
        option["visualMap"] = json!({
            "type": "continuous", "min": lo, "max": if hi > lo { hi } else { lo + 1.0 },
            "calculable": true, "left": 0, "bottom": 10, "itemHeight": 100,
            "text": [label, ""], "textStyle": {"fontSize": 10},
            "formatter": if share { "{value}%" } else { "{value}" },
            "inRange": {"color": colours},
        });
    }
    option
}

async fn overview(
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
    let unit = v.scope;
    let range = api::period_of(&state, &q.from, &q.to).map_err(pe)?;
    let r = api::report_of(&state, vec![unit], range)
        .await
        .map_err(pe)?;
    let trend = daily_tonnage(&state, unit, range).await.map_err(pe)?;
    let at_risk = api::at_risk_rows(&state, unit, range).await.map_err(pe)?;
    let u = &r.units[0];
    let code = &u.id;
    let content = html! {
        h1 { (u.name) " " span.code { (level_label(l, u.level)) " " (code) } }
        p.muted { (l.t("报告期", "Period")) " " (r.period.from) " … " (r.period.to) " (" (r.period.days) (l.t(" 天", " days")) ")"
            " · " a href={ "/u/" (code) } { (l.t("下钻", "Drill down")) " →" } }
        section {
            h2 { (l.t("主要指标与目标", "Headline metrics against targets")) " " (exports(&format!("/api/v1/units/{code}/metrics"))) }
            (headline(l, u))
        }
        section {
            h2 { (l.t("每日清运量（分类）", "Daily tonnage by category")) }
            (chart("trend", &trend, ""))
        }
        section {
            h2 { (l.t("风险单位（未达标）", "At risk (targets not met)")) " " (exports(&format!("/api/v1/units/{code}/at-risk?from={}&to={}", range.from, range.to))) }
            @if at_risk.is_empty() {
                p { (l.t("没有未达标的下级单位。", "No unit below is missing a target.")) }
            } @else {
                p.muted { (at_risk.len()) (l.t(" 项未达标", " targets missed")) @if at_risk.len() > 100 { (l.t("，显示前 100 项", "; the first 100 shown")) } }
                div.scroll { table {
                    thead { tr { th { (l.t("单位", "Unit")) } th { (l.t("层级", "Level")) } th { (l.t("指标", "Metric")) } th.num { (l.t("数值", "Value")) } th.num { (l.t("目标", "Target")) } } }
                    tbody { @for r in at_risk.iter().take(100) {
                        tr {
                            td { @if let Some(id) = state.units.get(&r.code) { a href=(unit_href(&state, id)) { (r.name) } } }
                            td { (Level::parse(&r.level).map_or("", |lv| level_label(l, lv))) }
                            td { (l.t(&r.label_zh, &r.label_en)) }
                            td.num { (fmt_rank_value(&r.unit, r.value)) }
                            td.num { (fmt_rank_value(&r.unit, r.target)) }
                        }
                    } }
                } }
            }
        }
    };
    Ok(page(&state, &c, l.t("概览", "Overview"), content))
}

async fn unit_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    api::P(code): api::P<String>,
    PQ(q): PQ,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &q)?;
    let v = match require(&c, &uri) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    let l = c.lang;
    let pe = |e: ApiError| PageError(e, l);
    let unit = api::resolve(&state, &v, &code).map_err(pe)?;
    if state.model().unit(unit).level == Level::Estate {
        return Ok(Redirect::to(&format!("/e/{code}")).into_response());
    }
    let range = api::period_of(&state, &q.from, &q.to).map_err(pe)?;
    let r = api::report_of(&state, vec![unit], range)
        .await
        .map_err(pe)?;
    let children: Vec<UnitId> = state.units.children(unit).to_vec();
    let cr = api::report_of(&state, children.clone(), range)
        .await
        .map_err(pe)?;
    let metric = q
        .metric
        .clone()
        .filter(|m| fenlei_metrics::metric(m).is_some())
        .unwrap_or_else(|| "putin_accuracy".to_owned());
    let ranking = api::rank(&state, &metric, children.clone(), range)
        .await
        .ok();
    let path = api::path_to(&state, v.scope, unit);
    let outlines = api::shapes_of(&state, children.clone()).await.map_err(pe)?;
    let shaped = !outlines.is_empty();
    let map = if shaped {
        let name = format!("children-{code}");
        let mut option = shapes_option(
            &state,
            l,
            &name,
            &children,
            ranking.as_ref(),
            map_option(&state, l, &children),
        );
        option["fit"] = json!(
            outlines
                .iter()
                .filter_map(|(_, s)| s.bbox())
                .reduce(|a, b| [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3])
                ])
        );
        geo_chart(
            "map",
            &option,
            "map",
            &format!("/api/v1/units/{code}/shapes"),
            &name,
        )
    } else {
        chart("map", &map_option(&state, l, &children), "map")
    };
    let u = &r.units[0];
    let period_q = format!("from={}&to={}", range.from, range.to);
    let content = html! {
        (breadcrumbs(&path))
        h1 { (u.name) " " span.code { (level_label(l, u.level)) " " (code) } }
        p.muted { (l.t("报告期", "Period")) " " (range.from) " … " (range.to) }
        section {
            h2 { (l.t("指标", "Metrics")) " " (exports(&format!("/api/v1/units/{code}/metrics?{period_q}"))) }
            (headline(l, u))
        }
        section {
            h2 { (l.t("下级单位", "Units below")) " (" (children.len()) ") " (exports(&format!("/api/v1/units/{code}/children?{period_q}"))) }
            (children_table(&state, l, &cr, &children))
        }
        section {
            h2 { (l.t("地图", "Map"))
                @if shaped { " " span.muted { (l.t("按排名指标着色，点击下钻", "coloured by the ranking's metric; click to drill down")) } } }
            (map)
        }
        section {
            h2 { (l.t("排名", "Ranking")) " " (exports(&format!("/api/v1/units/{code}/ranking?metric={metric}&{period_q}"))) }
            form.inline method="get" action={ "/u/" (code) } {
                select name="metric" {
                    @for e in &u.metrics {
                        option value=(e.metric) selected[e.metric == metric] { (label(l, e)) }
                    }
                }
                button type="submit" { (l.t("排名", "Rank")) }
            }
            @if let Some(rk) = &ranking {
                div.scroll { table {
                    thead { tr { th.num { "#" } th { (l.t("单位", "Unit")) } th.num { (l.t("数值", "Value")) } th.num { (l.t("目标", "Target")) } th { (l.t("状态", "Status")) } } }
                    tbody { @for row in &rk.rows {
                        tr {
                            td.num { (row.rank.map(|r| r.to_string()).unwrap_or_default()) }
                            td { @if let Some(id) = state.units.get(&row.code) { a href=(unit_href(&state, id)) { (row.name) } } }
                            td.num { (fmt_rank_value(&rk.unit, row.value)) }
                            td.num { (fmt_rank_value(&rk.unit, row.target)) }
                            td { (row.status) }
                        }
                    } }
                } }
            }
        }
    };
    Ok(page(&state, &c, &u.name, content))
}

fn fmt_rank_value(unit: &str, v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if unit == "share" => format!("{:.1}%", v * 100.0),
        Some(v) => format!("{v:.3}"),
    }
}

pub(crate) fn breadcrumbs(path: &[UnitView]) -> Markup {
    html! {
        nav.crumbs {
            @for p in path {
                a href={ "/u/" (p.code) } { (p.name) } " › "
            }
        }
    }
}

async fn estate_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    api::P(code): api::P<String>,
    PQ(q): PQ,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &q)?;
    let v = match require(&c, &uri) {
        Ok(v) => v,
        Err(r) => return Ok(r.into_response()),
    };
    let l = c.lang;
    let pe = |e: ApiError| PageError(e, l);
    let unit = api::resolve(&state, &v, &code).map_err(pe)?;
    let day = q
        .day
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(Day::parse)
        .transpose()
        .map_err(|_| pe(ApiError::bad_request("day: not a date (YYYY-MM-DD)")))?;
    let e = api::estate_view(&state, &v, unit, day).await.map_err(pe)?;
    let range = api::period_of(&state, &q.from, &q.to).map_err(pe)?;
    let r = api::report_of(&state, vec![unit], range)
        .await
        .map_err(pe)?;
    let short = DayRange::new(range.to.plus(-13).max(range.from), range.to).expect("ordered");
    let trend = daily_tonnage(&state, unit, short).await.map_err(pe)?;
    let hours = json!({
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 40, "right": 10, "top": 20, "bottom": 30},
        "xAxis": {"type": "category", "data": (0..24).map(|h| format!("{h}")).collect::<Vec<_>>()},
        "yAxis": {"type": "value"},
        "series": [{"type": "bar", "name": l.t("投放次数", "put-ins"), "data": e.hours}],
    });
    let points_map = {
        let data: Vec<serde_json::Value> = e
            .points
            .iter()
            .map(|p| json!({"name": p.name, "value": [p.x_m, p.y_m, p.put_ins]}))
            .collect();
        json!({
            "tooltip": {"trigger": "item", "formatter": "{b}"},
            "grid": {"left": 10, "right": 10, "top": 10, "bottom": 10},
            "xAxis": {"type": "value", "scale": true, "show": false},
            "yAxis": {"type": "value", "scale": true, "show": false},
            "series": [{"type": "scatter", "symbolSize": 16, "data": data, "label": {"show": true, "formatter": "{b}", "position": "right", "fontSize": 10}}],
        })
    };
    let u = &r.units[0];
    let content = html! {
        (breadcrumbs(&e.path))
        h1 { (e.unit.name) " " span.code { (level_label(l, Level::Estate)) " " (code) } }
        p.muted { (e.unit.households) (l.t(" 户", " households")) " · " (l.t("报告期", "Period")) " " (range.from) " … " (range.to) }
        section {
            h2 { (l.t("指标", "Metrics")) " " (exports(&format!("/api/v1/units/{code}/metrics?from={}&to={}", range.from, range.to))) }
            (headline(l, u))
        }
        section {
            h2 { (l.t("投放点与桶", "Collection points and bins")) " " (exports(&format!("/api/v1/estates/{code}/points{}", e.day.map(|d| format!("?day={d}")).unwrap_or_default()))) }
            div.scroll { table {
                thead { tr { th { (l.t("投放点", "Point")) } th { (l.t("桶", "Bins")) } th.num { (l.t("当日投放", "Put-ins that day")) } th { (l.t("满溢度（最近上报）", "Fill level (latest report)")) } } }
                tbody { @for p in &e.points {
                    tr {
                        td { (p.name) " " span.code { (p.code) } }
                        td { (p.bins.join(" · ")) }
                        td.num { (p.put_ins) }
                        td { @for f in &p.fill {
                            span.fill title=(f.time) { (f.category) " " (f.percent) "%" } " "
                        } }
                    }
                } }
            } }
            (chart("points", &points_map, "map small"))
        }
        section {
            h2 { (l.t("投放时段", "Put-in hours")) " " @if let Some(d) = e.day { span.muted { (d) } } }
            (chart("hours", &hours, "small"))
        }
        section {
            h2 { (l.t("近 14 天清运量", "Last 14 days' tonnage")) }
            (chart("trend", &trend, "small"))
        }
        section {
            h2 { (l.t("近 7 天站点事件", "Station incidents, last 7 days")) " " (exports(&format!("/api/v1/estates/{code}/incidents{}", e.day.map(|d| format!("?day={d}")).unwrap_or_default())))
                @if v.role().sees_governance() { " " a.exports href={ "/incidents?unit=" (code) } { (l.t("处置与升级 →", "Handling and escalation →")) } } }
            @if e.incidents.is_empty() {
                p.muted { (l.t("无", "None")) }
            } @else {
                div.scroll { table {
                    thead { tr { th { (l.t("时间", "Time")) } th { (l.t("投放点", "Point")) } th { (l.t("类型", "Kind")) } } }
                    tbody { @for i in &e.incidents {
                        tr { td { (i.time) } td { (i.point) } td { (i.kind) } }
                    } }
                } }
            }
        }
        section {
            h2 { (l.t("近 30 天检查", "Inspections, last 30 days")) " " (exports(&format!("/api/v1/estates/{code}/inspections{}", e.day.map(|d| format!("?day={d}")).unwrap_or_default()))) }
            @if e.inspections.is_empty() {
                p.muted { (l.t("无", "None")) }
            } @else {
                div.scroll { table {
                    thead { tr { th { (l.t("时间", "Time")) } th { (l.t("检查人", "Inspector")) } th.num { (l.t("得分", "Score")) } th { (l.t("问题", "Findings")) } } }
                    tbody { @for i in &e.inspections {
                        tr { td { (i.time) } td { (i.inspector) } td.num { (i.score.map(|s| s.to_string()).unwrap_or_default()) } td { (i.findings.join("；")) } }
                    } }
                } }
            }
        }
        section {
            h2 { (l.t("最近投放", "Recent put-ins")) " " (exports(&format!("/api/v1/estates/{code}{}", e.day.map(|d| format!("?day={d}")).unwrap_or_default()))) }
            div.scroll { table {
                thead { tr { th { (l.t("时间", "Time")) } th { (l.t("投放点", "Point")) } th { (l.t("类别", "Category")) } th.num { "g" } th { (l.t("判定", "Verdict")) } } }
                tbody { @for p in &e.recent {
                    tr { td { (p.time) } td { (p.point) } td { (p.category) } td.num { (p.grams) } td { (p.verdict) } }
                } }
            } }
        }
    };
    Ok(page(&state, &c, &e.unit.name, content))
}

async fn plans_page(
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
    let rows = api::plan_rows(&state, v.scope, None, &q.day)
        .await
        .map_err(pe)?;
    let selected = match q.id.or_else(|| rows.first().map(|p| p.id)) {
        Some(id) => Some(api::plan_detail(&state, &v, id).await.map_err(pe)?),
        None => None,
    };
    // The district's outline under the routes, when it has one.
    let district = selected
        .as_ref()
        .and_then(|p| p["district"].as_str())
        .and_then(|c| state.units.get(c));
    let outline = match district {
        Some(d) => api::shapes_of(&state, vec![d])
            .await
            .map_err(pe)?
            .into_iter()
            .next(),
        None => None,
    };
    let map = selected.as_ref().map(|p| {
        let routes: Vec<(serde_json::Value, Vec<serde_json::Value>)> = p["routes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let coords = r["stops"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| json!([s["x_m"], s["y_m"]]))
                    .collect();
                (r["vehicle"].clone(), coords)
            })
            .collect();
        let plain = json!({
            "tooltip": {"trigger": "item"},
            "legend": {"type": "scroll", "top": 0},
            "grid": {"left": 10, "right": 10, "top": 40, "bottom": 10},
            "xAxis": {"type": "value", "scale": true, "show": false},
            "yAxis": {"type": "value", "scale": true, "show": false},
            "series": routes.iter().map(|(vehicle, coords)| {
                json!({"type": "line", "name": vehicle, "data": coords, "symbolSize": 5})
            }).collect::<Vec<_>>(),
        });
        let Some((d, shape)) = &outline else {
            return chart("routes", &plain, "map");
        };
        // The view holds the outline and every stop (plants may lie outside the district).
        let mut b = shape.bbox().unwrap_or([0.0, 0.0, 1.0, 1.0]);
        for c in routes.iter().flat_map(|(_, c)| c) {
            if let (Some(x), Some(y)) = (c[0].as_f64(), c[1].as_f64()) {
                b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
        }
        let mut series = Vec::new();
        for (i, (vehicle, coords)) in routes.iter().enumerate() {
            let colour = ROUTE_COLOURS[i % ROUTE_COLOURS.len()];
            series.push(json!({"type": "lines", "coordinateSystem": "geo", "polyline": true, "name": vehicle,
                "data": [{"coords": coords}], "lineStyle": {"width": 2, "color": colour, "opacity": 0.9}}));
            series.push(json!({"type": "scatter", "coordinateSystem": "geo", "name": vehicle,
                "data": coords, "symbolSize": 5, "itemStyle": {"color": colour}}));
        }
        let code = &state.model().unit(*d).code;
        let name = format!("district-{code}");
        let option = json!({
            "tooltip": {"trigger": "item"},
            "legend": {"type": "scroll", "top": 0},
            "geo": {"map": name, "aspectScale": 1, "roam": true, "silent": true,
                "boundingCoords": [[b[0], b[3]], [b[2], b[1]]],
                "itemStyle": {"areaColor": "#f2f2ee", "borderColor": "#888"}},
            "series": series,
            "fit": b,
            "fallback": plain,
        });
        geo_chart(
            "routes",
            &option,
            "map",
            &format!("/api/v1/units/{code}/shapes?of=self"),
            &name,
        )
    });
    let content = html! {
        h1 { (l.t("收运计划", "Collection plans")) " " (exports("/api/v1/plans")) }
        @if rows.is_empty() {
            p { (l.t("还没有保存的计划。用 `fenlei plan --db 目录` 生成。", "No plans stored yet. Make one with `fenlei plan --db DIR`.")) }
        } @else {
            div.scroll { table {
                thead { tr { th { "#" } th { (l.t("区", "District")) } th { (l.t("类别", "Category")) } th { (l.t("日期", "Day")) } th.num { (l.t("车辆", "Trucks")) } th.num { "km" } th { (l.t("可行", "Feasible")) } } }
                tbody { @for p in &rows {
                    tr { td { a href={ "/plans?id=" (p.id) } { (p.id) } } td { (p.district) } td { (p.category) } td { (p.day) } td.num { (p.vehicles) } td.num { (format!("{:.1}", p.distance_km)) } td { (p.feasible) } }
                } }
            } }
        }
        @if let (Some(p), Some(m)) = (&selected, &map) {
            section {
                h2 { (l.t("路线", "Routes")) " #" (p["id"]) " · " (p["category"].as_str().unwrap_or("")) " · " (p["day"].as_str().unwrap_or("")) }
                (m)
            }
        }
    };
    Ok(page(&state, &c, l.t("收运计划", "Plans"), content))
}

/// Cases listed on the page (a phone should not load thousands of rows); the export holds
/// every one.
const CASES_SHOWN: usize = 300;

async fn cases_page(
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
    let rows = api::case_rows(&state, v.scope)
        .await
        .map_err(|e| PageError(e, l))?;
    let overdue = rows.iter().filter(|r| r.overdue).count();
    let scope = state.model().unit(v.scope);
    let content = html! {
        h1 { (l.t("整改案件", "Rectification cases")) " " (exports("/api/v1/cases")) }
        @if v.role().supervises() {
            details {
                summary { (l.t("立案", "Open a case")) }
                form.stack method="post" action="/cases/new" {
                    input type="hidden" name="csrf" value=(v.session.csrf);
                    label { (l.t("单位编码", "Unit code")) " " input name="unit" required value=(scope.code) aria-label=(l.t("单位编码", "Unit code")); }
                    label { (l.t("问题", "Problem")) " " input name="problem" required aria-label=(l.t("问题", "Problem")); }
                    label { (l.t("整改要求", "Action required")) " " input name="action" required aria-label=(l.t("整改要求", "Action required")); }
                    label { (l.t("责任单位（默认：物业）", "Responsible (default: the property manager)")) " " input name="responsible" aria-label=(l.t("责任单位", "Responsible")); }
                    label { (l.t("期限（天）", "Deadline (days)")) " " input type="number" name="deadline_days" min="1" max="365" value="7" aria-label=(l.t("期限（天）", "Deadline (days)")); }
                    button type="submit" { (l.t("立案", "Open")) }
                }
            }
        }
        @if rows.is_empty() {
            p { (l.t("范围内没有整改案件。", "No cases in your scope.")) }
        } @else {
            p.muted {
                (rows.len()) (l.t(" 件，逾期 ", " cases, overdue ")) (overdue)
                @if rows.len() > CASES_SHOWN {
                    " · " (l.t("显示前 ", "showing the first ")) (CASES_SHOWN) (l.t(" 件，全部见导出", "; the export holds all"))
                }
            }
            div.scroll { table {
                thead { tr {
                    th { (l.t("编号", "Case")) } th { (l.t("单位", "Unit")) } th { (l.t("责任单位", "Responsible")) }
                    th { (l.t("问题", "Problem")) } th { (l.t("整改要求", "Action")) } th { (l.t("期限", "Deadline")) }
                    th { (l.t("状态", "Status")) } th.num { (l.t("升级", "Escalation")) }
                } }
                tbody { @for r in rows.iter().take(CASES_SHOWN) {
                    tr class=(if r.overdue { "notmet" } else { "" }) {
                        td { a href={ "/cases/" (r.code) } { (r.code) } } td { (r.unit_name) " " span.code { (r.unit) } } td { (r.responsible) }
                        td { (r.problem) } td { (r.action) } td { (r.deadline) }
                        td { (r.status) @if r.overdue { " · " (l.t("逾期", "overdue")) } } td.num { (r.escalation) }
                    }
                } }
            } }
        }
    };
    Ok(page(&state, &c, l.t("整改案件", "Cases"), content))
}

async fn evaluations_page(
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
    let rows = api::rating_rows(&state, v.scope)
        .await
        .map_err(|e| PageError(e, l))?;
    let content = html! {
        h1 { (l.t("考核评级", "Ratings")) " " (exports("/api/v1/evaluations")) }
        p.muted { (l.t("每个已发布评估的最新版本（不可更改）。", "The latest version of every published evaluation (immutable).")) }
        @if rows.is_empty() {
            p { (l.t("范围内没有已发布的评估。用 `fenlei evaluate` 发布。", "No published evaluation covers your scope. Publish one with `fenlei evaluate`.")) }
        } @else {
            div.scroll { table {
                thead { tr {
                    th { (l.t("评估", "Evaluation")) } th { (l.t("规则", "Rule set")) } th { (l.t("单位", "Unit")) }
                    th { (l.t("等级", "Grade")) } th.num { (l.t("得分", "Points")) } th { (l.t("理由", "Reason")) }
                } }
                tbody { @for r in &rows {
                    tr class=(if r.grade.is_none() { "unsure" } else { "" }) {
                        td { (r.scope) " v" (r.version) } td { (r.ruleset) }
                        td { @if let Some(id) = state.units.get(&r.unit) { a href=(unit_href(&state, id)) { (r.name) } } " " span.code { (r.unit) } }
                        td { (r.grade.as_deref().unwrap_or(l.t("无等级", "no grade"))) }
                        td.num { (r.points.map(|p| format!("{p:.1}")).unwrap_or_default()) }
                        td { (r.reason) }
                    }
                } }
            } }
        }
    };
    Ok(page(&state, &c, l.t("考核评级", "Ratings"), content))
}

async fn guide_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    PQ(q): PQ,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &q)?;
    let l = c.lang;
    let query = q.q.clone().unwrap_or_default();
    let city = q.city.clone().unwrap_or_else(|| "national".into());
    let answer = if query.trim().is_empty() {
        None
    } else {
        Some(api::guide_answer(&query, Some(&city)).map_err(|e| PageError(e, l))?)
    };
    let cities = [
        "national",
        "shanghai",
        "beijing",
        "shenzhen",
        "hangzhou",
        "chongqing",
        "guangzhou",
        "dalian",
    ];
    let content = html! {
        h1 { (l.t("垃圾分类指南", "Sorting guide")) }
        form.guide method="get" action="/guide" {
            input type="search" name="q" value=(query) placeholder=(l.t("输入物品，如：快餐盒", "An item, e.g. battery")) autofocus;
            select name="city" { @for c in cities { option value=(c) selected[c == city] { (c) } } }
            button type="submit" { (l.t("查询", "Look up")) }
        }
        @if let Some(a) = &answer {
            div class={ "answer " (a.category.key()) } {
                div.big { (a.city_label) }
                p { (l.t(&a.reason, &a.reason_en)) }
                @if a.guess { p.muted { (l.t("（推测）", "(a guess)")) } }
            }
        }
    };
    Ok(page(&state, &c, l.t("分类指南", "Sorting guide"), content))
}

async fn health_page(
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
    api::admin_only(&v).map_err(|e| PageError(e, l))?;
    let h = state.telemetry.ingest_health();
    let silent = api::silent_points(&state)
        .await
        .map_err(|e| PageError(e, l))?;
    let option = json!({
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 50, "right": 10, "top": 20, "bottom": 30},
        "xAxis": {"type": "category", "data": h.per_minute.iter().map(|m| {
            let t = fenlei_domain::Timestamp(m.minute * 60);
            let s = t.second_of_day();
            format!("{:02}:{:02}", s / 3600, s / 60 % 60)
        }).collect::<Vec<_>>()},
        "yAxis": {"type": "value"},
        "series": [{"type": "bar", "name": l.t("每分钟入库", "stored per minute"), "data": h.per_minute.iter().map(|m| m.stored).collect::<Vec<_>>()}],
    });
    let content = html! {
        h1 { (l.t("接入健康", "Ingest health")) }
        p.muted { (l.t("本进程启动以来通过 HTTP 接入的记录。", "Records received over HTTP since this server started.")) }
        p { (exports("/api/v1/ingest/health")) }
        section {
            h2 { (l.t("按结果", "By result")) }
            table { tbody { @for (k, n) in &h.by_status { tr { td { (k) } td.num { (n) } } } } }
        }
        section {
            h2 { (l.t("每分钟入库", "Stored per minute")) }
            (chart("perminute", &option, "small"))
        }
        section {
            h2 { (l.t("沉默的投放点", "Silent collection points")) }
            @if let Some(d) = silent.day {
                p.muted { (d) ": " (silent.points.len()) " / " (silent.of) (l.t(" 个投放点当天没有投放记录", " points sent no put-in that day")) }
                @if !silent.points.is_empty() {
                    div.scroll { table {
                        thead { tr { th { (l.t("投放点", "Point")) } th { (l.t("小区", "Estate")) } } }
                        tbody { @for (code, name, estate) in silent.points.iter().take(200) {
                            tr { td { (name) " " span.code { (code) } } td { (estate) } }
                        } }
                    } }
                }
            } @else {
                p { (l.t("还没有投放记录。", "No put-ins stored yet.")) }
            }
        }
        section {
            h2 { (l.t("拒收原因", "Rejections by reason")) }
            @if h.rejections.is_empty() { p { (l.t("没有拒收。", "No rejections.")) } }
            @else { table { tbody { @for (k, n) in &h.rejections { tr { td { (k) } td.num { (n) } } } } } }
        }
    };
    Ok(page(&state, &c, l.t("接入健康", "Ingest health"), content))
}

fn login_form(c: &Ctx, pre: &str, next: &str, error: Option<&str>) -> Markup {
    let l = c.lang;
    html! {
        h1 { (l.t("登录", "Log in")) }
        @if let Some(e) = error { p.error { (e) } }
        form.login method="post" action="/login" {
            input type="hidden" name="csrf" value=(pre);
            input type="hidden" name="next" value=(next);
            label { (l.t("用户名", "User name")) input type="text" name="name" autocomplete="username" required; }
            label { (l.t("密码", "Password")) input type="password" name="password" autocomplete="current-password" required; }
            button type="submit" { (l.t("登录", "Log in")) }
        }
        p { a href="/guide" { (l.t("不登录也可以查询垃圾分类指南 →", "The sorting guide needs no login →")) } }
    }
}

fn login_response(
    state: &AppState,
    c: &Ctx,
    next: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let pre = crate::accounts::random_secret();
    let mut res = page(
        state,
        c,
        c.lang.t("登录", "Log in"),
        login_form(c, &pre, next, error),
    );
    *res.status_mut() = status;
    if let Ok(v) = auth::set_cookie(state, auth::LOGIN_COOKIE, &pre, 3600).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        // Only paths on this site (not `//host`).
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    PQ(q): PQ,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &q)?;
    Ok(login_response(
        &state,
        &c,
        &safe_next(q.next.as_deref()),
        None,
        StatusCode::OK,
    ))
}

/// The login form's fields.
#[derive(serde::Deserialize)]
pub struct LoginForm {
    name: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    ext: axum::http::Extensions,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &PageQuery::default())?;
    let l = c.lang;
    let Ok(Form(f)) = form else {
        return Err(PageError(
            ApiError::bad_request(l.t("表单不完整", "incomplete form")),
            l,
        ));
    };
    let pre = auth::cookie(&headers, auth::LOGIN_COOKIE).unwrap_or("");
    if pre.is_empty() || !crate::accounts::same(pre, &f.csrf) {
        return Err(PageError(
            ApiError::forbidden(l.t(
                "表单已过期，请重新打开登录页。",
                "The form expired or lacks its CSRF token; open the login page again.",
            )),
            l,
        ));
    }
    let next = safe_next(f.next.as_deref());
    match api::do_login(&state, f.name, f.password, api::client_addr(&ext)).await {
        Ok((cookie, _)) => {
            let mut res = Redirect::to(&next).into_response();
            if let Ok(v) = auth::set_cookie(
                &state,
                auth::SESSION_COOKIE,
                &cookie,
                crate::accounts::SESSION_SECONDS,
            )
            .parse()
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => Ok(login_response(
            &state,
            &c,
            &next,
            Some(&e.message),
            e.status,
        )),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => Ok(login_response(
            &state,
            &c,
            &next,
            Some(l.t("用户名或密码错误", "Wrong user name or password")),
            e.status,
        )),
        Err(e) => Err(PageError(e, l)),
    }
}

/// The logout form's field.
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

async fn logout_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> PageResult {
    let c = ctx(&state, &headers, &uri, &PageQuery::default())?;
    let l = c.lang;
    let Some(v) = c.viewer.clone() else {
        return Ok(Redirect::to("/login").into_response());
    };
    let sent = form.ok().and_then(|Form(f)| f.csrf);
    v.check_csrf(sent.as_deref()).map_err(|e| PageError(e, l))?;
    state
        .accounts
        .end_session(&v.cookie)
        .map_err(|e| PageError(ApiError::internal(e), l))?;
    let mut res = Redirect::to("/login").into_response();
    if let Ok(h) = auth::set_cookie(&state, auth::SESSION_COOKIE, "", 0).parse() {
        res.headers_mut().append(header::SET_COOKIE, h);
    }
    Ok(res)
}
