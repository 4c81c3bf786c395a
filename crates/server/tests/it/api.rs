//! The read API: health, OpenAPI, the guide, the tree, metrics equal to `fenlei report`,
//! rankings, estates, exports; errors in the one shape.

use crate::fixture::{DAYS, Fixture, START, assert_error, day, user_of};
use axum::http::StatusCode;
use fenlei_domain::{DayRange, Level};
use fenlei_server::ServerConfig;
use fenlei_server::accounts::Role;

#[tokio::test]
async fn health_openapi_guide_and_errors_in_one_shape() {
    let f = Fixture::new(ServerConfig::default());
    let h = f.get_json("/healthz", None, StatusCode::OK).await;
    assert_eq!(h["status"], "ok");

    let doc = f
        .get_json("/api/v1/openapi.json", None, StatusCode::OK)
        .await;
    for path in [
        "/api/v1/units/{code}/metrics",
        "/api/v1/units/{code}/ranking",
        "/api/v1/ingest",
        "/api/v1/guide",
        "/api/v1/estates/{code}",
        "/api/v1/plans",
        "/api/v1/plans/{id}",
        "/api/v1/units",
        "/api/v1/units/{code}",
        "/api/v1/units/{code}/children",
        "/api/v1/units/{code}/at-risk",
        "/api/v1/estates/{code}/points",
        "/api/v1/estates/{code}/incidents",
        "/api/v1/estates/{code}/inspections",
        "/api/v1/cases",
        "/api/v1/evaluations",
        "/api/v1/audit",
        "/api/v1/ingest/health",
        "/api/v1/login",
        "/api/v1/logout",
        "/api/v1/me",
    ] {
        assert!(doc["paths"][path].is_object(), "OpenAPI lacks {path}");
    }

    // The guide is public.
    let a = f
        .get_json(
            "/api/v1/guide?q=%E5%BA%9F%E7%94%B5%E6%B1%A0&city=shanghai",
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(a["category"], "hazardous", "废电池: {a}");
    assert_eq!(a["city"], "shanghai");
    let (s, b) = f.get("/api/v1/guide", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&b, "bad_request");
    let (s, b) = f.get("/api/v1/guide?q=x&city=atlantis", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&b, "bad_request");

    // Unknown routes, missing login.
    let (s, b) = f.get("/api/v1/nothing", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&b, "not_found");
    let (s, b) = f.get(&format!("/api/v1/units/{}", f.city), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&b, "unauthorized");

    // Malformed queries.
    let admin = f.login("city_admin").await;
    for bad in [
        format!("/api/v1/units/{}/metrics?from=yesterday", f.city),
        format!(
            "/api/v1/units/{}/metrics?from=2026-05-12&to=2026-05-10",
            f.city
        ),
        format!("/api/v1/units/{}/ranking", f.city),
        format!("/api/v1/units/{}/ranking?metric=happiness", f.city),
        format!(
            "/api/v1/units/{}/ranking?metric=putin_accuracy&level=galaxy",
            f.city
        ),
        format!("/api/v1/units/{}/metrics?format=pdf", f.city),
        "/api/v1/plans?category=gold".to_owned(),
        "/api/v1/audit?limit=lots".to_owned(),
    ] {
        let (s, b) = f.get(&bad, Some(&admin)).await;
        assert_eq!(
            s,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            String::from_utf8_lossy(&b)
        );
        assert_error(&b, "bad_request");
    }

    // Prometheus counts requests by route pattern, for city admins only.
    let (s, _) = f.get("/metrics", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let street = f.login(user_of(Role::Street)).await;
    let (s, _) = f.get("/metrics", Some(&street)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let admin = f.login(user_of(Role::CityAdmin)).await;
    let (s, b) = f.get("/metrics", Some(&admin)).await;
    assert_eq!(s, StatusCode::OK);
    let text = String::from_utf8(b).expect("utf8");
    assert!(
        text.contains(
            "fenlei_http_requests_total{route=\"/api/v1/units/{code}/metrics\",status=\"400\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains("fenlei_http_request_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn tree_metrics_rankings_estates_and_exports_equal_the_report() {
    let f = Fixture::new(ServerConfig::default());
    let admin = f.login("city_admin").await;

    let units = f
        .get_json("/api/v1/units", Some(&admin), StatusCode::OK)
        .await;
    let model = f.state.model();
    let non_points = model
        .units
        .iter()
        .filter(|u| u.level != Level::Point)
        .count();
    assert_eq!(units.as_array().map(Vec::len), Some(non_points));
    assert_eq!(units[0]["code"], f.city.as_str());

    let detail = f
        .get_json(
            &format!("/api/v1/units/{}", f.street),
            Some(&admin),
            StatusCode::OK,
        )
        .await;
    assert_eq!(detail["path"][0]["code"], f.city.as_str());
    assert_eq!(detail["children"].as_array().map(Vec::len), Some(2));

    // Metrics equal the report computed on the store directly.
    let from = day(START);
    let to = from.plus(DAYS as i32 - 1);
    let range = DayRange::new(from, to).expect("range");
    let mut store =
        fenlei_store::EmbeddedStore::open_for_queries(&f.dir.path().join("db")).expect("store");
    let district = model
        .units
        .iter()
        .find(|u| u.code == f.district)
        .expect("district")
        .id;
    let default = fenlei_app::report::period(&store, None, None).expect("period");
    assert_eq!(
        default.to, to,
        "the default period ends on the last simulated day"
    );
    let expected = fenlei_app::report::report(
        &mut store,
        &[district],
        default,
        fenlei_app::report::baseline_of(default),
    )
    .expect("report");
    let got = f
        .get_json(
            &format!("/api/v1/units/{}/metrics", f.district),
            Some(&admin),
            StatusCode::OK,
        )
        .await;
    assert!(
        got == serde_json::to_value(&expected).expect("json"),
        "the API's metrics differ from the report's"
    );
    assert_eq!(got["period"]["to"], to.to_string());
    let three = f
        .get_json(
            &format!("/api/v1/units/{}/metrics?from={from}&to={to}", f.district),
            Some(&admin),
            StatusCode::OK,
        )
        .await;
    let expected3 = fenlei_app::report::report(
        &mut store,
        &[district],
        range,
        fenlei_app::report::baseline_of(range),
    )
    .expect("report");
    assert!(
        three == serde_json::to_value(&expected3).expect("json"),
        "the API's metrics differ from the report's"
    );
    assert!(
        got["units"][0]["metrics"]
            .as_array()
            .is_some_and(|m| m.len() > 5)
    );

    // CSV export equals `fenlei report --format csv`; xlsx is a zip with the sheet.
    let (s, csv) = f
        .get(
            &format!("/api/v1/units/{}/metrics?format=csv", f.district),
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let expected_csv = fenlei_app::report::render_csv(&expected).expect("csv");
    assert_eq!(String::from_utf8(csv).expect("utf8"), expected_csv);
    let (s, xlsx) = f
        .get(
            &format!("/api/v1/units/{}/children?format=xlsx", f.street),
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(xlsx.starts_with(b"PK"), "an xlsx is a zip");

    // A period asked explicitly.
    let one = f
        .get_json(
            &format!("/api/v1/units/{}/metrics?from={from}&to={from}", f.district),
            Some(&admin),
            StatusCode::OK,
        )
        .await;
    assert_eq!(one["period"]["days"], 1);

    // Ranking: the street's communities by accuracy, best first; by level: every estate.
    let r = f
        .get_json(
            &format!("/api/v1/units/{}/ranking?metric=putin_accuracy", f.street),
            Some(&admin),
            StatusCode::OK,
        )
        .await;
    let rows = r["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    let values: Vec<f64> = rows.iter().filter_map(|r| r["value"].as_f64()).collect();
    assert_eq!(values.len(), 2, "{r}");
    assert!(values[0] >= values[1], "{values:?}");
    assert_eq!(rows[0]["rank"], 1);
    let by_level = f
        .get_json(
            &format!(
                "/api/v1/units/{}/ranking?metric=putin_accuracy&level=estate",
                f.city
            ),
            Some(&admin),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        by_level["rows"].as_array().map(Vec::len),
        Some(model.at_level(Level::Estate).count())
    );
    let (s, csv) = f
        .get(
            &format!(
                "/api/v1/units/{}/ranking?metric=putin_accuracy&format=csv",
                f.street
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(String::from_utf8(csv).expect("utf8").lines().count(), 3);

    // Estate: its points with bins, the last day's put-ins by hour = the log's count.
    let e = f
        .get_json(
            &format!("/api/v1/estates/{}", f.estates[0]),
            Some(&admin),
            StatusCode::OK,
        )
        .await;
    let estate = model
        .units
        .iter()
        .find(|u| u.code == f.estates[0])
        .expect("estate")
        .id;
    let points: Vec<_> = model
        .units
        .iter()
        .filter(|u| u.parent == Some(estate))
        .map(|u| u.id)
        .collect();
    assert_eq!(e["points"].as_array().map(Vec::len), Some(points.len()));
    assert_eq!(e["day"], to.to_string());
    let mut log = Vec::new();
    store.put_ins_of_day(to, &mut log).expect("log");
    let n = log.iter().filter(|p| points.contains(&p.point)).count() as u64;
    assert!(n > 0);
    let hours: u64 = e["hours"]
        .as_array()
        .expect("hours")
        .iter()
        .filter_map(|h| h.as_u64())
        .sum();
    assert_eq!(hours, n);
    assert_eq!(
        e["recent"].as_array().map(Vec::len),
        Some(n.min(50) as usize)
    );
    // Each estate's incidents of the week up to that day and inspections of the 30 days, as
    // stored; with exports.
    let week = DayRange {
        from: to.plus(-6),
        to,
    };
    let month = DayRange {
        from: to.plus(-29),
        to,
    };
    let stored_incidents = store.other_events_of("incident", week).expect("incidents");
    let stored_inspections = store
        .other_events_of("inspection", month)
        .expect("inspections");
    let mut shown = 0;
    let mut fills_shown = 0;
    for code in model.units.iter().filter(|u| u.level == Level::Estate) {
        let estate = code.id;
        let points: Vec<_> = model
            .units
            .iter()
            .filter(|u| u.parent == Some(estate))
            .map(|u| u.id)
            .collect();
        let e = f
            .get_json(
                &format!("/api/v1/estates/{}", code.code),
                Some(&admin),
                StatusCode::OK,
            )
            .await;
        let incidents = stored_incidents
            .iter()
            .filter(
                |ev| matches!(ev, fenlei_domain::Event::Incident(i) if points.contains(&i.point) && i.kind != fenlei_domain::IncidentKind::FillLevel),
            )
            .count();
        // Fill-level reports are the points' `fill`: the latest per bin.
        let mut latest: std::collections::BTreeMap<(String, &str), (fenlei_domain::Timestamp, u8)> =
            Default::default();
        for ev in &stored_incidents {
            if let fenlei_domain::Event::Incident(i) = ev
                && i.kind == fenlei_domain::IncidentKind::FillLevel
                && points.contains(&i.point)
            {
                let key = (
                    model.unit(i.point).code.clone(),
                    i.category.expect("bin").key(),
                );
                let pct = i.fill_pct.expect("percent");
                let slot = latest.entry(key).or_insert((i.time, pct));
                if i.time >= slot.0 {
                    *slot = (i.time, pct);
                }
            }
        }
        let mut shown_fill: std::collections::BTreeMap<(String, &str), u8> = Default::default();
        for p in e["points"].as_array().expect("points") {
            for f in p["fill"].as_array().expect("fill") {
                let c = fenlei_domain::Category::parse(f["category"].as_str().expect("category"))
                    .expect("a category")
                    .key();
                shown_fill.insert(
                    (p["code"].as_str().expect("code").to_owned(), c),
                    f["percent"].as_u64().expect("percent") as u8,
                );
            }
        }
        fills_shown += shown_fill.len();
        assert_eq!(
            shown_fill,
            latest.into_iter().map(|(k, (_, pct))| (k, pct)).collect(),
            "{}",
            code.code
        );
        assert_eq!(
            e["incidents"].as_array().map(Vec::len),
            Some(incidents.min(50)),
            "{}",
            code.code
        );
        let inspections = stored_inspections
            .iter()
            .filter(|ev| matches!(ev, fenlei_domain::Event::Inspection(i) if i.unit == estate))
            .count();
        assert_eq!(
            e["inspections"].as_array().map(Vec::len),
            Some(inspections),
            "{}",
            code.code
        );
        let (s, csv) = f
            .get(
                &format!("/api/v1/estates/{}/incidents?format=csv", code.code),
                Some(&admin),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            String::from_utf8(csv).expect("utf8").lines().count(),
            incidents.min(50) + 1
        );
        shown += incidents + inspections;
    }
    assert!(shown > 0, "the tiny city has incidents or inspections");
    assert!(
        fills_shown > 0,
        "the tiny city's smart bins report fill levels"
    );
    // An estate code that is not an estate is not found.
    let (s, b) = f
        .get(&format!("/api/v1/estates/{}", f.street), Some(&admin))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&b, "not_found");

    // Plans: none stored yet, an empty list (and an empty CSV with its header).
    let p = f
        .get_json("/api/v1/plans", Some(&admin), StatusCode::OK)
        .await;
    assert_eq!(p, serde_json::json!([]));
}
