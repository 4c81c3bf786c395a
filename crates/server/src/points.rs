//! Green-account points over HTTP: an estate's households with their balances, one
//! household's ledger history with the running balance, and redemption by the estate's staff.
//!
//! The ledger is `fenlei_governance::points` (double entry; a household's account never goes
//! negative, so a second spending of the same points is refused; a redemption's key makes a
//! retry count once), wired by `fenlei_app::govern::points` as `fenlei points` uses it. The
//! offices and the estates' staff see points ([`Role::sees_points`]); only the staff redeem
//! ([`Role::handles`]). A household outside the caller's scope answers 404, as one that does
//! not exist. Every redemption is in the audit log.
//!
//! [`Role::sees_points`]: crate::accounts::Role::sees_points
//! [`Role::handles`]: crate::accounts::Role::handles

use crate::AppState;
use crate::api::{self, FormatQuery, P, Q, blocking};
use crate::auth::{self, Viewer};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::export::Table;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use fenlei_app::govern::points::{self as app, HistoryLine, RedeemError};
use fenlei_domain::{Level, Timestamp, UnitId};
use fenlei_governance::points::ledger::{Applied, LedgerError};

/// The points routes of the API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/estates/{code}/accounts", get(accounts_json))
        .route("/api/v1/households/{code}/ledger", get(ledger_json))
        .route("/api/v1/households/{code}/redeem", post(redeem_json))
}

/// Refuses roles that do not see points.
pub fn may_see(viewer: &Viewer) -> ApiResult<()> {
    if viewer.role().sees_points() {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "role {} does not see households' points",
            viewer.role().key()
        )))
    }
}

/// A household's balance.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AccountRow {
    /// Household code.
    pub household: String,
    /// Points held.
    pub balance: i64,
}

/// The balances of an estate's households.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EstateAccounts {
    /// Estate code.
    pub estate: String,
    /// Points held by its households in all.
    pub total: i64,
    /// Each household, in register order.
    pub households: Vec<AccountRow>,
}

/// The balances of the households of `estate`.
pub async fn estate_accounts(state: &AppState, estate: UnitId) -> ApiResult<EstateAccounts> {
    let st = state.clone();
    blocking(move || {
        let registry = st.backend.registry();
        let households = app::households_of(&registry, estate);
        let gov = fenlei_app::govern::open(&st.config.db)?;
        let balances = app::balances(&gov, &households)?;
        Ok(EstateAccounts {
            estate: st.model().unit(estate).code.clone(),
            total: balances.iter().sum(),
            households: households
                .into_iter()
                .zip(balances)
                .map(|(household, balance)| AccountRow { household, balance })
                .collect(),
        })
    })
    .await
}

/// Resolves an estate for `viewer`: 404 outside the scope, 400 for a unit that is no estate.
pub fn estate_of(state: &AppState, viewer: &Viewer, code: &str) -> ApiResult<UnitId> {
    let u = api::resolve(state, viewer, code)?;
    if state.model().unit(u).level != Level::Estate {
        return Err(ApiError::bad_request(format!(
            "{code} is not an estate: points are kept per household of an estate"
        )));
    }
    Ok(u)
}

/// The households of an estate with their balances.
#[utoipa::path(get, path = "/api/v1/estates/{code}/accounts",
    params(("code" = String, Path, description = "estate code"), ("format" = Option<crate::export::Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, body = EstateAccounts), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn accounts_json(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<FormatQuery>,
) -> ApiResult<Response> {
    may_see(&viewer)?;
    let estate = estate_of(&state, &viewer, &code)?;
    let a = estate_accounts(&state, estate).await?;
    let mut t = Table::new(format!("accounts-{code}"), &["household", "balance"]);
    for r in &a.households {
        t.rows
            .push(vec![r.household.clone(), r.balance.to_string()]);
    }
    t.respond(q.format, || Json(&a).into_response())
}

/// A household's ledger.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HouseholdLedger {
    /// Household code.
    pub household: String,
    /// Its estate's code.
    pub estate: String,
    /// Points held now.
    pub balance: i64,
    /// Every posting on its account, oldest first, with the balance after it.
    pub history: Vec<HistoryLine>,
}

/// The household `code` if its estate lies in `scope` (404 otherwise, as for no household).
fn household_in(
    state: &AppState,
    registry: &fenlei_domain::Registry,
    scope: UnitId,
    code: &str,
) -> ApiResult<UnitId> {
    registry
        .household(code)
        .filter(|&h| registry.household_code(h) == code)
        .map(|h| registry.household_estate(h))
        .filter(|&e| state.in_scope(scope, e))
        .ok_or_else(|| ApiError::not_found(format!("no household {code}")))
}

/// Household `code`'s ledger for a caller scoped to `scope`.
pub async fn household_ledger(
    state: &AppState,
    scope: UnitId,
    code: &str,
) -> ApiResult<HouseholdLedger> {
    let st = state.clone();
    let code = code.to_owned();
    blocking(move || {
        let registry = st.backend.registry();
        let estate = household_in(&st, &registry, scope, &code)?;
        let gov = fenlei_app::govern::open(&st.config.db)?;
        let history = app::history_lines(&registry, &gov, &code)?;
        Ok(HouseholdLedger {
            balance: app::balances(&gov, std::slice::from_ref(&code))?[0],
            estate: st.model().unit(estate).code.clone(),
            household: code,
            history,
        })
    })
    .await
}

