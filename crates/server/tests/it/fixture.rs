//! A tiny simulated store with one user per role, and helpers to call the app in process.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use fenlei_app::progress::Silent;
use fenlei_app::simulate;
use fenlei_domain::{Day, Level};
use fenlei_server::accounts::Role;
use fenlei_server::{AppState, ServerConfig};
use fenlei_sim::{Preset, SimConfig};
use tower::ServiceExt;

/// The first simulated day.
pub const START: &str = "2026-05-10";
/// Days simulated.
pub const DAYS: u32 = 3;
/// Every user's password.
pub const PASSWORD: &str = "correct horse battery";

/// A store, the app on it, and the codes of the units users are scoped to.
pub struct Fixture {
    /// Keeps the store alive.
    pub dir: tempfile::TempDir,
    /// The state (store, accounts).
    pub state: AppState,
    /// City, district, street codes.
    pub city: String,
    /// The district.
    pub district: String,
    /// The street.
    pub street: String,
    /// The two communities.
    pub communities: [String; 2],
    /// An estate of each community.
    pub estates: [String; 2],
}

pub fn day(s: &str) -> Day {
    Day::parse(s).expect("date")
}

/// The user name of each role in the fixture.
pub fn user_of(role: Role) -> &'static str {
    role.key()
}

impl Fixture {
    /// Simulates the tiny city for [`DAYS`] days and adds one user per role.
    pub fn new(config: ServerConfig) -> Fixture {
        Fixture::build(config, false, false)
    }

    /// [`Fixture::new`] with every simulated day's green-account points posted.
    pub fn with_points(config: ServerConfig) -> Fixture {
        Fixture::build(config, false, true)
    }

    /// [`Fixture::new`] with a stored kitchen-waste collection plan.
    pub fn with_plan(config: ServerConfig) -> Fixture {
        Fixture::build(config, true, false)
    }

