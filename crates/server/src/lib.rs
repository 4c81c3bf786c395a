//! `fenlei serve`: the HTTP API (`/api/v1`, OpenAPI at `/api/v1/openapi.json`) and the web
//! dashboard, on the embedded store, with accounts, roles and unit scopes.
//!
//! Modules: [`backend`] (the store behind a trait), [`accounts`] (users, sessions, tokens,
//! audit log in `<store>/server.sqlite`), [`auth`] (who is calling, scope checks, CSRF, login
//! rate limit), [`api`] (JSON handlers), [`cases`] (a rectification case and its actions), [`incidents`] (station incidents, acknowledged and handled), [`points`] (green-account balances, ledgers, redemption), [`targets`] (targets and projections of a subtree), [`pages`] (the dashboard, server-rendered with maud), [`govpages`] (management pages with actions),
//! [`export`] (CSV and xlsx of every table), [`telemetry`] (Prometheus `/metrics`, ingest
//! health), [`loadgen`] (the ingest benchmark's client), [`config`] (TOML and environment), [`error`] (the one error shape).
//!
//! Every handler that touches the store runs it in `spawn_blocking`. Scope: a user sees the
//! unit they are scoped to and everything below it; anything else answers 404, exactly as
//! for a unit that does not exist.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod backend;
pub mod cases;
pub mod config;
pub mod error;
pub mod export;
pub mod govpages;
pub mod incidents;
pub mod lists;
pub mod loadgen;
pub mod pages;
pub mod points;
pub mod targets;
pub mod telemetry;
pub mod tls;

use accounts::Accounts;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use backend::Backend;
use fenlei_domain::{CityModel, Level, UnitId};
use std::collections::HashMap;
use std::sync::Arc;
use telemetry::Telemetry;

pub use config::ServerConfig;

/// Code → unit and unit → children, built once from the city model.
pub struct UnitIndex {
    by_code: HashMap<String, UnitId>,
    children: Vec<Vec<UnitId>>,
}

impl UnitIndex {
    /// Indexes `model`.
    pub fn new(model: &CityModel) -> UnitIndex {
        let mut children = vec![Vec::new(); model.units.len()];
        let mut by_code = HashMap::with_capacity(model.units.len());
        for u in &model.units {
            by_code.insert(u.code.clone(), u.id);
            if let Some(p) = u.parent {
                children[p.0 as usize].push(u.id);
            }
        }
        UnitIndex { by_code, children }
    }

    /// The unit of `code`.
    pub fn get(&self, code: &str) -> Option<UnitId> {
        self.by_code.get(code).copied()
    }

    /// The children of `unit`, in id order.
    pub fn children(&self, unit: UnitId) -> &[UnitId] {
        &self.children[unit.0 as usize]
    }
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub backend: Arc<dyn Backend>,
    /// Accounts, sessions, tokens, audit log.
    pub accounts: Arc<Accounts>,
    /// Counters.
    pub telemetry: Arc<Telemetry>,
    /// Units by code, children.
    pub units: Arc<UnitIndex>,
    /// Failed logins.
    pub limiter: Arc<auth::LoginLimiter>,
    /// Settings.
    pub config: Arc<ServerConfig>,
}

impl AppState {
    /// State over `backend` and `accounts`.
    pub fn new(backend: Arc<dyn Backend>, accounts: Accounts, config: ServerConfig) -> AppState {
        let units = Arc::new(UnitIndex::new(backend.model()));
        AppState {
            backend,
            accounts: Arc::new(accounts),
            telemetry: Arc::new(Telemetry::default()),
            units,
            limiter: Arc::new(auth::LoginLimiter::default()),
            config: Arc::new(config),
        }
    }

    /// The city model.
    pub fn model(&self) -> &CityModel {
        self.backend.model()
    }

    /// Whether `unit` is `scope` or lies below it.
    pub fn in_scope(&self, scope: UnitId, unit: UnitId) -> bool {
        self.model().ancestors(unit).any(|a| a == scope)
    }
}

