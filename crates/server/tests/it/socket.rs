//! The whole stack over a real socket: bind, log in, read metrics, send a batch, scrape
//! `/metrics`.

use crate::fixture::Fixture;
use fenlei_server::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One HTTP/1.0 exchange; returns status, headers (lower-cased names) and body.
async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.0\r\nhost: {addr}\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    s.write_all(body).await.expect("write");
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.expect("read");
    let split = out.windows(4).position(|w| w == b"\r\n\r\n").expect("head");
    let head = String::from_utf8(out[..split].to_vec()).expect("head utf8");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status");
    let hs = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, hs, out[split + 4..].to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_stack_over_a_socket() {
    let f = Fixture::new(ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = f.state.clone();
    let server = tokio::spawn(fenlei_server::serve(state, listener));

    let (st, _, body) = http(addr, "GET", "/healthz", &[], b"").await;
    assert_eq!(
        (st, body.as_slice()),
        (200, br#"{"status":"ok"}"#.as_slice())
    );

    let login =
        serde_json::json!({"name": "district", "password": crate::fixture::PASSWORD}).to_string();
    let (st, hs, body) = http(
        addr,
        "POST",
        "/api/v1/login",
        &[("content-type", "application/json")],
        login.as_bytes(),
    )
    .await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let cookie = hs
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.split(';').next().expect("cookie").to_owned())
        .expect("set-cookie");
    let csrf = serde_json::from_slice::<serde_json::Value>(&body).expect("json")["csrf"]
        .as_str()
        .expect("csrf")
        .to_owned();

    let (st, hs, body) = http(
        addr,
        "GET",
        &format!("/api/v1/units/{}/metrics", f.district),
        &[("cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(st, 200);
    assert!(
        hs.iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("application/json"))
    );
    let report: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(report["units"][0]["id"], f.district.as_str());

    // The city is outside a district office's scope: 404.
    let (st, _, _) = http(
        addr,
        "GET",
        &format!("/api/v1/units/{}", f.city),
        &[("cookie", &cookie)],
        b"",
    )
    .await;
    assert_eq!(st, 404);

    // One malformed record in a batch: rejected alone.
    let (st, _, body) = http(
        addr,
        "POST",
        "/api/v1/ingest",
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        b"{\"type\":\"put_in\",\"id\":\"x\"}\n",
    )
    .await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&body));
    let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["counts"]["rejected"], 1);

    // The district's staff may not read the server's metrics; a city admin may.
    let (st, _, _) = http(addr, "GET", "/metrics", &[("cookie", &cookie)], b"").await;
    assert_eq!(st, 403);
    let admin =
        serde_json::json!({"name": "city_admin", "password": crate::fixture::PASSWORD}).to_string();
    let (st, hs, _) = http(
        addr,
        "POST",
        "/api/v1/login",
        &[("content-type", "application/json")],
        admin.as_bytes(),
    )
    .await;
    assert_eq!(st, 200);
    let admin_cookie = hs
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.split(';').next().expect("cookie").to_owned())
        .expect("set-cookie");
    let (st, _, body) = http(addr, "GET", "/metrics", &[("cookie", &admin_cookie)], b"").await;
    assert_eq!(st, 200);
    let text = String::from_utf8(body).expect("utf8");
    assert!(
        text.contains("fenlei_ingest_records_total{result=\"rejected\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("route=\"/api/v1/login\",status=\"200\""),
        "{text}"
    );
    server.abort();
}
