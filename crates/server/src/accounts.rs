//! Accounts, sessions, device tokens and the audit log, in their own SQLite file
//! `<store>/server.sqlite` beside the event store.
//!
//! Passwords are argon2id hashes. Session ids and tokens are 256 random bits handed to the
//! client once and stored only as SHA-256 digests, so the database never holds a usable
//! secret. Live sessions and tokens are kept in memory once looked up, but every lookup first
//! asks SQLite whether another connection wrote since (`PRAGMA data_version`), and this one
//! drops them whenever it ends, disables or revokes anything: a disabled user or a revoked
//! token (also by the CLI, from another process) is refused from the next request on. The audit log is
//! append-only: triggers refuse to update or delete its rows.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Mutex;

/// The accounts file's name inside the store directory.
pub const FILE: &str = "server.sqlite";

/// How long a session lasts without a new login, seconds.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// City administration: everything, the audit log.
    CityAdmin,
    /// District office.
    District,
    /// Street office.
    Street,
    /// Community or estate staff, property managers.
    Community,
    /// Hauler: collection plans and pickups of its district.
    Hauler,
    /// Read-only observer.
    Observer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::CityAdmin,
        Role::District,
        Role::Street,
        Role::Community,
        Role::Hauler,
        Role::Observer,
    ];

    /// The stable key (`city_admin`, …).
    pub fn key(self) -> &'static str {
        match self {
            Role::CityAdmin => "city_admin",
            Role::District => "district",
            Role::Street => "street",
            Role::Community => "community",
            Role::Hauler => "hauler",
            Role::Observer => "observer",
        }
    }

    /// Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::CityAdmin => "市级管理员",
            Role::District => "区级",
            Role::Street => "街道",
            Role::Community => "社区/小区",
            Role::Hauler => "收运单位",
            Role::Observer => "观察员",
        }
    }

    /// The role of `key`.
    pub fn parse(key: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.key() == key)
            .ok_or_else(|| {
                format!(
                    "unknown role {key:?}; one of {}",
                    Role::ALL.map(Role::key).join(", ")
                )
            })
    }

    /// Whether the role may send events (ingest).
    pub fn may_ingest(self) -> bool {
        !matches!(self, Role::Observer)
    }

    /// Whether the role takes on and fixes rectification cases and handles station incidents
    /// (community and estate staff, property managers).
    pub fn handles(self) -> bool {
        self == Role::Community
    }

    /// Whether the role supervises rectification cases: verifies, sends back, escalates and
    /// closes them (street, district and city offices).
    pub fn supervises(self) -> bool {
        matches!(self, Role::Street | Role::District | Role::CityAdmin)
    }

    /// Whether the role sees the management pages of its scope (incidents, targets): everyone
    /// but haulers.
    pub fn sees_governance(self) -> bool {
        self != Role::Hauler
    }

    /// Whether the role sees households' green-account points (the offices and the estates'
    /// staff; not haulers or observers).
    pub fn sees_points(self) -> bool {
        self.handles() || self.supervises()
    }
}

/// A user as listed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Code of the unit the user is scoped to.
    pub scope: String,
    /// Disabled users cannot log in; their sessions are gone.
    pub disabled: bool,
}

/// A logged-in session, found by its cookie.
#[derive(Clone, Debug)]
pub struct Session {
    /// The user.
    pub user: User,
    /// The session's CSRF token (every POST must carry it).
    pub csrf: String,
}

/// A device or integration token as listed (never its secret).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Token {
    /// Id (for `revoke`).
    pub id: i64,
    /// Name given when issued.
    pub name: String,
    /// Code of the unit it may send events for.
    pub scope: String,
    /// When issued (Unix seconds).
    pub issued: i64,
    /// When revoked, if it was.
    pub revoked: Option<i64>,
}

/// One audit entry.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Sequence number.
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who: a user name, `token:<id>`, or `cli`.
    pub actor: String,
    /// What (`user.add`, `login`, `ingest`, …).
    pub action: String,
    /// Details.
    pub detail: String,
}

/// Failures of account operations.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// A user-facing refusal (unknown user, name taken, weak password, …).
    #[error("{0}")]
    Refused(String),
    /// The database failed.
    #[error("accounts database: {0}")]
    Db(#[from] rusqlite::Error),
}

/// The accounts database.
pub struct Accounts {
    conn: Mutex<Connection>,
    cache: Mutex<Cache>,
}

/// Live sessions and tokens already looked up, valid while no other connection has written to
/// the database (`PRAGMA data_version`) and this one has not ended, disabled or revoked
/// anything since.
#[derive(Default)]
struct Cache {
    version: i64,
    sessions: std::collections::HashMap<String, (Session, i64)>,
    tokens: std::collections::HashMap<String, Token>,
}

