//! Server settings: a TOML file (`--config fenlei.toml`), overridden by flags and environment
//! variables (`FENLEI_ADDR`, `FENLEI_DB`, read by the CLI).

use std::path::{Path, PathBuf};

/// Settings of `fenlei serve`.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub addr: String,
    /// The store directory.
    pub db: PathBuf,
    /// Mark cookies `Secure` (set it when a TLS proxy serves the site; on with `tls_cert`).
    pub secure_cookies: bool,
    /// Serve HTTPS with this certificate chain (PEM); needs `tls_key`.
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// Largest request body accepted, bytes.
    pub body_limit_bytes: usize,
    /// Read handles of the store for queries.
    pub readers: usize,
    /// Failed logins for one name before further attempts are refused for a while.
    pub login_free_failures: u32,
    /// Keep computed reports until the next ingest stores something (off: compute every
    /// request, for benchmarks of the uncached path).
    pub cache_reports: bool,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            addr: "127.0.0.1:8080".into(),
            db: PathBuf::from("fenlei-demo"),
            secure_cookies: false,
            tls_cert: None,
            tls_key: None,
            body_limit_bytes: 64 << 20,
            readers: 2,
            login_free_failures: 5,
            cache_reports: true,
        }
    }
}

impl ServerConfig {
    /// The settings in one line, for the audit log (paths, not contents: no secrets).
    pub fn summary(&self) -> String {
        let path = |p: &Option<PathBuf>| p.as_ref().map_or("-".into(), |p| p.display().to_string());
        format!(
            "addr={} db={} tls_cert={} tls_key={} secure_cookies={} body_limit_bytes={} readers={} login_free_failures={} cache_reports={}",
            self.addr,
            self.db.display(),
            path(&self.tls_cert),
            path(&self.tls_key),
            self.secure_cookies,
            self.body_limit_bytes,
            self.readers,
            self.login_free_failures,
            self.cache_reports
        )
    }

    /// `https` when the server speaks TLS itself, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls_cert.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Reads a TOML file.
    pub fn load(path: &Path) -> anyhow::Result<ServerConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::ServerConfig;

    #[test]
    fn a_file_sets_what_it_names_and_refuses_what_it_does_not_know() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fenlei.toml");
        std::fs::write(&path, "addr = \"0.0.0.0:9000\"\nsecure_cookies = true\n").expect("write");
        let c = ServerConfig::load(&path).expect("config");
        assert_eq!(c.addr, "0.0.0.0:9000");
        assert!(c.secure_cookies);
        assert_eq!(c.readers, ServerConfig::default().readers);
        std::fs::write(&path, "adress = \"x\"\n").expect("write");
        let e = ServerConfig::load(&path).expect_err("unknown key");
        assert!(e.to_string().contains("adress"), "{e}");
    }
}
