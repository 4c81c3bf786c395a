//! Roles and scopes, CSRF, revoked tokens, disabled users, slowed logins, oversized and
//! malformed requests.

use crate::fixture::{Auth, Fixture, PASSWORD, assert_error};
use axum::http::StatusCode;
use fenlei_server::ServerConfig;
use fenlei_server::accounts::Role;

#[tokio::test]
async fn every_role_sees_its_scope_and_nothing_outside_it() {
    let f = Fixture::with_plan(ServerConfig::default());
    let model = f.state.model();
    let code_of = |c: &str| model.units.iter().find(|u| u.code == c).expect("unit").id;
    for role in Role::ALL {
        let s = f.login(role.key()).await;
        let me = f.get_json("/api/v1/me", Some(&s), StatusCode::OK).await;
        let scope = code_of(me["scope"].as_str().expect("scope"));
        // Every unit: visible exactly when in scope; otherwise the same 404 as a unit that
        // does not exist (the message names only the code asked).
        for u in &model.units {
            let visible = f.state.in_scope(scope, u.id);
            for path in [
                format!("/api/v1/units/{}", u.code),
                format!("/api/v1/units/{}/metrics", u.code),
                format!("/api/v1/units/{}/ranking?metric=putin_accuracy", u.code),
            ] {
                let (st, body) = f.get(&path, Some(&s)).await;
                if visible {
                    assert!(
                        st == StatusCode::OK
                            || (st == StatusCode::BAD_REQUEST && path.contains("ranking")),
                        "{role:?} {path}: {st}"
                    );
                } else {
                    assert_eq!(st, StatusCode::NOT_FOUND, "{role:?} {path}");
                    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
                    assert_eq!(v["message"], format!("no unit {}", u.code));
                }
            }
        }
        let (st, body) = f.get("/api/v1/units/NO-SUCH-UNIT", Some(&s)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert_error(&body, "not_found");
        // The tree lists nothing outside the scope.
        let units = f.get_json("/api/v1/units", Some(&s), StatusCode::OK).await;
        for u in units.as_array().expect("list") {
            assert!(
                f.state
                    .in_scope(scope, code_of(u["code"].as_str().expect("code"))),
                "{role:?} sees {u}"
            );
        }
        // A community's estates: its own visible, the other's not found.
        let (own, _) = f
            .get(&format!("/api/v1/estates/{}", f.estates[0]), Some(&s))
            .await;
        let (other, _) = f
            .get(&format!("/api/v1/estates/{}", f.estates[1]), Some(&s))
            .await;
        assert_eq!(own, StatusCode::OK, "{role:?}");
        let other_visible = f.state.in_scope(scope, code_of(&f.estates[1]));
        assert_eq!(other == StatusCode::OK, other_visible, "{role:?}");
        // The audit log and ingest health: city admins only.
        let (a, body) = f.get("/api/v1/audit", Some(&s)).await;
        let (h, _) = f.get("/api/v1/ingest/health", Some(&s)).await;
        if role == Role::CityAdmin {
            assert_eq!((a, h), (StatusCode::OK, StatusCode::OK));
        } else {
            assert_eq!(
                (a, h),
                (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
                "{role:?}"
            );
            assert_error(&body, "forbidden");
        }
        // The district's plan: seen by those whose scope holds the district, else not found
        // (and not listed).
        let district = code_of(&f.district);
        let sees_plan = f.state.in_scope(scope, district);
        let (st, body) = f.get("/api/v1/plans/1", Some(&s)).await;
        let plans = f.get_json("/api/v1/plans", Some(&s), StatusCode::OK).await;
        if sees_plan {
            assert_eq!(st, StatusCode::OK, "{role:?}");
            assert_eq!(plans.as_array().map(Vec::len), Some(1), "{role:?}");
        } else {
            assert_eq!(st, StatusCode::NOT_FOUND, "{role:?}");
            assert_error(&body, "not_found");
            assert_eq!(plans, serde_json::json!([]), "{role:?}");
        }
        // Children reports outside the scope: not found.
        for u in &model.units {
            if !f.state.in_scope(scope, u.id) && u.level != fenlei_domain::Level::Point {
                let (st, _) = f
                    .get(&format!("/api/v1/units/{}/children", u.code), Some(&s))
                    .await;
                assert_eq!(st, StatusCode::NOT_FOUND, "{role:?} {}", u.code);
            }
        }
        // Observers send nothing.
        let (st, _) = f
            .post("/api/v1/ingest", Auth::Session(&s, true), "[]")
            .await;
        if role == Role::Observer {
            assert_eq!(st, StatusCode::FORBIDDEN);
        }
    }
}

#[tokio::test]
async fn csrf_revoked_tokens_disabled_users_and_slowed_logins() {
    let f = Fixture::new(ServerConfig::default());
    let s = f.login("street").await;
    // A POST with the session but without its CSRF token is refused; with it, accepted.
    let (st, body) = f
        .post("/api/v1/ingest", Auth::Session(&s, false), "[]")
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_error(&body, "forbidden");
    let wrong = crate::fixture::Session {
        cookie: s.cookie.clone(),
        csrf: "0".repeat(64),
    };
    let (st, _) = f
        .post("/api/v1/ingest", Auth::Session(&wrong, true), "[]")
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, body) = f
        .post("/api/v1/ingest", Auth::Session(&s, true), "[]")
        .await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let (st, _) = f.post("/api/v1/logout", Auth::Session(&s, false), "").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "logout needs the CSRF token too");

    // A token works until revoked, then is refused at once.
    let (id, secret) = f
        .state
        .accounts
        .issue_token("test", "bin-17", &f.street)
        .expect("token");
    let (st, _) = f.post("/api/v1/ingest", Auth::Bearer(&secret), "[]").await;
    assert_eq!(st, StatusCode::OK);
    f.state.accounts.revoke_token("test", id).expect("revoke");
    let (st, body) = f.post("/api/v1/ingest", Auth::Bearer(&secret), "[]").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");
    // Tokens only send events: they read nothing.
    let (id2, secret2) = f
        .state
        .accounts
        .issue_token("test", "bin-18", &f.city)
        .expect("token");
    let req = axum::http::Request::get(format!("/api/v1/units/{}", f.city))
        .header("authorization", format!("Bearer {secret2}"))
        .body(axum::body::Body::empty())
        .expect("request");
    assert_eq!(f.call(req).await.0, StatusCode::UNAUTHORIZED);
    // … except the server's metrics, which a token of the whole city may scrape; a street's
    // token may not, nor the city's once revoked.
    let metrics = |secret: &str| {
        axum::http::Request::get("/metrics")
            .header("authorization", format!("Bearer {secret}"))
            .body(axum::body::Body::empty())
            .expect("request")
    };
    assert_eq!(f.call(metrics(&secret2)).await.0, StatusCode::OK);
    let (_, street_secret) = f
        .state
        .accounts
        .issue_token("test", "bin-19", &f.street)
        .expect("token");
    assert_eq!(
        f.call(metrics(&street_secret)).await.0,
        StatusCode::FORBIDDEN
    );
    f.state.accounts.revoke_token("test", id2).expect("revoke");
    assert_eq!(f.call(metrics(&secret2)).await.0, StatusCode::UNAUTHORIZED);

    // Logout ends the session.
    let (st, _) = f.post("/api/v1/logout", Auth::Session(&s, true), "").await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) = f.get("/api/v1/me", Some(&s)).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // Disabling a user ends their sessions at once.
    let d = f.login("district").await;
    f.state
        .accounts
        .disable_user("test", "district")
        .expect("disable");
    let (st, _) = f.get("/api/v1/me", Some(&d)).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = f.try_login("district", PASSWORD).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // Ten wrong passwords in a row: slowed down (429), and then even the right one waits.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(f.try_login("community", "not the password").await.0);
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert!(
        statuses[5..]
            .iter()
            .all(|&s| s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let (st, (_, body)) = f.try_login("community", PASSWORD).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    assert_error(&body, "too_many_attempts");
    // Other names are not affected (the limit is per name; the address limit is higher).
    f.login("observer").await;

    // The audit log holds every change and login.
    let admin = f.login("city_admin").await;
    let log = f
        .get_json("/api/v1/audit?limit=1000", Some(&admin), StatusCode::OK)
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "user.add",
        "user.disable",
        "token.issue",
        "token.revoke",
        "login",
        "login.failed",
        "ingest",
    ] {
        assert!(actions.contains(&a), "audit lacks {a}: {actions:?}");
    }
}