    fn build(config: ServerConfig, with_plan: bool, with_points: bool) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("db");
        let world = simulate::world(Preset::Tiny, 7);
        let mut store = simulate::create_store(&db, &world).expect("store");
        simulate::simulate_into(
            &mut store,
            &world,
            SimConfig {
                start: day(START),
                days: DAYS,
            },
            &mut Silent,
        )
        .expect("simulate");
        if with_plan {
            let district = store
                .model()
                .at_level(Level::District)
                .next()
                .expect("district")
                .id;
            let req = fenlei_app::plan::PlanRequest {
                district,
                category: fenlei_domain::Category::Kitchen,
                day: day(START).plus(DAYS as i32),
                lookback_days: DAYS,
                time_limit: std::time::Duration::from_secs(10),
                iterations: Some(100),
                seed: 1,
                threads: 1,
            };
            fenlei_app::plan::plan(&mut store, &req, &mut Silent).expect("plan");
        }
        if with_points {
            let mut gov = fenlei_app::govern::open(&db).expect("governance");
            let rules = fenlei_app::govern::points::rules(&store, None).expect("rules");
            fenlei_app::govern::points::post(
                &store,
                &mut gov,
                &rules,
                &[],
                fenlei_domain::Timestamp::now(),
            )
            .expect("points");
        }
        let m = store.model();
        let code = |l: Level, i: usize| m.at_level(l).nth(i).expect("unit").code.clone();
        let communities = [code(Level::Community, 0), code(Level::Community, 1)];
        let estate_of = |c: &str| {
            let cid = m.units.iter().find(|u| u.code == c).expect("community").id;
            m.at_level(Level::Estate)
                .find(|u| u.parent == Some(cid))
                .expect("estate")
                .code
                .clone()
        };
        let estates = [estate_of(&communities[0]), estate_of(&communities[1])];
        let (city, district, street) = (
            code(Level::City, 0),
            code(Level::District, 0),
            code(Level::Street, 0),
        );
        drop(store);
        let state = fenlei_server::open(ServerConfig { db, ..config }).expect("open");
        let f = Fixture {
            dir,
            state,
            city,
            district,
            street,
            communities,
            estates,
        };
        for role in Role::ALL {
            let scope = match role {
                Role::CityAdmin => &f.city,
                Role::District | Role::Hauler => &f.district,
                Role::Street => &f.street,
                Role::Community | Role::Observer => &f.communities[0],
            };
            f.state
                .accounts
                .add_user("test", user_of(role), PASSWORD, role, scope)
                .expect("user");
        }
        f
    }

    /// The app.
    pub fn app(&self) -> Router {
        fenlei_server::router(self.state.clone())
    }

    /// Sends `req`; returns status, headers and body.
    pub async fn call(&self, req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let res = self.app().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, headers, body.to_vec())
    }

    /// GET `uri` with a session cookie (or none).
    pub async fn get(&self, uri: &str, session: Option<&Session>) -> (StatusCode, Vec<u8>) {
        let mut b = Request::get(uri);
        if let Some(s) = session {
            b = b.header("cookie", format!("fenlei_session={}", s.cookie));
        }
        let (s, _, body) = self.call(b.body(Body::empty()).expect("request")).await;
        (s, body)
    }

    /// GET `uri` and parse JSON, asserting `status`.
    pub async fn get_json(
        &self,
        uri: &str,
        session: Option<&Session>,
        status: StatusCode,
    ) -> serde_json::Value {
        let (s, body) = self.get(uri, session).await;
        assert_eq!(s, status, "{uri}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {}", String::from_utf8_lossy(&body)))
    }

    /// Logs in as `name`.
    pub async fn login(&self, name: &str) -> Session {
        let (status, body) = self.try_login(name, PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&body.1)
        );
        body.0.expect("session")
    }

    /// Tries to log in; returns the status and the session if one started.
    pub async fn try_login(
        &self,
        name: &str,
        password: &str,
    ) -> (StatusCode, (Option<Session>, Vec<u8>)) {
        let req = Request::post("/api/v1/login")
            .header("content-type", "application/json")
            .body(Body::from(
                serde_json::json!({"name": name, "password": password}).to_string(),
            ))
            .expect("request");
        let (status, headers, body) = self.call(req).await;
        if status != StatusCode::OK {
            return (status, (None, body));
        }
        let cookie = headers
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .expect("set-cookie")
            .to_owned();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let value = cookie
            .strip_prefix("fenlei_session=")
            .and_then(|c| c.split(';').next())
            .expect("cookie value")
            .to_owned();
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        let csrf = json["csrf"].as_str().expect("csrf").to_owned();
        (
            status,
            (
                Some(Session {
                    cookie: value,
                    csrf,
                }),
                body,
            ),
        )
    }

    /// POSTs `body` to `uri` with a session (and its CSRF header when `csrf`) or a bearer token.
    pub async fn post(
        &self,
        uri: &str,
        auth: Auth<'_>,
        body: impl Into<Body>,
    ) -> (StatusCode, Vec<u8>) {
        let mut b = Request::post(uri).header("content-type", "application/json");
        match auth {
            Auth::None => {}
            Auth::Session(s, csrf) => {
                b = b.header("cookie", format!("fenlei_session={}", s.cookie));
                if csrf {
                    b = b.header("x-csrf-token", &s.csrf);
                }
            }
            Auth::Bearer(t) => b = b.header("authorization", format!("Bearer {t}")),
        }
        let (s, _, body) = self.call(b.body(body.into()).expect("request")).await;
        (s, body)
    }
}

/// How a POST authenticates.
pub enum Auth<'a> {
    /// Not at all.
    None,
    /// A session, with or without its CSRF header.
    Session(&'a Session, bool),
    /// A bearer token.
    Bearer(&'a str),
}

/// A logged-in session.
#[derive(Clone, Debug)]
pub struct Session {
    /// Cookie value.
    pub cookie: String,
    /// CSRF token.
    pub csrf: String,
}

/// Asserts the one error shape with `code`.
pub fn assert_error(body: &[u8], code: &str) {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "error body not JSON ({e}): {}",
            String::from_utf8_lossy(body)
        )
    });
    assert_eq!(v["code"], code, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert_eq!(
        v.as_object().map(|o| o.len()),
        Some(2),
        "only code and message: {v}"
    );
}
