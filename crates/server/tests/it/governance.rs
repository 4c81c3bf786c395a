//! Governance with actions: a rectification case worked through the API and the dashboard's
//! forms by the roles whose job each step is; refusals (role 403, scope 404, CSRF 403, the
//! state machine's 409), evidence files, and the audit log's entries.

use crate::fixture::{Auth, Fixture, Session, assert_error};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use fenlei_domain::Timestamp;
use fenlei_governance::cases::NewCase;
use fenlei_server::ServerConfig;

/// Opens a case in estate `unit` now, due in a week; returns its number.
pub fn open_case(f: &Fixture, unit: &str, problem: &str) -> u64 {
    let db = f.dir.path().join("db");
    let store = fenlei_store::EmbeddedStore::open_for_queries(&db).expect("store");
    let mut gov = fenlei_app::govern::open(&db).expect("governance");
    let now = Timestamp::now();
    let new = NewCase {
        origin: "manual".into(),
        unit: unit.to_owned(),
        responsible: format!("property:{unit}"),
        problem: problem.to_owned(),
        action: "加桶并清运".into(),
        deadline: Timestamp(now.0 + 7 * 86_400),
    };
    fenlei_app::govern::cases::open(&store, &mut gov, new, "督导员", now)
        .expect("case")
        .id
}

