//! The dashboard in process: login with its CSRF cookie, every page for its role, the
//! language switch, exports linked from tables, scope on pages, logout.

use crate::fixture::{Fixture, PASSWORD, START};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use fenlei_server::ServerConfig;

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).expect("utf8")
}

/// Logs in through the form; returns the session cookie value.
async fn form_login(f: &Fixture, name: &str) -> String {
    let (st, headers, body) = f
        .call(Request::get("/login").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let pre = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("fenlei_login="))
        .and_then(|v| v.split(';').next())
        .expect("login cookie")
        .to_owned();
    assert!(
        text(&body).contains(&format!("value=\"{pre}\"")),
        "the form carries the cookie's token"
    );
    let form = format!(
        "name={name}&password={}&csrf={pre}&next=%2Fplans",
        PASSWORD.replace(' ', "+")
    );
    let req = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("fenlei_login={pre}"))
        .body(Body::from(form))
        .expect("req");
    let (st, headers, _) = f.call(req).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/plans")
    );
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("fenlei_session="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned()
}

async fn page(f: &Fixture, uri: &str, cookie: &str) -> (StatusCode, String) {
    let req = Request::get(uri)
        .header("cookie", format!("fenlei_session={cookie}"))
        .body(Body::empty())
        .expect("req");
    let (st, headers, body) = f.call(req).await;
    if st == StatusCode::OK && !uri.starts_with("/api/") {
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(csp.contains("script-src 'self'"), "{uri}: CSP {csp}");
    }
    (st, text(&body))
}

