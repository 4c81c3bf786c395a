//! `fenlei demo` serving and `fenlei serve`, `user`, `token` through the real binary: the demo
//! prints its address and logins, a login works over HTTP, a token issued by the CLI sends a
//! batch and is refused once revoked by the CLI, SIGTERM stops the server cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.0\r\nhost: {addr}\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let (head, body) = out.split_once("\r\n\r\n").expect("head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    (status, head.to_owned(), body.to_owned())
}

fn stop(mut child: Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill")
        .success();
    assert!(ok);
    let status = child.wait().expect("wait");
    assert!(
        status.success(),
        "SIGTERM ends the server cleanly: {status}"
    );
}

fn fenlei(args: &[&str], cwd: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "fenlei {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn the_demo_serves_with_one_login_per_role_and_the_cli_manages_users_and_tokens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args([
            "demo",
            "--preset",
            "tiny",
            "--days",
            "2",
            "--addr",
            "127.0.0.1:0",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut addr = None;
    let mut logins = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("line");
        if let Some(rest) = line.split("Dashboard: http://").nth(1) {
            addr = rest.split('/').next().map(str::to_owned);
        }
        if line.trim_start().starts_with("demo_") {
            let mut w = line.split_whitespace();
            logins.push((
                w.next().expect("name").to_owned(),
                w.next().expect("password").to_owned(),
            ));
            if logins.len() == 6 {
                break;
            }
        }
    }
    let addr = addr.expect("the demo prints its address");
    assert_eq!(logins.len(), 6, "one login per role");
    std::thread::spawn(move || for _ in lines {});

    let (st, _, body) = http(&addr, "GET", "/healthz", &[], "");
    assert_eq!((st, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (name, password) = &logins[0];
    assert_eq!(name, "demo_city_admin");
    let login = format!(r#"{{"name":"{name}","password":"{password}"}}"#);
    let (st, head, _) = http(
        &addr,
        "POST",
        "/api/v1/login",
        &[("content-type", "application/json")],
        &login,
    );
    assert_eq!(st, 200);
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_owned();
    let (st, _, html) = http(&addr, "GET", "/", &[("cookie", &cookie)], "");
    assert_eq!(st, 200);
    assert!(html.contains("主要指标与目标"));
    // Populated beyond the figures: tomorrow's plans and the period's ratings.
    for (path, what) in [
        ("/api/v1/plans", "plans"),
        ("/api/v1/evaluations", "ratings"),
    ] {
        let (st, _, body) = http(&addr, "GET", path, &[("cookie", &cookie)], "");
        assert_eq!(st, 200, "{path}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        let n = v
            .as_array()
            .or_else(|| {
                v.as_object()
                    .and_then(|o| o.values().find_map(|x| x.as_array()))
            })
            .map_or(0, Vec::len);
        assert!(n > 0, "the demo has {what}: {body}");
    }
    stop(child);

    // The CLI on the same store, then `fenlei serve`.
    let db = dir.path().join("fenlei-demo");
    let db = db.to_str().expect("path");
    let users = fenlei(&["user", "list", "--db", db], dir.path());
    assert_eq!(users.lines().filter(|l| l.starts_with("demo_")).count(), 6);
    let bad = Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args([
            "user", "add", "--db", db, "ops", "--role", "street", "--scope", "NOPE",
        ])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no unit NOPE"));
    let scope_of = |name: &str| {
        users
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(2))
            .expect("scope")
            .to_owned()
    };
    let street = scope_of("demo_street ");
    let district = scope_of("demo_district ");
    let added = fenlei(
        &[
            "user", "add", "--db", db, "ops", "--role", "street", "--scope", &street,
        ],
        dir.path(),
    );
    assert!(added.contains("password: "), "{added}");
    let issued = fenlei(
        &[
            "token", "issue", "--db", db, "--name", "gateway", "--scope", &district,
        ],
        dir.path(),
    );
    let secret = issued
        .split_whitespace()
        .find(|w| w.starts_with("flt_"))
        .expect("secret")
        .to_owned();

    let mut server = Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args(["serve", "--db", db, "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("line");
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .expect("address")
        .to_owned();
    let bearer = format!("Bearer {secret}");
    let (st, _, body) = http(
        &addr,
        "POST",
        "/api/v1/ingest",
        &[("authorization", &bearer)],
        "[]",
    );
    assert_eq!(st, 200, "{body}");
    fenlei(&["token", "revoke", "--db", db, "1"], dir.path());
    let (st, _, _) = http(
        &addr,
        "POST",
        "/api/v1/ingest",
        &[("authorization", &bearer)],
        "[]",
    );
    assert_eq!(
        st, 401,
        "revoked by the CLI, refused by the running server at once"
    );
    let tokens = fenlei(&["token", "list", "--db", db], dir.path());
    assert!(tokens.contains("revoked") && !tokens.contains(&secret));
    fenlei(&["user", "disable", "--db", db, "ops"], dir.path());
    assert!(
        fenlei(&["user", "list", "--db", db], dir.path())
            .lines()
            .any(|l| l.starts_with("ops ") && l.ends_with("disabled"))
    );
    stop(server);
}