/// A `multipart/form-data` body: `(name, file name, content)`; returns content type and body.
pub fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----fenleiTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file, content) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// POSTs a multipart body with a session (and its CSRF header when `csrf`).
async fn upload(
    f: &Fixture,
    uri: &str,
    s: &Session,
    csrf: bool,
    fields: &[(&str, Option<&str>, &[u8])],
) -> (StatusCode, Vec<u8>) {
    let (ct, body) = multipart(fields);
    let mut b = Request::post(uri)
        .header("content-type", ct)
        .header("cookie", format!("fenlei_session={}", s.cookie));
    if csrf {
        b = b.header("x-csrf-token", &s.csrf);
    }
    let (st, _, body) = f.call(b.body(Body::from(body)).expect("request")).await;
    (st, body)
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

/// POSTs JSON as `s` with its CSRF header and checks the status; returns the body as JSON.
async fn post_ok(
    f: &Fixture,
    uri: &str,
    s: &Session,
    body: serde_json::Value,
    status: StatusCode,
) -> serde_json::Value {
    let (st, b) = f.post(uri, Auth::Session(s, true), body.to_string()).await;
    assert_eq!(st, status, "{uri}: {}", String::from_utf8_lossy(&b));
    json(&b)
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n fake photo of an overflowing bin";
const PNG_AFTER: &[u8] = b"\x89PNG\r\n\x1a\n fake photo of the clean station";

#[tokio::test]
async fn a_case_is_worked_through_the_api_by_the_roles_whose_job_each_step_is() {
    let f = Fixture::new(ServerConfig::default());
    let inside = open_case(&f, &f.estates[0], "厨余桶满溢");
    let outside = open_case(&f, &f.estates[1], "其他垃圾混投");
    let staff = f.login("community").await;
    let street = f.login("street").await;
    let admin = f.login("city_admin").await;
    let observer = f.login("observer").await;
    let hauler = f.login("hauler").await;
    let base = format!("/api/v1/cases/{inside}");

    // The community's staff see the case and may take it on or add evidence.
    let v = f.get_json(&base, Some(&staff), StatusCode::OK).await;
    assert_eq!(v["status"], "open");
    assert_eq!(v["code"], format!("CASE-{inside:06}"));
    assert_eq!(v["history"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["may"], serde_json::json!(["accept", "evidence"]));
    // The case number in either form.
    f.get_json(
        &format!("/api/v1/cases/CASE-{inside:06}"),
        Some(&staff),
        StatusCode::OK,
    )
    .await;
    // A supervisor may escalate and close it, not take it on.
    let v = f.get_json(&base, Some(&street), StatusCode::OK).await;
    assert_eq!(
        v["may"],
        serde_json::json!(["evidence", "escalate", "close:false_alarm"])
    );
    // Observers read and may do nothing.
    let v = f.get_json(&base, Some(&observer), StatusCode::OK).await;
    assert_eq!(v["may"], serde_json::json!([]));

    // Without the CSRF header: refused, nothing changed.
    let accept = serde_json::json!({"handler": "王师傅"});
    let (st, b) = f
        .post(
            &format!("{base}/accept"),
            Auth::Session(&staff, false),
            accept.to_string(),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_error(&b, "forbidden");
    // Observers and haulers: refused by role; supervisors may not take a case on.
    for s in [&observer, &hauler, &street] {
        let (st, b) = f
            .post(
                &format!("{base}/accept"),
                Auth::Session(s, true),
                accept.to_string(),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        assert_error(&b, "forbidden");
    }
    let v = f.get_json(&base, Some(&staff), StatusCode::OK).await;
    assert_eq!(v["status"], "open", "refusals change nothing");

    let v = post_ok(
        &f,
        &format!("{base}/accept"),
        &staff,
        accept,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["status"], "accepted");
    assert_eq!(v["assignee"], "王师傅");
    // Marking it fixed needs evidence first: the state machine's refusal, as 409.
    let (st, b) = f
        .post(
            &format!("{base}/fix"),
            Auth::Session(&staff, true),
            serde_json::json!({"note": "加了两个桶"}).to_string(),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_error(&b, "no_evidence");
    // Evidence: an upload without a file, then without CSRF, is refused; with both it is kept.
    let (st, b) = upload(
        &f,
        &format!("{base}/evidence"),
        &staff,
        true,
        &[("note", None, b"x")],
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_error(&b, "bad_request");
    let fields: &[(&str, Option<&str>, &[u8])] = &[
        ("file", Some("after.png"), PNG_AFTER),
        ("phase", None, b"after"),
        ("note", None, "两个新桶，已清运".as_bytes()),
    ];
    let (st, _) = upload(&f, &format!("{base}/evidence"), &staff, false, fields).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, b) = upload(&f, &format!("{base}/evidence"), &observer, true, fields).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(&b));
    let (st, b) = upload(&f, &format!("{base}/evidence"), &staff, true, fields).await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let v = json(&b);
    let e = &v["evidence"][0];
    assert_eq!(e["name"], "after.png");
    assert_eq!(e["phase"], "after");
    assert_eq!(e["note"], "两个新桶，已清运");
    assert_eq!(e["by"], "community");
    assert_eq!(e["bytes"], PNG_AFTER.len());
    // A supervisor adds the photo of the problem as found.
    let (st, b) = upload(
        &f,
        &format!("{base}/evidence"),
        &street,
        true,
        &[
            ("file", Some("before.png"), PNG),
            ("phase", None, b"before"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    // The same file again: refused by the state machine.
    let (st, b) = upload(&f, &format!("{base}/evidence"), &staff, true, fields).await;
    assert_eq!(
        st,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&b)
    );
    // The stored file comes back as it was sent, as an image.
    let sha = e["sha256"].as_str().expect("sha").to_owned();
    let (st, headers, b) = f
        .call(
            Request::get(format!("{base}/evidence/{sha}"))
                .header("cookie", format!("fenlei_session={}", staff.cookie))
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b, PNG_AFTER);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");

    let v = post_ok(
        &f,
        &format!("{base}/fix"),
        &staff,
        serde_json::json!({"note": "加了两个桶"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["status"], "fixed");
    // Staff may not verify their own fix (role), the street may: rejecting needs a reason.
    let verify = format!("{base}/verify");
    let (st, _) = f
        .post(
            &verify,
            Auth::Session(&staff, true),
            serde_json::json!({"decision": "accept"}).to_string(),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, b) = f
        .post(
            &verify,
            Auth::Session(&street, true),
            serde_json::json!({"decision": "reject"}).to_string(),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_error(&b, "bad_request");
    let (st, b) = f
        .post(
            &verify,
            Auth::Session(&street, true),
            serde_json::json!({"decision": "maybe"}).to_string(),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_error(&b, "bad_request");
    let v = post_ok(
        &f,
        &verify,
        &street,
        serde_json::json!({"decision": "reject", "reason": "桶仍然满溢"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["status"], "reopened");
    post_ok(
        &f,
        &format!("{base}/fix"),
        &staff,
        serde_json::json!({"note": "增加清运频次"}),
        StatusCode::OK,
    )
    .await;
    let v = post_ok(
        &f,
        &verify,
        &admin,
        serde_json::json!({"decision": "accept"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["status"], "verified");
    assert_eq!(v["outcome"], "done");
    assert_eq!(v["verified_by"], "city_admin");
    // Closed: it may only be sent back; escalating it is a conflict.
    assert_eq!(v["may"], serde_json::json!(["reject"]));
    let (st, b) = f
        .post(
            &format!("{base}/escalate"),
            Auth::Session(&street, true),
            "",
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_error(&b, "illegal_state");
    // The timeline: open, assign, two pieces of evidence, fix, reopen, fix, verify.
    let keys: Vec<String> = v["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["action"].as_str().expect("action").to_owned())
        .collect();
    assert_eq!(
        keys,
        [
            "open", "assign", "evidence", "evidence", "fix", "reopen", "fix", "verify"
        ]
    );

    // Escalation by hand, one rung at a time, then closing a false alarm.
    let third = open_case(&f, &f.estates[0], "投放点脏乱");
    let b3 = format!("/api/v1/cases/{third}");
    let ladder: Vec<String> = f.get_json(&b3, Some(&street), StatusCode::OK).await["ladder"]
        .as_array()
        .expect("ladder")
        .iter()
        .map(|s| s.as_str().expect("rung").to_owned())
        .collect();
    assert_eq!(ladder.len(), 2, "{ladder:?}");
    assert_eq!(ladder[0], format!("street:{}", f.street));
    let (st, _) = f
        .post(&format!("{b3}/escalate"), Auth::Session(&staff, true), "")
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "staff do not escalate");
    for (level, rung) in ladder.iter().enumerate() {
        let v = post_ok(
            &f,
            &format!("{b3}/escalate"),
            &street,
            serde_json::json!({}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(v["escalation"], level + 1);
        assert_eq!(
            v["history"]
                .as_array()
                .and_then(|h| h.last())
                .expect("last")["to"],
            *rung
        );
    }
    let (st, b) = f
        .post(&format!("{b3}/escalate"), Auth::Session(&street, true), "")
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "the top of the ladder");
    assert_error(&b, "bad_request");
    // no_response only after the deadline; done is not a way to close an unfixed case.
    let (st, _) = f
        .post(
            &format!("{b3}/close"),
            Auth::Session(&street, true),
            serde_json::json!({"outcome": "no_response"}).to_string(),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = f
        .post(
            &format!("{b3}/close"),
            Auth::Session(&street, true),
            serde_json::json!({"outcome": "done"}).to_string(),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let v = post_ok(
        &f,
        &format!("{b3}/close"),
        &street,
        serde_json::json!({"outcome": "false_alarm"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["status"], "verified");
    assert_eq!(v["outcome"], "false_alarm");

    // A case outside the scope answers exactly like one that does not exist, for reading,
    // acting and its files.
    let community_scope = f.state.units.get(&f.communities[0]).expect("community");
    let other = f.state.units.get(&f.estates[1]).expect("estate");
    assert!(!f.state.in_scope(community_scope, other));
    for id in [outside, 9999] {
        let ob = format!("/api/v1/cases/{id}");
        let (st, b) = f.get(&ob, Some(&staff)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert_error(&b, "not_found");
        assert_eq!(json(&b)["message"], format!("no case CASE-{id:06}"));
        let (st, b) = f
            .post(
                &format!("{ob}/accept"),
                Auth::Session(&staff, true),
                serde_json::json!({"handler": "x"}).to_string(),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert_eq!(json(&b)["message"], format!("no case CASE-{id:06}"));
        let (st, _) = upload(&f, &format!("{ob}/evidence"), &staff, true, fields).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let (st, _) = f.get(&format!("{ob}/evidence/{sha}"), Some(&staff)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
    // Not logged in: 401.
    let (st, _) = f.get(&base, None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // Every action is in the audit log with its actor; refusals are not.
    let audit = f
        .get_json("/api/v1/audit?limit=1000", Some(&admin), StatusCode::OK)
        .await;
    let entries: Vec<(String, String, String)> = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| e["action"].as_str().is_some_and(|a| a.starts_with("case.")))
        .map(|e| {
            (
                e["actor"].as_str().expect("actor").to_owned(),
                e["action"].as_str().expect("action").to_owned(),
                e["detail"].as_str().expect("detail").to_owned(),
            )
        })
        .rev()
        .collect();
    let got: Vec<(&str, &str)> = entries
        .iter()
        .map(|(a, k, _)| (a.as_str(), k.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("community", "case.accept"),
            ("community", "case.evidence"),
            ("street", "case.evidence"),
            ("community", "case.fix"),
            ("street", "case.reject"),
            ("community", "case.fix"),
            ("city_admin", "case.verify"),
            ("street", "case.escalate"),
            ("street", "case.escalate"),
            ("street", "case.close"),
        ]
    );
    assert!(
        entries[0].2.starts_with(&format!("CASE-{inside:06} ")),
        "{:?}",
        entries[0]
    );
    assert!(entries[0].2.contains("王师傅"), "{:?}", entries[0]);
    assert!(entries[1].2.contains(&sha), "{:?}", entries[1]);
    assert!(entries[4].2.contains("桶仍然满溢"), "{:?}", entries[4]);

    // The OpenAPI document describes the actions.
    let doc = f
        .get_json("/api/v1/openapi.json", None, StatusCode::OK)
        .await;
    for p in [
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/accept",
        "/api/v1/cases/{id}/evidence",
        "/api/v1/cases/{id}/fix",
        "/api/v1/cases/{id}/verify",
        "/api/v1/cases/{id}/escalate",
        "/api/v1/cases/{id}/close",
        "/api/v1/cases/{id}/evidence/{sha256}",
        "/api/v1/incidents",
        "/api/v1/incidents/{id}/ack",
        "/api/v1/incidents/{id}/handled",
        "/api/v1/estates/{code}/accounts",
        "/api/v1/households/{code}/ledger",
        "/api/v1/households/{code}/redeem",
        "/api/v1/units/{code}/targets",
    ] {
        assert!(
            doc["paths"][p].is_object(),
            "{p} missing from the OpenAPI document"
        );
    }
}

/// GET a page with a session cookie.
async fn page(f: &Fixture, uri: &str, s: &Session) -> (StatusCode, String) {
    let (st, b) = f.get(uri, Some(s)).await;
    (st, String::from_utf8(b).expect("utf8"))
}

/// POSTs a url-encoded form with a session cookie; returns status, location and body.
async fn form(f: &Fixture, uri: &str, s: &Session, body: &str) -> (StatusCode, String, String) {
    let req = Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("fenlei_session={}", s.cookie))
        .body(Body::from(body.to_owned()))
        .expect("req");
    let (st, headers, b) = f.call(req).await;
    let loc = headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (st, loc, String::from_utf8(b).expect("utf8"))
}

#[tokio::test]
async fn the_case_page_shows_the_case_and_its_forms_act_like_the_api() {
    let f = Fixture::new(ServerConfig::default());
    let id = open_case(&f, &f.estates[0], "厨余桶满溢");
    let outside = open_case(&f, &f.estates[1], "其他垃圾混投");
    let staff = f.login("community").await;
    let street = f.login("street").await;
    let observer = f.login("observer").await;
    let url = format!("/cases/{id}");

    // The list links the case; the page shows it with the forms the viewer may use.
    let (st, html) = page(&f, "/cases", &staff).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/cases/CASE-{id:06}\"")),
        "{html}"
    );
    let (st, html) = page(&f, &url, &staff).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("厨余桶满溢") && html.contains("办理经过"),
        "{html}"
    );
    assert!(html.contains(&format!("action=\"/cases/{id}/act/accept\"")));
    assert!(html.contains(&format!("action=\"/cases/{id}/evidence\"")));
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(
        html.contains(&format!("value=\"{}\"", staff.csrf)),
        "forms carry the CSRF token"
    );
    assert!(!html.contains("/act/verify"), "staff do not verify");
    let (_, html) = page(&f, &format!("{url}?lang=en"), &staff).await;
    assert!(html.contains("Timeline") && html.contains("Accept the case"));
    // Observers see the case and no form.
    let (st, html) = page(&f, &url, &observer).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        !html.contains("<form class=\"act\""),
        "observers get no forms"
    );
    // Outside the scope, or no such case: 404.
    let (st, _) = page(&f, &format!("/cases/{outside}"), &staff).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = page(&f, "/cases/nonsense", &staff).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // A form without its CSRF token is refused and changes nothing.
    let (st, _, _) = form(
        &f,
        &format!("{url}/act/accept"),
        &staff,
        "handler=%E7%8E%8B",
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // With it: done, back to the case.
    let body = format!("csrf={}&handler=%E7%8E%8B%E5%B8%88%E5%82%85", staff.csrf);
    let (st, loc, _) = form(&f, &format!("{url}/act/accept"), &staff, &body).await;
    assert_eq!((st, loc.as_str()), (StatusCode::SEE_OTHER, url.as_str()));
    // A refused action shows the case with the reason and the refusal's status.
    let body = format!("csrf={}&note=done", staff.csrf);
    let (st, _, html) = form(&f, &format!("{url}/act/fix"), &staff, &body).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(html.contains("add evidence"), "{html}");
    assert!(html.contains("王师傅"), "the case is shown: {html}");
    // A role's refusal too.
    let body = format!("csrf={}", observer.csrf);
    let (st, _, _) = form(&f, &format!("{url}/act/escalate"), &observer, &body).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Evidence through the upload form (CSRF as a field), then fixed.
    let csrf = staff.csrf.clone();
    let (ct, mp) = multipart(&[
        ("csrf", None, csrf.as_bytes()),
        ("file", Some("现场.jpg"), PNG),
        ("phase", None, b"after"),
        ("note", None, "已加桶".as_bytes()),
    ]);
    let req = Request::post(format!("{url}/evidence"))
        .header("content-type", ct)
        .header("cookie", format!("fenlei_session={}", staff.cookie))
        .body(Body::from(mp))
        .expect("req");
    let (st, headers, b) = f.call(req).await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{}", String::from_utf8_lossy(&b));
    assert_eq!(headers["location"], url.as_str());
    // Without the CSRF field: refused.
    let (ct, mp) = multipart(&[("file", Some("b.jpg"), b"other bytes")]);
    let req = Request::post(format!("{url}/evidence"))
        .header("content-type", ct)
        .header("cookie", format!("fenlei_session={}", staff.cookie))
        .body(Body::from(mp))
        .expect("req");
    assert_eq!(f.call(req).await.0, StatusCode::FORBIDDEN);
    let body = format!("csrf={}&note=%E5%B7%B2%E5%8A%A0%E6%A1%B6", staff.csrf);
    let (st, _, _) = form(&f, &format!("{url}/act/fix"), &staff, &body).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    // The street sees the photo and the verify form, and sends it back.
    let (_, html) = page(&f, &url, &street).await;
    assert!(html.contains("<img src=\"/api/v1/cases/"), "{html}");
    assert!(html.contains("现场.jpg") && html.contains("已加桶"));
    assert!(html.contains(&format!("action=\"/cases/{id}/act/verify\"")));
    let body = format!(
        "csrf={}&decision=reject&reason=%E4%BB%8D%E6%BB%A1",
        street.csrf
    );
    let (st, _, _) = form(&f, &format!("{url}/act/verify"), &street, &body).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = page(&f, &url, &street).await;
    assert!(html.contains("已退回") && html.contains("仍满"), "{html}");
    // Unknown actions are not there.
    let body = format!("csrf={}", street.csrf);
    let (st, _, _) = form(&f, &format!("{url}/act/delete"), &street, &body).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

/// A collection point of `estate`.
fn point_of(f: &Fixture, estate: &str) -> String {
    let m = f.state.model();
    let e = f.state.units.get(estate).expect("estate");
    m.units
        .iter()
        .find(|u| u.parent == Some(e))
        .expect("point")
        .code
        .clone()
}

#[tokio::test]
async fn station_incidents_are_listed_with_their_steps_and_handled_by_the_estate_staff() {
    let f = Fixture::new(ServerConfig::default());
    let (p0, p1) = (point_of(&f, &f.estates[0]), point_of(&f, &f.estates[1]));
    let day = crate::fixture::day(crate::fixture::START).plus(1);
    let t = |h: u32| format!("{day}T{h:02}:00:00+08:00");
    let records = [
        format!(
            r#"{{"type":"incident","id":"inc-a","time":"{}","point":"{p0}","kind":"overflow"}}"#,
            t(8)
        ),
        format!(
            r#"{{"type":"incident","id":"inc-b","time":"{}","point":"{p0}","kind":"bags_on_ground"}}"#,
            t(9)
        ),
        format!(
            r#"{{"type":"incident","id":"inc-c","time":"{}","point":"{p1}","kind":"overflow"}}"#,
            t(8)
        ),
        format!(
            r#"{{"type":"incident","id":"inc-d","time":"{}","point":"{p0}","kind":"fill_level","category":"kitchen","fill_pct":90}}"#,
            t(10)
        ),
    ];
    let admin = f.login("city_admin").await;
    let (st, b) = f
        .post(
            "/api/v1/ingest",
            Auth::Session(&admin, true),
            records.join("\n"),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    assert_eq!(json(&b)["counts"]["stored"], 4);
    // The ladder, 25 hours on: reminded, a case for the community, the street supervises.
    {
        let db = f.dir.path().join("db");
        let store = fenlei_store::EmbeddedStore::open_for_queries(&db).expect("store");
        let mut gov = fenlei_app::govern::open(&db).expect("governance");
        let at = Timestamp::parse(&format!("{}T10:00:00+08:00", day.plus(1))).expect("time");
        fenlei_app::govern::incidents::scan(&store, &mut gov, at).expect("scan");
    }
    let staff = f.login("community").await;
    let observer = f.login("observer").await;
    let hauler = f.login("hauler").await;
    let list_uri = format!(
        "/api/v1/incidents?unit={}&to={}",
        f.communities[0],
        day.plus(1)
    );
    let l = f.get_json(&list_uri, Some(&staff), StatusCode::OK).await;
    let open_ids = |l: &serde_json::Value| -> Vec<String> {
        l["open"]
            .as_array()
            .expect("open")
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let ids = open_ids(&l);
    assert!(
        ids.contains(&"inc-a".to_owned()) && ids.contains(&"inc-b".to_owned()),
        "{ids:?}"
    );
    assert!(
        !ids.contains(&"inc-c".to_owned()) && !ids.contains(&"inc-d".to_owned()),
        "the other community's incident and the fill-level report are not listed: {ids:?}"
    );
    let (total, handled) = (
        l["total"].as_u64().expect("total"),
        l["handled"].as_u64().expect("handled"),
    );
    assert_eq!(total as usize, handled as usize + ids.len());
    let a = l["open"]
        .as_array()
        .expect("open")
        .iter()
        .find(|i| i["id"] == "inc-a")
        .expect("inc-a");
    assert_eq!(a["point"], p0.as_str());
    let steps: Vec<&str> = a["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["step"].as_str().expect("step"))
        .collect();
    assert_eq!(steps, ["remind", "case", "street"]);
    assert!(
        a["steps"][1]["case"]
            .as_str()
            .is_some_and(|c| c.starts_with("CASE-"))
    );
    assert_eq!(a["next_step"], "district");
    // Observers read; haulers do not; CSV like every table.
    f.get_json(&list_uri, Some(&observer), StatusCode::OK).await;
    let (st, _) = f.get(&list_uri, Some(&hauler)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, csv) = f.get(&format!("{list_uri}&format=csv"), Some(&staff)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(String::from_utf8_lossy(&csv).contains("inc-b"));

    // Acknowledge: CSRF, role, then recorded once (the first record stands).
    let (st, _) = f
        .post(
            "/api/v1/incidents/inc-a/ack",
            Auth::Session(&staff, false),
            "",
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    for s in [&observer, &admin] {
        let (st, b) = f
            .post("/api/v1/incidents/inc-a/ack", Auth::Session(s, true), "")
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        assert_error(&b, "forbidden");
    }
    let v = post_ok(
        &f,
        "/api/v1/incidents/inc-a/ack",
        &staff,
        serde_json::json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["new"], true);
    assert!(v["incident"]["acknowledged"].is_string());
    let v = post_ok(
        &f,
        "/api/v1/incidents/inc-a/ack",
        &staff,
        serde_json::json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["new"], false);
    // Outside the scope or unknown: the same 404. A fill-level report is nothing to handle.
    for id in ["inc-c", "no-such-incident"] {
        let (st, b) = f
            .post(
                &format!("/api/v1/incidents/{id}/handled"),
                Auth::Session(&staff, true),
                "",
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert_eq!(json(&b)["message"], format!("no incident {id}"));
    }
    let (st, _) = f
        .post(
            "/api/v1/incidents/inc-d/handled",
            Auth::Session(&staff, true),
            "",
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = f
        .get(
            &format!("/api/v1/incidents?unit={}", f.communities[1]),
            Some(&staff),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "another community's list");

    // The page: the open incidents with their steps and, for staff, the forms.
    let (st, html) = page(
        &f,
        &format!("/incidents?unit={}&to={}", f.communities[0], day.plus(1)),
        &staff,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("inc-a") || html.contains(&p0), "{html}");
    assert!(
        html.contains("街道督办") && html.contains("href=\"/cases/CASE-"),
        "{html}"
    );
    assert!(
        html.contains("action=\"/incidents/inc-b/handled\""),
        "{html}"
    );
    assert!(
        html.contains("href=\"/incidents\""),
        "linked from the navigation"
    );
    let (_, html) = page(
        &f,
        &format!("/incidents?unit={}&to={}", f.communities[0], day.plus(1)),
        &observer,
    )
    .await;
    assert!(!html.contains("/handled\""), "observers get no forms");
    let (_, html) = page(&f, "/", &hauler).await;
    assert!(
        !html.contains("href=\"/incidents\""),
        "not linked for haulers"
    );
    // Handled through the form: back to the list, which no longer holds it.
    let back = format!("/incidents?unit={}&to={}", f.communities[0], day.plus(1));
    let (st, loc, _) = form(
        &f,
        "/incidents/inc-b/handled",
        &staff,
        &format!(
            "csrf={}&back={}",
            staff.csrf,
            back.replace('&', "%26")
                .replace('?', "%3F")
                .replace('=', "%3D")
        ),
    )
    .await;
    assert_eq!((st, loc.as_str()), (StatusCode::SEE_OTHER, back.as_str()));
    let (st, _, _) = form(&f, "/incidents/inc-a/handled", &staff, "back=%2F").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "no CSRF token");
    let l = f.get_json(&list_uri, Some(&staff), StatusCode::OK).await;
    assert_eq!(l["total"], total);
    assert_eq!(l["handled"], handled + 1);
    let ids = open_ids(&l);
    assert!(
        ids.contains(&"inc-a".to_owned()) && !ids.contains(&"inc-b".to_owned()),
        "{ids:?}"
    );

    // The audit log holds each recorded action once, with its actor.
    let audit = f
        .get_json("/api/v1/audit?limit=1000", Some(&admin), StatusCode::OK)
        .await;
    let got: Vec<(String, String, String)> = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("incident."))
        })
        .map(|e| {
            (
                e["actor"].as_str().expect("actor").to_owned(),
                e["action"].as_str().expect("action").to_owned(),
                e["detail"]
                    .as_str()
                    .expect("detail")
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .rev()
        .collect();
    let want = [
        ("community", "incident.ack", "inc-a"),
        ("community", "incident.handled", "inc-b"),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(got, want);
}

#[tokio::test]
async fn points_balances_ledgers_and_redemption_refusing_a_double_spend() {
    let f = Fixture::with_points(ServerConfig::default());
    let staff = f.login("community").await;
    let street = f.login("street").await;
    let admin = f.login("city_admin").await;
    let observer = f.login("observer").await;
    let hauler = f.login("hauler").await;
    // An estate of the staff's community whose households earned points (not every estate
    // has smart bins).
    let community = f.state.units.get(&f.communities[0]).expect("community");
    let mut found = None;
    for &e in f.state.units.children(community) {
        let code = f.state.model().unit(e).code.clone();
        let uri = format!("/api/v1/estates/{code}/accounts");
        let a = f.get_json(&uri, Some(&staff), StatusCode::OK).await;
        if a["total"].as_i64().is_some_and(|t| t > 0) {
            found = Some((code, uri, a));
            break;
        }
    }
    let (estate, accounts, a) = found.expect("an estate with points");
    let rows = a["households"].as_array().expect("households");
    assert!(!rows.is_empty());
    let sum: i64 = rows
        .iter()
        .map(|r| r["balance"].as_i64().expect("balance"))
        .sum();
    assert_eq!(a["total"], sum);
    let top = rows
        .iter()
        .max_by_key(|r| r["balance"].as_i64())
        .expect("a household");
    let h = top["household"].as_str().expect("code").to_owned();
    let b = top["balance"].as_i64().expect("balance");
    assert!(b > 1, "the simulated days earn points: {a}");
    // Who may see: offices and staff; not observers or haulers. Scope: 404 outside.
    for s in [&observer, &hauler] {
        let (st, body) = f.get(&accounts, Some(s)).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        assert_error(&body, "forbidden");
    }
    f.get_json(&accounts, Some(&street), StatusCode::OK).await;
    let (st, _) = f
        .get(
            &format!("/api/v1/estates/{}/accounts", f.estates[1]),
            Some(&staff),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, body) = f
        .get(
            &format!("/api/v1/estates/{}/accounts", f.district),
            Some(&admin),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "a district is no estate");
    assert_error(&body, "bad_request");

    // The ledger: history with a running balance ending at the balance.
    let ledger = format!("/api/v1/households/{h}/ledger");
    let l = f.get_json(&ledger, Some(&staff), StatusCode::OK).await;
    assert_eq!(l["balance"], b);
    assert_eq!(l["estate"], estate.as_str());
    let hist = l["history"].as_array().expect("history");
    assert!(!hist.is_empty());
    assert_eq!(hist.last().expect("last")["balance"], b);
    // A household outside the scope answers like one that does not exist.
    let other = f
        .get_json(
            &format!("/api/v1/estates/{}/accounts", f.estates[1]),
            Some(&admin),
            StatusCode::OK,
        )
        .await["households"][0]["household"]
        .as_str()
        .expect("household")
        .to_owned();
    for code in [other.as_str(), "NO-SUCH-HOUSEHOLD"] {
        let (st, body) = f
            .get(&format!("/api/v1/households/{code}/ledger"), Some(&staff))
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert_eq!(json(&body)["message"], format!("no household {code}"));
        let (st, body) = f
            .post(
                &format!("/api/v1/households/{code}/redeem"),
                Auth::Session(&staff, true),
                serde_json::json!({"points": 1, "item": "袋", "key": "x"}).to_string(),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert_eq!(json(&body)["message"], format!("no household {code}"));
    }

    // Redemption: staff only, with CSRF; a retry with the same key counts once.
    let redeem = format!("/api/v1/households/{h}/redeem");
    let req = |points: i64, key: &str| {
        serde_json::json!({"points": points, "item": "垃圾袋一卷", "key": key}).to_string()
    };
    let (st, _) = f
        .post(&redeem, Auth::Session(&staff, false), req(1, "k1"))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    for s in [&street, &observer] {
        let (st, body) = f.post(&redeem, Auth::Session(s, true), req(1, "k1")).await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        assert_error(&body, "forbidden");
    }
    let (st, body) = f
        .post(&redeem, Auth::Session(&staff, true), req(0, "k0"))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request");
    let v = post_ok(
        &f,
        &redeem,
        &staff,
        serde_json::from_str(&req(1, "k1")).expect("json"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (v["new"].clone(), v["balance"].clone()),
        (true.into(), (b - 1).into())
    );
    let v = post_ok(
        &f,
        &redeem,
        &staff,
        serde_json::from_str(&req(1, "k1")).expect("json"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (v["new"].clone(), v["balance"].clone()),
        (false.into(), (b - 1).into())
    );
    // More than it holds: refused by the ledger, clearly.
    let (st, body) = f
        .post(&redeem, Auth::Session(&staff, true), req(b, "k2"))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_error(&body, "insufficient_points");
    assert_eq!(
        json(&body)["message"],
        format!("household:{h} holds {} points, {b} needed", b - 1)
    );
    let v = post_ok(
        &f,
        &redeem,
        &staff,
        serde_json::from_str(&req(b - 1, "k3")).expect("json"),
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["balance"], 0);
    // Spending the same points twice: refused.
    let (st, body) = f
        .post(&redeem, Auth::Session(&staff, true), req(1, "k4"))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_error(&body, "insufficient_points");
    let l = f.get_json(&ledger, Some(&staff), StatusCode::OK).await;
    assert_eq!(l["balance"], 0);

    // The pages: a community's estates, an estate's balances, a household's ledger and form.
    let (st, html) = page(&f, "/points", &staff).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/points?unit={estate}\"")),
        "{html}"
    );
    assert!(
        html.contains("href=\"/points\""),
        "linked from the navigation"
    );
    let (_, html) = page(&f, &format!("/points?unit={estate}"), &staff).await;
    assert!(html.contains(&format!("/points?household={h}")), "{html}");
    let (st, html) = page(&f, &format!("/points?household={h}"), &staff).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("action=\"/points/redeem\"") && html.contains("name=\"key\""));
    assert!(
        html.contains("垃圾袋一卷"),
        "the ledger lists the redemptions: {html}"
    );
    let (_, html) = page(&f, &format!("/points?household={h}"), &street).await;
    assert!(
        !html.contains("action=\"/points/redeem\""),
        "supervisors do not redeem"
    );
    let (st, _) = page(&f, "/points", &observer).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    for s in [&observer, &hauler] {
        let (_, html) = page(&f, "/", s).await;
        assert!(!html.contains("href=\"/points\""), "not linked");
    }
    // The form: a double spend shows the ledger's refusal with the household's page.
    let body = format!(
        "csrf={}&household={h}&points=5&item=%E8%A2%8B&key=k5",
        staff.csrf
    );
    let (st, _, html) = form(&f, "/points/redeem", &staff, &body).await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(
        html.contains(&format!("household:{h} holds 0 points, 5 needed")),
        "{html}"
    );
    assert!(
        html.contains("action=\"/points/redeem\""),
        "the form is shown again"
    );
    let (st, _, _) = form(
        &f,
        "/points/redeem",
        &staff,
        &format!("household={h}&points=1&item=x&key=k6"),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "no CSRF token");

    // Each redemption applied is in the audit log once, with its actor.
    let audit = f
        .get_json("/api/v1/audit?limit=1000", Some(&admin), StatusCode::OK)
        .await;
    let got: Vec<(String, String)> = audit
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| e["action"] == "points.redeem")
        .map(|e| {
            (
                e["actor"].as_str().expect("actor").to_owned(),
                e["detail"].as_str().expect("detail").to_owned(),
            )
        })
        .rev()
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|(a, _)| a == "community"));
    assert!(
        got[0].1.starts_with(&format!("{h} -1 for 垃圾袋一卷")),
        "{got:?}"
    );
    assert!(got[1].1.starts_with(&format!("{h} -{} ", b - 1)), "{got:?}");
}

#[tokio::test]
async fn targets_of_a_subtree_with_projections_as_fenlei_targets_computes_them() {
    let f = Fixture::new(ServerConfig::default());
    let district = f.login("district").await;
    let staff = f.login("community").await;
    let hauler = f.login("hauler").await;
    let to = crate::fixture::day(crate::fixture::START).plus(crate::fixture::DAYS as i32 - 1);
    let from = crate::fixture::day(crate::fixture::START);
    let uri = format!("/api/v1/units/{}/targets?from={from}&to={to}", f.district);
    let rows = f.get_json(&uri, Some(&district), StatusCode::OK).await;
    let rows = rows.as_array().expect("rows").clone();
    // By default the level below: the district's streets, each with its inherited target.
    let model = f.state.model();
    let d = f.state.units.get(&f.district).expect("district");
    let streets: Vec<String> = f
        .state
        .units
        .children(d)
        .iter()
        .map(|&s| model.unit(s).code.clone())
        .collect();
    let got: Vec<String> = rows
        .iter()
        .map(|r| r["unit"].as_str().expect("unit").to_owned())
        .collect();
    assert_eq!(got, streets);
    for r in &rows {
        assert!(r["target"].is_f64(), "{r}");
        assert!(!r["set_at"].as_str().expect("set at").is_empty(), "{r}");
        assert!(
            ["on_track", "at_risk", "off_track", "unknown"]
                .contains(&r["course"].as_str().expect("course")),
            "{r}"
        );
    }
    // The same rows as `fenlei targets` computes.
    {
        let db = f.dir.path().join("db");
        let mut store = fenlei_store::EmbeddedStore::open_for_queries(&db).expect("store");
        let range = fenlei_domain::DayRange::new(from, to).expect("range");
        let weeks = fenlei_app::govern::targets::history_weeks(&store, range);
        let shipped = fenlei_app::govern::targets::load_targets(None).expect("targets");
        let want = fenlei_app::govern::targets::status(
            &mut store,
            "participation_rate",
            fenlei_domain::Level::Street,
            Some(d),
            range,
            weeks,
            &shipped,
        )
        .expect("status");
        assert_eq!(
            serde_json::to_value(&want).expect("json"),
            serde_json::Value::Array(rows.clone())
        );
    }
    // Another level and metric; the estates of the district.
    let est = f
        .get_json(
            &format!("{uri}&level=estate&metric=putin_accuracy"),
            Some(&district),
            StatusCode::OK,
        )
        .await;
    let estates = model
        .at_level(fenlei_domain::Level::Estate)
        .filter(|u| f.state.in_scope(d, u.id))
        .count();
    assert_eq!(est.as_array().map(Vec::len), Some(estates));
    assert!(
        est[0]["formula"]
            .as_str()
            .is_some_and(|s| s.starts_with("putin_accuracy@"))
    );
    // Refusals: a level above, an unknown metric (400); outside the scope (404); haulers (403).
    for bad in ["&level=city", "&metric=nonsense"] {
        let (st, b) = f.get(&format!("{uri}{bad}"), Some(&district)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
        assert_error(&b, "bad_request");
    }
    let (st, _) = f.get(&uri, Some(&staff)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = f.get(&uri, Some(&hauler)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, csv) = f.get(&format!("{uri}&format=csv"), Some(&district)).await;
    assert_eq!(st, StatusCode::OK);
    assert!(String::from_utf8_lossy(&csv).starts_with("unit,name,formula,value,target"));

    // The page: a chart and the table, linked from the navigation (not for haulers).
    let (st, html) = page(&f, &format!("/targets?from={from}&to={to}"), &district).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("data-chart=\"targets\""), "{html}");
    assert!(
        html.contains(
            model
                .unit(f.state.units.get(&streets[0]).expect("street"))
                .name
                .as_str()
        )
    );
    assert!(html.contains("href=\"/targets\""));
    let (_, html) = page(
        &f,
        &format!("/targets?lang=en&level=estate&from={from}&to={to}"),
        &district,
    )
    .await;
    assert!(html.contains("Targets and projections") && html.contains("90% interval"));
    let (st, _) = page(&f, "/targets", &hauler).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (_, html) = page(&f, "/", &hauler).await;
    assert!(!html.contains("href=\"/targets\""));
}

// Supervisors open cases from the API and the cases page; others are refused by role, units
// outside the scope are not found, and every case opened is in the audit log.
#[tokio::test]
async fn supervisors_open_cases_in_their_scope() {
    let f = Fixture::new(ServerConfig::default());
    let street = f.login("street").await;
    let staff = f.login("community").await;
    let new = |unit: &str, problem: &str, days: u32| serde_json::json!({"unit": unit, "problem": problem, "action": "当日清运并加桶", "deadline_days": days});
    let v = post_ok(
        &f,
        "/api/v1/cases",
        &street,
        new(&f.estates[0], "满溢未清运", 3),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(v["status"], "open");
    assert_eq!(v["origin"], "manual");
    assert_eq!(v["unit"], f.estates[0]);
    assert_eq!(v["responsible"], format!("property:{}", f.estates[0]));
    let code = v["code"].as_str().expect("code").to_owned();
    let log = f.state.accounts.audit_log(50).expect("audit");
    assert!(
        log.iter()
            .any(|e| e.action == "case.open" && e.actor == "street" && e.detail.starts_with(&code)),
        "{log:?}"
    );
    // Community staff handle cases, they do not open them.
    let (st, b) = f
        .post(
            "/api/v1/cases",
            Auth::Session(&staff, true),
            new(&f.estates[0], "x", 3).to_string(),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_error(&b, "forbidden");
    // Without the CSRF header; without a problem; a deadline out of range.
    let (st, _) = f
        .post(
            "/api/v1/cases",
            Auth::Session(&street, false),
            new(&f.estates[0], "x", 3).to_string(),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    for bad in [new(&f.estates[0], " ", 3), new(&f.estates[0], "x", 0)] {
        let (st, b) = f
            .post(
                "/api/v1/cases",
                Auth::Session(&street, true),
                bad.to_string(),
            )
            .await;
        assert_eq!(
            st,
            StatusCode::BAD_REQUEST,
            "{}",
            String::from_utf8_lossy(&b)
        );
    }
    // A unit outside the street: not found, as a unit that does not exist.
    let model = f.state.model();
    let street_id = f.state.units.get(&f.street).expect("street");
    let outside = model
        .units
        .iter()
        .find(|u| !f.state.in_scope(street_id, u.id))
        .expect("a unit outside the street");
    for unit in [outside.code.as_str(), "NO-SUCH-UNIT"] {
        let (st, b) = f
            .post(
                "/api/v1/cases",
                Auth::Session(&street, true),
                new(unit, "x", 3).to_string(),
            )
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{unit}");
        assert_error(&b, "not_found");
    }
    // The cases page's form opens one and shows it; without its token it is refused.
    let (st, body) = page(&f, "/cases", &street).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        body.contains(r#"action="/cases/new""#),
        "the form is offered"
    );
    let (st, body) = page(&f, "/cases", &staff).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        !body.contains(r#"action="/cases/new""#),
        "not to community staff"
    );
    let fields = format!(
        "unit={}&problem=%E5%B0%8F%E5%8C%85%E5%9E%83%E5%9C%BE%E8%90%BD%E5%9C%B0&action=%E6%B8%85%E7%90%86&deadline_days=5",
        f.estates[0]
    );
    let (st, loc, _) = form(&f, "/cases/new", &street, &fields).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "no CSRF token");
    let (st, loc2, _) = form(
        &f,
        "/cases/new",
        &street,
        &format!("csrf={}&{fields}", street.csrf),
    )
    .await;
    assert!(st.is_redirection(), "{st} {loc}");
    assert!(loc2.starts_with("/cases/CASE-"), "{loc2}");
    let (st, body) = page(&f, &loc2, &street).await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("小包垃圾落地"), "the new case page: {body}");
}

// Red and black lists: the same entries as `fenlei disclose` derives, scoped, with exports and
// a page.
#[tokio::test]
async fn red_and_black_lists_are_what_disclose_derives_for_the_scope() {
    let f = Fixture::new(ServerConfig::default());
    let street = f.login("street").await;
    let hauler = f.login("hauler").await;
    let uri = format!(
        "/api/v1/units/{}/lists?metric=putin_accuracy&level=estate&size=2",
        f.street
    );
    let v = f.get_json(&uri, Some(&street), StatusCode::OK).await;
    let range: Vec<String> = [&v["spec"]["from"], &v["spec"]["to"]]
        .iter()
        .map(|d| d.as_str().expect("day").to_owned())
        .collect();
    // The same spec through the app, directly on the store.
    let db = f.dir.path().join("db");
    let mut store = fenlei_store::EmbeddedStore::open_for_queries(&db).expect("store");
    let gov = fenlei_app::govern::open(&db).expect("governance");
    let range = fenlei_domain::DayRange::new(
        fenlei_domain::Day::parse(&range[0]).expect("day"),
        fenlei_domain::Day::parse(&range[1]).expect("day"),
    )
    .expect("range");
    let spec = fenlei_app::govern::disclose::spec(
        &store,
        &gov,
        &fenlei_app::govern::disclose::Figure::Metric("putin_accuracy".into()),
        fenlei_domain::Level::Estate,
        Some(f.street.clone()),
        range,
        2,
    )
    .expect("spec");
    let direct = fenlei_app::govern::disclose::derive(&mut store, &gov, &spec).expect("lists");
    let direct = serde_json::to_value(&direct).expect("json");
    assert_eq!(v["red"], direct["red"]);
    assert_eq!(v["black"], direct["black"]);
    assert_eq!(v["unranked"], direct["unranked"]);
    let red = v["red"].as_array().expect("red");
    let black = v["black"].as_array().expect("black");
    assert_eq!((red.len(), black.len()), (2, 2), "{v}");
    assert!(red.iter().all(|r| !black.contains(r)));
    // CSV: both lists, a row each.
    let (st, body) = f.get(&format!("{uri}&format=csv"), Some(&street)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        String::from_utf8(body).expect("utf8").lines().count(),
        1 + 4
    );
    // Refusals: haulers (403), a unit outside the scope (404), an unknown metric (400).
    let (st, _) = f.get(&uri, Some(&hauler)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let outside = format!("/api/v1/units/{}/lists", f.city);
    let (st, _) = f.get(&outside, Some(&street)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = f
        .get(
            &format!("/api/v1/units/{}/lists?metric=nope", f.street),
            Some(&street),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // The page shows both lists.
    let (st, body) = page(&f, "/lists?level=estate&size=2", &street).await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("红榜") && body.contains("黑榜"), "{body}");
    let first = red[0]["unit"].as_str().expect("unit");
    assert!(body.contains(first), "{first}");
}