/// Checks that `code` names a unit that fits `role` (a city admin the city, a district office a
/// district, …); returns it. For `fenlei user add` and the demo.
pub fn scope_fits(model: &CityModel, role: accounts::Role, code: &str) -> Result<UnitId, String> {
    let unit = model
        .units
        .iter()
        .find(|u| u.code == code)
        .ok_or_else(|| format!("no unit {code} in this store"))?;
    let level = unit.level;
    let fits = match role {
        accounts::Role::CityAdmin => level == Level::City,
        accounts::Role::District => level == Level::District,
        accounts::Role::Street => level == Level::Street,
        accounts::Role::Community => matches!(level, Level::Community | Level::Estate),
        accounts::Role::Hauler => matches!(level, Level::City | Level::District),
        accounts::Role::Observer => level != Level::Point,
    };
    if fits {
        Ok(unit.id)
    } else {
        Err(format!(
            "role {} cannot be scoped to a {} ({code})",
            role.key(),
            level.key()
        ))
    }
}

/// Counts every request by its route pattern (never the raw path: no unbounded labels).
async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let t = std::time::Instant::now();
    let res = next.run(req).await;
    state
        .telemetry
        .request(&route, res.status().as_u16(), t.elapsed().as_secs_f64());
    res
}

/// The whole application: API, dashboard, health and metrics.
pub fn router(state: AppState) -> Router {
    let limit = state.config.body_limit_bytes;
    Router::new()
        .merge(api::routes())
        .merge(cases::routes())
        .merge(incidents::routes())
        .merge(points::routes())
        .merge(targets::routes())
        .merge(lists::routes())
        .merge(pages::routes())
        .merge(govpages::routes())
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// Opens the store and the accounts in `config.db` and builds the state. With TLS on, the
/// session cookies are `Secure`. The settings in force are recorded in the audit log
/// (`server.start`), so a change of configuration shows there.
pub fn open(mut config: ServerConfig) -> anyhow::Result<AppState> {
    config.secure_cookies |= config.tls_cert.is_some();
    anyhow::ensure!(
        fenlei_store::EmbeddedStore::exists(&config.db),
        "{} holds no fenlei store (create one with `fenlei init` or `fenlei demo --no-serve`)",
        config.db.display()
    );
    let backend = backend::Embedded::open(&config.db, config.readers, config.cache_reports)?;
    let accounts = Accounts::open(&config.db)?;
    accounts.audit("fenlei serve", "server.start", &config.summary())?;
    Ok(AppState::new(Arc::new(backend), accounts, config))
}

/// Serves `state` on `listener` until Ctrl-C or SIGTERM, then finishes the requests under way.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    serve_on(state, listener).await
}

/// [`serve`] over TLS: every connection's handshake first (see [`tls`]).
pub async fn serve_tls(
    state: AppState,
    listener: tokio::net::TcpListener,
    tls: Arc<tokio_rustls::rustls::ServerConfig>,
) -> anyhow::Result<()> {
    serve_on(state, tls::TlsListener::new(listener, tls)?).await
}

async fn serve_on<L>(state: AppState, listener: L) -> anyhow::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
{
    // Load the deduplication index now rather than in the first ingest request (seconds for a
    // year of a district); reads are served meanwhile, ingest waits for it.
    let backend = state.backend.clone();
    tokio::task::spawn_blocking(move || {
        let t = std::time::Instant::now();
        match backend.warm_up() {
            Ok(()) => tracing::info!(seconds = t.elapsed().as_secs_f64(), "ready for ingest"),
            Err(e) => tracing::error!(error = %e, "loading the deduplication index"),
        }
    });
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    // `tap_io` lends any listener axum's peer-address plumbing (`ConnectInfo`).
    axum::serve(axum::serve::ListenerExt::tap_io(listener, |_| {}), app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests under way");
}

/// Runs the server (blocking): logs, runtime, bind, serve. `ready` is called with the bound
/// address before the first request is accepted.
pub fn run(config: ServerConfig, ready: impl FnOnce(std::net::SocketAddr)) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FENLEI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let addr = config.addr.clone();
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        (None, None) => None,
        _ => anyhow::bail!("TLS needs both tls_cert and tls_key"),
    };
    let state = open(config)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
        let bound = listener.local_addr()?;
        tracing::info!(%bound, "listening");
        ready(bound);
        match tls {
            Some(tls) => serve_tls(state, listener, tls).await,
            None => serve(state, listener).await,
        }
    })
}
