//! Who is calling and what they may see: session cookies, bearer tokens, unit scopes, CSRF
//! tokens, and the login rate limit.

use crate::AppState;
use crate::accounts::{Role, Session, Token, same};
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use fenlei_domain::UnitId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "fenlei_session";
/// The login form's double-submit cookie (CSRF before a session exists).
pub const LOGIN_COOKIE: &str = "fenlei_login";
/// The header carrying the CSRF token on API POSTs made with a session.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure when configured.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// A logged-in user with a resolved scope.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// The session (user, CSRF token).
    pub session: Session,
    /// The unit the user sees (and everything below).
    pub scope: UnitId,
    /// The session cookie (for logout).
    pub cookie: String,
}

impl Viewer {
    /// The user's role.
    pub fn role(&self) -> Role {
        self.session.user.role
    }

    /// Checks the CSRF token sent with a POST.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), ApiError> {
        match sent {
            Some(t) if same(t, &self.session.csrf) => Ok(()),
            _ => Err(ApiError::forbidden(
                "missing or wrong CSRF token: reload the page and try again",
            )),
        }
    }
}

/// The viewer of a request, if its session cookie is live.
pub fn viewer_of(state: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, ApiError> {
    let Some(cookie) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = state.accounts.session(cookie).map_err(ApiError::internal)? else {
        return Ok(None);
    };
    let scope = state
        .units
        .get(&session.user.scope)
        .ok_or_else(|| ApiError::forbidden("your scope names a unit this store does not hold"))?;
    Ok(Some(Viewer {
        session,
        scope,
        cookie: cookie.to_owned(),
    }))
}

/// The live token named by an `Authorization: Bearer …` header; `None` without the header,
/// unauthorized when the header is malformed or the token unknown or revoked.
pub fn bearer_token(state: &AppState, headers: &HeaderMap) -> Result<Option<Token>, ApiError> {
    let Some(h) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let secret = h
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(ApiError::unauthorized)?;
    state
        .accounts
        .token(secret.trim())
        .map_err(ApiError::internal)?
        .ok_or_else(ApiError::unauthorized)
        .map(Some)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, ApiError> {
        viewer_of(state, &parts.headers)?.ok_or_else(ApiError::unauthorized)
    }
}

/// Who sends events: a user (session + CSRF) or a device token.
#[derive(Clone, Debug)]
pub enum Sender {
    /// A logged-in user whose role may ingest.
    User(Viewer),
    /// A device or integration token.
    Device(Token, UnitId),
}

impl Sender {
    /// The unit the sender may report for.
    pub fn scope(&self) -> UnitId {
        match self {
            Sender::User(v) => v.scope,
            Sender::Device(_, u) => *u,
        }
    }

    /// Who, for the audit log.
    pub fn actor(&self) -> String {
        match self {
            Sender::User(v) => v.session.user.name.clone(),
            Sender::Device(t, _) => format!("token:{}", t.id),
        }
    }
}

impl FromRequestParts<AppState> for Sender {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Sender, ApiError> {
        if let Some(token) = bearer_token(state, &parts.headers)? {
            let scope = state.units.get(&token.scope).ok_or_else(|| {
                ApiError::forbidden("the token's scope names a unit this store does not hold")
            })?;
            return Ok(Sender::Device(token, scope));
        }
        let viewer = Viewer::from_request_parts(parts, state).await?;
        viewer.check_csrf(parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()))?;
        if !viewer.role().may_ingest() {
            return Err(ApiError::forbidden(format!(
                "role {} may not send events",
                viewer.role().key()
            )));
        }
        Ok(Sender::User(viewer))
    }
}

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Failed logins per name and per client address. After `free` failures in a row, further
/// attempts (right or wrong) are refused with 429 until a delay has passed that doubles with
/// every further failure (1 s, 2 s, 4 s, … up to 15 minutes). A success clears the name.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Failures>>,
}

/// Clients (by address) may fail this many times more than one name before being slowed.
const ADDRESS_FACTOR: u32 = 4;

impl LoginLimiter {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait_of(f: Failures, free: u32) -> Option<Duration> {
        if f.count < free {
            return None;
        }
        let delay =
            Duration::from_secs(1u64 << (f.count - free).min(10)).min(Duration::from_secs(900));
        let passed = f.last.elapsed();
        (passed < delay).then(|| delay - passed)
    }

    /// How long `name` (from `addr`) must still wait, if at all.
    pub fn wait(&self, name: &str, addr: Option<&str>, free: u32) -> Option<Duration> {
        let map = self.map();
        let by_name = map
            .get(&format!("n:{name}"))
            .and_then(|&f| Self::wait_of(f, free));
        let by_addr = addr
            .and_then(|a| map.get(&format!("a:{a}")))
            .and_then(|&f| Self::wait_of(f, free * ADDRESS_FACTOR));
        by_name.max(by_addr)
    }

    /// Records a failed login.
    pub fn failed(&self, name: &str, addr: Option<&str>) {
        let mut map = self.map();
        let now = Instant::now();
        let keys = [Some(format!("n:{name}")), addr.map(|a| format!("a:{a}"))];
        for k in keys.into_iter().flatten() {
            let f = map.entry(k).or_insert(Failures {
                count: 0,
                last: now,
            });
            f.count += 1;
            f.last = now;
        }
        if map.len() > 100_000 {
            map.retain(|_, f| f.last.elapsed() < Duration::from_secs(900));
        }
    }

    /// Records a successful login: the name's failures are forgotten.
    pub fn succeeded(&self, name: &str) {
        self.map().remove(&format!("n:{name}"));
    }
}