#[tokio::test]
async fn oversized_and_malformed_requests_get_a_clear_4xx() {
    let f = Fixture::new(ServerConfig {
        body_limit_bytes: 4096,
        ..ServerConfig::default()
    });
    let s = f.login("city_admin").await;
    let big = format!("[{}]", vec!["{}"; 3000].join(","));
    let (st, body) = f.post("/api/v1/ingest", Auth::Session(&s, true), big).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&body, "too_large");
    let (st, body) = f
        .post("/api/v1/ingest", Auth::Session(&s, true), "[{\"type\":")
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request");
    let (st, body) = f
        .post("/api/v1/ingest", Auth::Session(&s, true), "  ")
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request");
    let (st, body) = f.post("/api/v1/login", Auth::None, "name=x").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request");
    let (st, body) = f
        .post("/api/v1/login", Auth::None, vec![0xff, 0xfe, 0x00])
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request");
    // Garbage records are rejected one by one, never a failure of the batch.
    let (st, body) = f
        .post(
            "/api/v1/ingest",
            Auth::Session(&s, true),
            "{not json\n\u{0}\u{1}\n{\"type\":\"put_in\"}\n",
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["counts"]["rejected"], 3, "{v}");
    // Path and method mistakes.
    let (st, body) = f.get("/api/v1/plans/not-a-number", Some(&s)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request");
    let (st, _) = f.get("/api/v1/ingest", Some(&s)).await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED);
}