/// A household's postings with the running balance.
#[utoipa::path(get, path = "/api/v1/households/{code}/ledger",
    params(("code" = String, Path, description = "household code"), ("format" = Option<crate::export::Format>, Query, description = "json, csv, xlsx")),
    responses((status = 200, description = "balance and history", body = serde_json::Value), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn ledger_json(
    State(state): State<AppState>,
    viewer: Viewer,
    P(code): P<String>,
    Q(q): Q<FormatQuery>,
) -> ApiResult<Response> {
    may_see(&viewer)?;
    let h = household_ledger(&state, viewer.scope, &code).await?;
    let mut t = Table::new(
        format!("ledger-{code}"),
        &["posting", "at", "kind", "amount", "balance", "memo"],
    );
    for l in &h.history {
        t.rows.push(vec![
            l.posting.id.to_string(),
            Timestamp(l.posting.posting.at).to_string(),
            l.posting.posting.kind.key().to_owned(),
            l.amount.to_string(),
            l.balance.to_string(),
            l.posting.posting.memo.clone(),
        ]);
    }
    t.respond(q.format, || Json(&h).into_response())
}

/// A redemption.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RedeemRequest {
    /// Points to spend (more than 0).
    pub points: i64,
    /// What they are exchanged for.
    pub item: String,
    /// Idempotency key: a retry with the same key is applied once.
    pub key: String,
}

/// A redemption done.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Redeemed {
    /// The posting's number.
    pub posting: u64,
    /// False when the key was applied before (a retry): nothing changed.
    pub new: bool,
    /// The household's balance now.
    pub balance: i64,
}

/// The ledger's refusal in the one error shape.
pub fn refused(e: LedgerError) -> ApiError {
    let m = e.to_string();
    match e {
        LedgerError::Insufficient { .. } => {
            ApiError::new(StatusCode::CONFLICT, "insufficient_points", m)
        }
        LedgerError::KeyReused(_) => ApiError::new(StatusCode::CONFLICT, "key_reused", m),
        LedgerError::Invalid(_) => ApiError::bad_request(m),
        LedgerError::Unbalanced { .. } | LedgerError::Db(_) => ApiError::internal(m),
    }
}

/// Redeems `points` of household `code` for `item` as `viewer` now: role (403), scope (404),
/// the ledger's verdict, then the audit entry `points.redeem` (when applied now).
pub async fn redeem(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
    points: i64,
    item: &str,
    key: &str,
) -> ApiResult<Redeemed> {
    if !viewer.role().handles() {
        return Err(ApiError::forbidden(format!(
            "role {} does not redeem points (the estates' staff do)",
            viewer.role().key()
        )));
    }
    if key.trim().is_empty() {
        return Err(ApiError::bad_request(
            "a redemption needs a key (any unique text) so that a retry counts once",
        ));
    }
    let st = state.clone();
    let (scope, actor) = (viewer.scope, viewer.session.user.name.clone());
    let (code, item, key) = (code.to_owned(), item.to_owned(), key.to_owned());
    blocking(move || {
        let registry = st.backend.registry();
        household_in(&st, &registry, scope, &code)?;
        let mut gov = fenlei_app::govern::open(&st.config.db)?;
        let applied = app::redeem_in(
            &registry,
            &mut gov,
            &code,
            points,
            &item,
            &key,
            Timestamp::now(),
        )
        .map_err(|e| match e {
            RedeemError::Ledger(e) => refused(e),
            RedeemError::App(e) => e.into(),
        })?;
        if let Applied::Now(id) = applied {
            st.accounts
                .audit(
                    &actor,
                    "points.redeem",
                    &format!(
                        "{code} -{points} for {} (posting {id}, key {key})",
                        item.trim()
                    ),
                )
                .map_err(ApiError::internal)?;
        }
        let balance = app::balances(&gov, std::slice::from_ref(&code))?[0];
        Ok(Redeemed {
            posting: applied.id(),
            new: matches!(applied, Applied::Now(_)),
            balance,
        })
    })
    .await
}

/// Redeems a household's points (estate staff); refused with 409 `insufficient_points` when
/// the household holds fewer.
#[utoipa::path(post, path = "/api/v1/households/{code}/redeem", params(("code" = String, Path, description = "household code")), request_body = RedeemRequest,
    responses((status = 200, body = Redeemed), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn redeem_json(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    P(code): P<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    viewer.check_csrf(headers.get(auth::CSRF_HEADER).and_then(|v| v.to_str().ok()))?;
    let r: RedeemRequest = serde_json::from_slice(&api::body(b)?).map_err(|e| {
        ApiError::bad_request(format!(
            "expected {{\"points\": n, \"item\": \"…\", \"key\": \"…\"}}: {e}"
        ))
    })?;
    let done = redeem(&state, &viewer, &code, r.points, &r.item, &r.key).await?;
    Ok(Json(done).into_response())
}
