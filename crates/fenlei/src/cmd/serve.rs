//! `fenlei serve`: the HTTP API and the dashboard on a store (the server itself lives in the
//! `fenlei-server` crate).

use fenlei_server::ServerConfig;
use std::path::PathBuf;

/// Arguments of `fenlei serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Store directory (default: the config file's `db`, else fenlei-demo).
    #[arg(long, env = "FENLEI_DB")]
    pub db: Option<PathBuf>,
    /// Settings file (TOML: addr, db, secure_cookies, tls_cert, tls_key, body_limit_bytes,
    /// readers, login_free_failures); flags and environment variables override it.
    #[arg(long, env = "FENLEI_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    #[arg(long, env = "FENLEI_ADDR")]
    pub addr: Option<String>,
    /// Mark cookies Secure (when a TLS proxy serves the site).
    #[arg(long, env = "FENLEI_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Serve HTTPS with this certificate chain (PEM file); needs --tls-key.
    #[arg(long, env = "FENLEI_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM file).
    #[arg(long, env = "FENLEI_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// The settings of `args`: the file, then flags and environment.
pub fn config(args: &ServeArgs) -> anyhow::Result<ServerConfig> {
    let mut c = match &args.config {
        Some(p) => ServerConfig::load(p)?,
        None => ServerConfig::default(),
    };
    if let Some(db) = &args.db {
        c.db.clone_from(db);
    }
    if let Some(addr) = &args.addr {
        c.addr.clone_from(addr);
    }
    c.secure_cookies |= args.secure_cookies;
    if args.tls_cert.is_some() {
        c.tls_cert.clone_from(&args.tls_cert);
        c.tls_key.clone_from(&args.tls_key);
    }
    Ok(c)
}

/// Runs `fenlei serve` until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let c = config(&args)?;
    let db = c.db.clone();
    let scheme = c.scheme();
    fenlei_server::run(c, |addr| {
        println!(
            "fenlei serve: {} on {scheme}://{addr}/ (Ctrl-C stops)",
            db.display()
        );
    })
}
