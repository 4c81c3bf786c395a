//! Batch ingest over the API: the same results as the library, idempotent by id, scoped to the
//! sender, visible in the metrics at once.

use crate::fixture::{Auth, Fixture, day};
use axum::http::StatusCode;
use fenlei_app::progress::Silent;
use fenlei_app::simulate::{self, FeedFormat};
use fenlei_domain::Level;
use fenlei_server::ServerConfig;
use fenlei_sim::{Preset, SimConfig};

fn feed(dir: &std::path::Path) -> (Vec<String>, u64) {
    let world = simulate::world(Preset::Tiny, 7);
    let path = dir.join("later.jsonl");
    let stats = simulate::simulate_to_files(
        &world,
        SimConfig {
            start: day("2026-05-13"),
            days: 2,
        },
        &path,
        FeedFormat::JsonLines,
        &mut Silent,
    )
    .expect("simulate");
    let text = std::fs::read_to_string(&path).expect("feed");
    (text.lines().map(str::to_owned).collect(), stats.total())
}

#[tokio::test]
async fn batches_are_stored_once_durably_and_show_in_the_metrics() {
    let f = Fixture::new(ServerConfig::default());
    let (lines, total) = feed(f.dir.path());
    let (_, token) = f
        .state
        .accounts
        .issue_token("test", "gateway", &f.city)
        .expect("token");
    let admin = f.login("city_admin").await;
    let before = f
        .get_json(
            &format!(
                "/api/v1/units/{}/metrics?from=2026-05-13&to=2026-05-14",
                f.district
            ),
            Some(&admin),
            StatusCode::OK,
        )
        .await;
    assert_eq!(before["units"][0]["data"]["days_with_data"], 0);
    let ranking = format!(
        "/api/v1/units/{}/ranking?metric=putin_accuracy&from=2026-05-13&to=2026-05-14",
        f.street
    );
    let rank_before = f.get_json(&ranking, Some(&admin), StatusCode::OK).await;
    assert!(
        rank_before["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["value"].is_null())
    );

    // Half as JSON lines, half as JSON arrays, in batches.
    let mut stored = 0;
    for (i, chunk) in lines.chunks(5000).enumerate() {
        let body = if i % 2 == 0 {
            chunk.join("\n")
        } else {
            format!("[{}]", chunk.join(","))
        };
        let (st, b) = f.post("/api/v1/ingest", Auth::Bearer(&token), body).await;
        assert_eq!(
            st,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&b[..b.len().min(500)])
        );
        let v: serde_json::Value = serde_json::from_slice(&b).expect("json");
        assert_eq!(v["results"].as_array().map(Vec::len), Some(chunk.len()));
        assert_eq!(v["counts"]["rejected"], 0, "{}", v["results"]);
        stored += v["counts"]["stored"].as_u64().expect("stored");
    }
    assert_eq!(stored, total);

    // The metrics see the new days at once (the report cache is dropped on ingest), and equal
    // a report computed on the store.
    let after = f
        .get_json(
            &format!(
                "/api/v1/units/{}/metrics?from=2026-05-13&to=2026-05-14",
                f.district
            ),
            Some(&admin),
            StatusCode::OK,
        )
        .await;
    assert_eq!(after["units"][0]["data"]["days_with_data"], 2);
    let rank_after = f.get_json(&ranking, Some(&admin), StatusCode::OK).await;
    assert!(
        rank_after["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["value"].is_number()),
        "{rank_after}"
    );

    // Again: every record a duplicate, one changed record a conflict.
    let mut again: Vec<String> = lines[..200].to_vec();
    again[0] = again[0].replacen("\"grams\":", "\"grams\":1", 1);
    let (st, b) = f
        .post("/api/v1/ingest", Auth::Bearer(&token), again.join("\n"))
        .await;
    assert_eq!(st, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&b).expect("json");
    assert_eq!(v["counts"]["duplicates"], 199, "{}", v["counts"]);
    assert_eq!(v["results"][0]["status"], "conflict");

    // Durable: a store opened afresh (another handle on the directory) holds them, and the
    // API's figures equal its report.
    let mut store =
        fenlei_store::EmbeddedStore::open_for_queries(&f.dir.path().join("db")).expect("store");
    let district = store
        .model()
        .at_level(Level::District)
        .next()
        .expect("district")
        .id;
    let range = fenlei_domain::DayRange::new(day("2026-05-13"), day("2026-05-14")).expect("range");
    let expected = fenlei_app::report::report(
        &mut store,
        &[district],
        range,
        fenlei_app::report::baseline_of(range),
    )
    .expect("report");
    assert!(
        after == serde_json::to_value(&expected).expect("json"),
        "the API's figures differ from the store's report"
    );

    // The ingest counters and the audit log saw it.
    let health = f
        .get_json("/api/v1/ingest/health", Some(&admin), StatusCode::OK)
        .await;
    assert_eq!(
        health["counters"]["by_status"]["stored"].as_u64(),
        Some(total)
    );
    // Every point of the tiny city reports daily: none is silent on the last day.
    assert_eq!(health["silent"]["day"], "2026-05-14");
    assert_eq!(health["silent"]["points"], serde_json::json!([]));
    assert!(health["silent"]["of"].as_u64().is_some_and(|n| n > 0));
}

#[tokio::test]
async fn senders_report_only_for_their_scope() {
    let f = Fixture::new(ServerConfig::default());
    let (lines, _) = feed(f.dir.path());
    let model = f.state.model();
    let estate = model
        .units
        .iter()
        .find(|u| u.code == f.estates[0])
        .expect("estate")
        .id;
    let put_ins: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("\"type\":\"put_in\""))
        .take(400)
        .collect();
    let inside = |l: &str| {
        let v: serde_json::Value = serde_json::from_str(l).expect("json");
        let p = model
            .units
            .iter()
            .find(|u| Some(u.code.as_str()) == v["point"].as_str())
            .expect("point")
            .id;
        f.state.in_scope(estate, p)
    };
    let expected_inside = put_ins.iter().filter(|l| inside(l)).count();
    assert!(expected_inside > 0 && expected_inside < put_ins.len());
    let body = put_ins
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("\n");

    let (_, token) = f
        .state
        .accounts
        .issue_token("test", "bin", &f.estates[0])
        .expect("token");
    let (st, b) = f
        .post("/api/v1/ingest", Auth::Bearer(&token), body.clone())
        .await;
    assert_eq!(st, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&b).expect("json");
    assert_eq!(v["counts"]["stored"].as_u64(), Some(expected_inside as u64));
    for r in v["results"].as_array().expect("results") {
        if r["status"] == "rejected" {
            assert_eq!(r["reason"], "not_permitted", "{r}");
        }
    }

    // A hauler sends pickups and weigh tickets only.
    let hauler = f.login("hauler").await;
    let (st, b) = f
        .post("/api/v1/ingest", Auth::Session(&hauler, true), body)
        .await;
    assert_eq!(st, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&b).expect("json");
    assert_eq!(v["counts"]["rejected"].as_u64(), Some(put_ins.len() as u64));
}