impl Cache {
    fn clear(&mut self) {
        self.sessions.clear();
        self.tokens.clear();
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// 32 random bytes as 64 hex digits.
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    hex(&b)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn new_salt() -> SaltString {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the operating system's random source");
    SaltString::encode_b64(&b).expect("16 bytes make a valid salt")
}

/// SHA-256 of a secret, hex: what the database stores.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name),
    csrf TEXT NOT NULL,
    expires INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    issued INTEGER NOT NULL,
    revoked INTEGER
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

fn role_of(s: String) -> rusqlite::Result<Role> {
    Role::parse(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

impl Accounts {
    /// Opens (creating if needed) `<dir>/server.sqlite`.
    pub fn open(dir: &Path) -> Result<Accounts, AccountError> {
        let conn = Connection::open(dir.join(FILE))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Accounts {
            conn: Mutex::new(conn),
            cache: Mutex::new(Cache::default()),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cache, emptied first if another connection (the CLI) wrote to the database.
    fn fresh_cache(
        &self,
        conn: &Connection,
    ) -> Result<std::sync::MutexGuard<'_, Cache>, AccountError> {
        let version: i64 = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.version != version || cache.sessions.len() + cache.tokens.len() > 100_000 {
            cache.clear();
            cache.version = version;
        }
        Ok(cache)
    }

    fn forget(&self) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Appends to the audit log.
    pub fn audit(&self, actor: &str, action: &str, detail: &str) -> Result<(), AccountError> {
        self.conn().execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
            params![now(), actor, action, detail],
        )?;
        Ok(())
    }

    /// The last `limit` audit entries, newest first.
    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, AccountError> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT seq, at, actor, action, detail FROM audit ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = st
            .query_map([limit], |r| {
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    detail: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Adds a user (the caller has checked that `scope` names a unit fitting the role).
    pub fn add_user(
        &self,
        actor: &str,
        name: &str,
        password: &str,
        role: Role,
        scope: &str,
    ) -> Result<(), AccountError> {
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_whitespace) {
            return Err(AccountError::Refused(
                "a user name is 1 to 64 characters without spaces".into(),
            ));
        }
        if password.chars().count() < 10 {
            return Err(AccountError::Refused(
                "a password has at least 10 characters".into(),
            ));
        }
        let salt = new_salt();
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| AccountError::Refused(format!("hashing the password: {e}")))?
            .to_string();
        let conn = self.conn();
        let taken: bool = conn
            .query_row("SELECT 1 FROM users WHERE name = ?1", [name], |_| Ok(()))
            .optional()?
            .is_some();
        if taken {
            return Err(AccountError::Refused(format!("user {name} exists already")));
        }
        conn.execute(
            "INSERT INTO users (name, hash, role, scope, created) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![name, hash, role.key(), scope, now()],
        )?;
        conn.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, 'user.add', ?3)",
            params![
                now(),
                actor,
                format!("{name} role {} scope {scope}", role.key())
            ],
        )?;
        Ok(())
    }

    /// Every user.
    pub fn users(&self) -> Result<Vec<User>, AccountError> {
        let conn = self.conn();
        let mut st = conn.prepare("SELECT name, role, scope, disabled FROM users ORDER BY name")?;
        let rows = st
            .query_map([], |r| {
                Ok(User {
                    name: r.get(0)?,
                    role: role_of(r.get(1)?)?,
                    scope: r.get(2)?,
                    disabled: r.get::<_, i64>(3)? != 0,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Disables a user and ends all their sessions.
    pub fn disable_user(&self, actor: &str, name: &str) -> Result<(), AccountError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute("UPDATE users SET disabled = 1 WHERE name = ?1", [name])?;
        if n == 0 {
            return Err(AccountError::Refused(format!("no user {name}")));
        }
        tx.execute("DELETE FROM sessions WHERE user = ?1", [name])?;
        tx.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, 'user.disable', ?3)",
            params![now(), actor, name],
        )?;
        tx.commit()?;
        self.forget();
        Ok(())
    }

    /// Checks a password. `Ok(None)`: unknown user, disabled, or wrong password (the same
    /// answer for all three). The hash is verified even for an unknown user, so timing does not
    /// tell which names exist.
    pub fn check_password(&self, name: &str, password: &str) -> Result<Option<User>, AccountError> {
        let row: Option<(String, String, String, i64)> = self
            .conn()
            .query_row(
                "SELECT hash, role, scope, disabled FROM users WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        // A hash of a random password, to spend the same time on unknown names.
        static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let dummy = DUMMY.get_or_init(|| {
            let salt = new_salt();
            Argon2::default()
                .hash_password(random_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        });
        let hash = row.as_ref().map_or(dummy.as_str(), |r| r.0.as_str());
        let parsed = PasswordHash::new(hash)
            .map_err(|e| AccountError::Refused(format!("stored password hash: {e}")))?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        match row {
            Some((_, role, scope, 0)) if ok => Ok(Some(User {
                name: name.to_owned(),
                role: role_of(role)?,
                scope,
                disabled: false,
            })),
            _ => Ok(None),
        }
    }

    /// Starts a session for `user`: returns the cookie value (shown once) and its CSRF token.
    pub fn start_session(&self, user: &str) -> Result<(String, String), AccountError> {
        let id = random_secret();
        let csrf = random_secret();
        let conn = self.conn();
        conn.execute("DELETE FROM sessions WHERE expires < ?1", [now()])?;
        conn.execute(
            "INSERT INTO sessions (digest, user, csrf, expires) VALUES (?1, ?2, ?3, ?4)",
            params![digest(&id), user, csrf, now() + SESSION_SECONDS],
        )?;
        Ok((id, csrf))
    }

    /// The live session of a cookie value, if any (its user enabled).
    pub fn session(&self, cookie: &str) -> Result<Option<Session>, AccountError> {
        let key = digest(cookie);
        let conn = self.conn();
        let mut cache = self.fresh_cache(&conn)?;
        if let Some((s, expires)) = cache.sessions.get(&key)
            && *expires >= now()
        {
            return Ok(Some(s.clone()));
        }
        let found = conn
            .prepare_cached(
                "SELECT u.name, u.role, u.scope, s.csrf, s.expires FROM sessions s JOIN users u ON u.name = s.user
                 WHERE s.digest = ?1 AND s.expires >= ?2 AND u.disabled = 0",
            )?
            .query_row(params![key, now()], |r| {
                Ok((
                    Session {
                        user: User {
                            name: r.get(0)?,
                            role: role_of(r.get(1)?)?,
                            scope: r.get(2)?,
                            disabled: false,
                        },
                        csrf: r.get(3)?,
                    },
                    r.get::<_, i64>(4)?,
                ))
            })
            .optional()?;
        Ok(found.map(|(s, expires)| {
            cache.sessions.insert(key, (s.clone(), expires));
            s
        }))
    }

    /// Ends a session.
    pub fn end_session(&self, cookie: &str) -> Result<(), AccountError> {
        self.conn()
            .execute("DELETE FROM sessions WHERE digest = ?1", [digest(cookie)])?;
        self.forget();
        Ok(())
    }

    /// Issues a device or integration token for sending events within `scope`; returns its id
    /// and the secret (shown once).
    pub fn issue_token(
        &self,
        actor: &str,
        name: &str,
        scope: &str,
    ) -> Result<(i64, String), AccountError> {
        let secret = format!("flt_{}", random_secret());
        let conn = self.conn();
        conn.execute(
            "INSERT INTO tokens (name, digest, scope, issued) VALUES (?1, ?2, ?3, ?4)",
            params![name, digest(&secret), scope, now()],
        )?;
        let id = conn.last_insert_rowid();
        conn.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, 'token.issue', ?3)",
            params![now(), actor, format!("token {id} {name} scope {scope}")],
        )?;
        Ok((id, secret))
    }

    /// Revokes a token at once.
    pub fn revoke_token(&self, actor: &str, id: i64) -> Result<(), AccountError> {
        let conn = self.conn();
        let n = conn.execute(
            "UPDATE tokens SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL",
            params![id, now()],
        )?;
        if n == 0 {
            return Err(AccountError::Refused(format!(
                "no live token {id} (unknown or revoked already)"
            )));
        }
        conn.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, 'token.revoke', ?3)",
            params![now(), actor, format!("token {id}")],
        )?;
        self.forget();
        Ok(())
    }

    /// Every token, never their secrets.
    pub fn tokens(&self) -> Result<Vec<Token>, AccountError> {
        let conn = self.conn();
        let mut st =
            conn.prepare("SELECT id, name, scope, issued, revoked FROM tokens ORDER BY id")?;
        let rows = st
            .query_map([], |r| {
                Ok(Token {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    scope: r.get(2)?,
                    issued: r.get(3)?,
                    revoked: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The live token of a bearer secret, if any.
    pub fn token(&self, secret: &str) -> Result<Option<Token>, AccountError> {
        let key = digest(secret);
        let conn = self.conn();
        let mut cache = self.fresh_cache(&conn)?;
        if let Some(t) = cache.tokens.get(&key) {
            return Ok(Some(t.clone()));
        }
        let found = conn
            .prepare_cached(
                "SELECT id, name, scope, issued, revoked FROM tokens
                 WHERE digest = ?1 AND revoked IS NULL",
            )?
            .query_row([&key], |r| {
                Ok(Token {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    scope: r.get(2)?,
                    issued: r.get(3)?,
                    revoked: r.get(4)?,
                })
            })
            .optional()?;
        if let Some(t) = &found {
            cache.tokens.insert(key, t.clone());
        }
        Ok(found)
    }
}
