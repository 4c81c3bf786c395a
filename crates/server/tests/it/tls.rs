//! HTTPS without a proxy: the server with `tls_cert` and `tls_key` answers over TLS, marks its
//! session cookie `Secure`, serves nothing in clear text, survives a client that never
//! finishes its handshake, and records the settings it started with in the audit log.

use crate::fixture::{Fixture, PASSWORD};
use fenlei_server::ServerConfig;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

fn cert_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tls")
}

fn client() -> tokio_rustls::TlsConnector {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(cert_dir().join("localhost.pem")).expect("pem") {
        roots.add(c.expect("certificate")).expect("root");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// One HTTP/1.0 exchange over TLS; returns the raw response.
async fn https(addr: std::net::SocketAddr, request: String) -> String {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = rustls_pki_types::ServerName::try_from("localhost").expect("name");
    let mut s = client().connect(name, tcp).await.expect("handshake");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    // The server closes after an HTTP/1.0 response, sometimes without close_notify.
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_serves_with_secure_cookies_and_nothing_in_clear() {
    let dir = cert_dir();
    let f = Fixture::new(ServerConfig {
        tls_cert: Some(dir.join("localhost.pem")),
        tls_key: Some(dir.join("localhost-key.pem")),
        ..ServerConfig::default()
    });
    let config = &f.state.config;
    assert!(config.secure_cookies, "TLS turns Secure cookies on");
    let tls = fenlei_server::tls::server_config(
        config.tls_cert.as_deref().expect("cert"),
        config.tls_key.as_deref().expect("key"),
    )
    .expect("a TLS identity");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(fenlei_server::serve_tls(f.state.clone(), listener, tls));

    // A client that connects and never speaks holds up nobody.
    let _silent = tokio::net::TcpStream::connect(addr).await.expect("connect");

    let r = https(
        addr,
        "GET /healthz HTTP/1.0\r\nhost: localhost\r\n\r\n".into(),
    )
    .await;
    assert!(r.starts_with("HTTP/1.0 200"), "{r}");
    assert!(r.ends_with(r#"{"status":"ok"}"#), "{r}");

    let login = serde_json::json!({"name": "district", "password": PASSWORD}).to_string();
    let r = https(
        addr,
        format!(
            "POST /api/v1/login HTTP/1.0\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{login}",
            login.len()
        ),
    )
    .await;
    assert!(r.starts_with("HTTP/1.0 200"), "{r}");
    let cookie = r
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("set-cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");

    // Clear text on the TLS port gets no HTTP answer.
    let mut plain = tokio::net::TcpStream::connect(addr).await.expect("connect");
    plain
        .write_all(b"GET /healthz HTTP/1.0\r\nhost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut out = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        plain.read_to_end(&mut out),
    )
    .await;
    assert!(
        !String::from_utf8_lossy(&out).contains("200"),
        "served in clear text: {out:?}"
    );

    // The settings it started with are in the audit log.
    let log = f.state.accounts.audit_log(100).expect("audit log");
    let start = log
        .iter()
        .find(|e| e.action == "server.start")
        .expect("server.start recorded");
    assert!(start.detail.contains("tls_cert="), "{start:?}");
    assert!(start.detail.contains("localhost.pem"), "{start:?}");
    assert!(start.detail.contains("secure_cookies=true"), "{start:?}");
    server.abort();
}

#[test]
fn a_key_that_is_not_pem_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("key.pem");
    std::fs::write(&bad, "not a key").expect("write");
    let e = fenlei_server::tls::server_config(&cert_dir().join("localhost.pem"), &bad)
        .expect_err("refused");
    assert!(e.to_string().contains("key.pem"), "{e}");
    let e = fenlei_server::tls::server_config(&bad, &cert_dir().join("localhost-key.pem"))
        .expect_err("refused");
    assert!(e.to_string().contains("no certificate"), "{e}");
}