#[tokio::test]
async fn the_dashboard_for_each_role() {
    let f = Fixture::with_plan(ServerConfig::default());
    // Not logged in: to the login page, which remembers where to go.
    let (st, headers, _) = f
        .call(Request::get("/u/x").body(Body::empty()).expect("req"))
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/login?next=/u/x")
    );
    // A login form without its CSRF cookie is refused.
    let req = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "name=city_admin&password={}&csrf=abc",
            PASSWORD.replace(' ', "+")
        )))
        .expect("req");
    assert_eq!(f.call(req).await.0, StatusCode::FORBIDDEN);

    // A rectification case in the second community's estate.
    {
        let store =
            fenlei_store::EmbeddedStore::open_for_queries(&f.dir.path().join("db")).expect("store");
        let mut gov = fenlei_app::govern::open(&f.dir.path().join("db")).expect("governance");
        let new = fenlei_governance::cases::NewCase {
            origin: "manual".into(),
            unit: f.estates[1].clone(),
            responsible: "物业".into(),
            problem: "桶满溢".into(),
            action: "加桶".into(),
            deadline: fenlei_domain::Timestamp(86_400),
        };
        fenlei_app::govern::cases::open(
            &store,
            &mut gov,
            new,
            "督导员",
            fenlei_domain::Timestamp(0),
        )
        .expect("case");
        // And a published evaluation of every estate.
        let mut store = store;
        let from = crate::fixture::day(START);
        let req = fenlei_app::govern::evaluate::EvaluateRequest {
            rules: vec![
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../../data/rules/compliant_estate.toml"),
            ],
            range: fenlei_domain::DayRange::new(from, from.plus(2)).expect("range"),
            explanations: None,
        };
        fenlei_app::govern::evaluate::evaluate(
            &mut store,
            &mut gov,
            &req,
            fenlei_domain::Timestamp::now(),
        )
        .expect("evaluate");
    }
    let admin = form_login(&f, "city_admin").await;
    let model = f.state.model();
    let name_of = |c: &str| {
        model
            .units
            .iter()
            .find(|u| u.code == c)
            .expect("unit")
            .name
            .clone()
    };

    let (st, html) = page(&f, "/", &admin).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(
        html.contains("主要指标与目标") && html.contains(&name_of(&f.city)),
        "overview"
    );
    assert!(html.contains("data-chart=\"trend\"") && html.contains("\"type\":\"bar\""));
    assert!(
        html.contains(&format!("/api/v1/units/{}/metrics?format=csv", f.city)),
        "export link"
    );

    // English, remembered.
    let req = Request::get("/?lang=en")
        .header("cookie", format!("fenlei_session={admin}"))
        .body(Body::empty())
        .expect("req");
    let (st, headers, body) = f.call(req).await;
    assert_eq!(st, StatusCode::OK);
    assert!(text(&body).contains("Headline metrics against targets"));
    assert!(
        headers
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.starts_with("fenlei_lang=en")))
    );
    let req = Request::get("/plans")
        .header("cookie", format!("fenlei_session={admin}; fenlei_lang=en"))
        .body(Body::empty())
        .expect("req");
    assert!(text(&f.call(req).await.2).contains("Collection plans"));

    // Drill-down: the street's communities with links, a map whose points link on.
    let (st, html) = page(&f, &format!("/u/{}", f.street), &admin).await;
    assert_eq!(st, StatusCode::OK);
    for c in &f.communities {
        assert!(html.contains(&format!("href=\"/u/{c}\"")), "link to {c}");
        assert!(
            html.contains(&format!("\"url\":\"/u/{c}\"")),
            "map point of {c}"
        );
    }
    assert!(html.contains("排名"));
    let (st, html) = page(&f, &format!("/u/{}", f.communities[0]), &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains(&format!("href=\"/e/{}\"", f.estates[0])));
    // Estate: points, hours chart, recent put-ins, export of them.
    let (st, html) = page(&f, &format!("/e/{}", f.estates[0]), &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("data-chart=\"hours\"") && html.contains("最近投放"));
    assert!(html.contains(&format!("/api/v1/estates/{}?day=", f.estates[0])));
    // Plans: the stored plan's routes as lines.
    let (st, html) = page(&f, "/plans", &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("data-chart=\"routes\"") && html.contains("\"type\":\"line\""),
        "{html}"
    );
    // Cases: the admin sees the case, overdue; the export lists it.
    let (st, html) = page(&f, "/cases", &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("桶满溢") && html.contains("逾期"), "{html}");
    let (st, csv) = page(&f, "/api/v1/cases?format=csv", &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        csv.starts_with("code,unit,unit_name,") && csv.contains("桶满溢"),
        "{csv}"
    );
    // Ratings: every estate of the published evaluation, with its export.
    let (st, html) = page(&f, "/evaluations", &admin).await;
    assert_eq!(st, StatusCode::OK);
    for e in &f.estates {
        assert!(html.contains(&format!("href=\"/e/{e}\"")), "rating of {e}");
    }
    let (st, csv) = page(&f, "/api/v1/evaluations?format=csv", &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        csv.lines().count(),
        1 + model.at_level(fenlei_domain::Level::Estate).count(),
        "{csv}"
    );
    // Every table's export: the at-risk list, an estate's points, ingest health.
    let (_, html) = page(&f, "/", &admin).await;
    assert!(html.contains(&format!("/api/v1/units/{}/at-risk?from=", f.city)));
    let (st, csv) = page(
        &f,
        &format!("/api/v1/units/{}/at-risk?format=csv", f.city),
        &admin,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(csv.starts_with("code,name,level,metric,"), "{csv}");
    let at_risk = f
        .get_json(
            &format!("/api/v1/units/{}/at-risk?from={START}&to={START}", f.street),
            Some(&crate::fixture::Session {
                cookie: admin.clone(),
                csrf: String::new(),
            }),
            StatusCode::OK,
        )
        .await;
    let children = f
        .get_json(
            &format!(
                "/api/v1/units/{}/children?from={START}&to={START}",
                f.street
            ),
            Some(&crate::fixture::Session {
                cookie: admin.clone(),
                csrf: String::new(),
            }),
            StatusCode::OK,
        )
        .await;
    assert!(
        at_risk.as_array().is_some_and(|a| !a.is_empty()),
        "accuracy misses its target"
    );
    for r in at_risk.as_array().expect("rows") {
        if let Some(u) = children["units"]
            .as_array()
            .expect("units")
            .iter()
            .find(|u| u["id"] == r["code"])
        {
            let m = u["metrics"]
                .as_array()
                .expect("metrics")
                .iter()
                .find(|m| m["metric"] == r["metric"])
                .expect("metric");
            assert_eq!(m["status"], "not_met", "{r}");
        }
    }
    let (st, csv) = page(
        &f,
        &format!("/api/v1/estates/{}/points?format=csv", f.estates[0]),
        &admin,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let estate = model
        .units
        .iter()
        .find(|u| u.code == f.estates[0])
        .expect("estate")
        .id;
    assert_eq!(
        csv.lines().count(),
        1 + model
            .units
            .iter()
            .filter(|u| u.parent == Some(estate))
            .count()
    );
    let (st, csv) = page(&f, "/api/v1/ingest/health?format=csv", &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert!(csv.starts_with("section,key,value,detail"), "{csv}");
    // A malformed query: an error page, not a crash.
    let (st, html) = page(&f, "/plans?id=abc", &admin).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(html.contains("<h1>400"), "{html}");
    // Ingest health: city admins.
    let (st, html) = page(&f, "/health", &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("拒收原因"));

    // A community's staff: their estate, not the other community's; no health page.
    let staff = form_login(&f, "community").await;
    let (st, _) = page(&f, &format!("/e/{}", f.estates[0]), &staff).await;
    assert_eq!(st, StatusCode::OK);
    for uri in [
        format!("/e/{}", f.estates[1]),
        format!("/u/{}", f.communities[1]),
        format!("/u/{}", f.city),
    ] {
        let (st, html) = page(&f, &uri, &staff).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            !html.contains(&name_of(&f.communities[1])),
            "{uri} leaks the name"
        );
    }
    assert_eq!(page(&f, "/health", &staff).await.0, StatusCode::FORBIDDEN);
    let (st, html) = page(&f, "/cases", &staff).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        !html.contains("桶满溢"),
        "a case outside the scope is not listed"
    );
    let (st, html) = page(&f, "/evaluations", &staff).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains(&format!("href=\"/e/{}\"", f.estates[0])));
    assert!(
        !html.contains(&format!("href=\"/e/{}\"", f.estates[1])),
        "a rating outside the scope is not listed"
    );
    let (_, html) = page(&f, "/", &staff).await;
    assert!(
        !html.contains("/health"),
        "no link to a page the role may not open"
    );

    // The guide needs no login.
    let (st, _, body) = f
        .call(
            Request::get("/guide?q=%E7%94%B5%E6%B1%A0&city=beijing")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        text(&body).contains("class=\"answer hazardous\""),
        "{}",
        text(&body)
    );

    // Assets come from the binary.
    let (st, _, js) = f
        .call(
            Request::get("/assets/echarts.min.js")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(js.len() > 500_000);

    // Logout: a form without its CSRF token is refused; with it, the session ends.
    let req = Request::post("/logout")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("fenlei_session={staff}"))
        .body(Body::from("csrf="))
        .expect("req");
    assert_eq!(f.call(req).await.0, StatusCode::FORBIDDEN);
    let (_, html) = page(&f, "/", &staff).await;
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf field")
        .to_owned();
    let req = Request::post("/logout")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("fenlei_session={staff}"))
        .body(Body::from(format!("csrf={csrf}")))
        .expect("req");
    assert_eq!(f.call(req).await.0, StatusCode::SEE_OTHER);
    assert_eq!(page(&f, "/", &staff).await.0, StatusCode::SEE_OTHER);
}
