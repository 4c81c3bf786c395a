//! `fenlei points …`: green-account points over the stored put-in log — post a day's
//! earnings, show balances and histories, redeem, reverse, and verify every balance against
//! a recomputation from the log.

use crate::AppError;
use fenlei_domain::{Day, HouseholdId, PutIn, Registry, Timestamp, UnitId};
use fenlei_governance::GovernanceDb;
use fenlei_governance::points::earn::{self, DayPosted, Verification};
use fenlei_governance::points::ledger::{self, Applied, Posting, household_account};
use fenlei_governance::points::{Ledger, LedgerError, PointsRules};
use fenlei_store::EmbeddedStore;
use std::path::Path;

/// The points rules shipped per city (`data/points/`).
const SHIPPED: &[(&str, &str)] = &[
    (
        "national",
        include_str!("../../../../data/points/national.toml"),
    ),
    (
        "shanghai",
        include_str!("../../../../data/points/shanghai.toml"),
    ),
    (
        "chongqing",
        include_str!("../../../../data/points/chongqing.toml"),
    ),
];

/// The rules in `file`, or those shipped for the store's city (else the national default).
pub fn rules(store: &EmbeddedStore, file: Option<&Path>) -> Result<PointsRules, AppError> {
    let parsed = match file {
        Some(f) => {
            let text = std::fs::read_to_string(f).map_err(|e| AppError::io(f, e))?;
            PointsRules::parse(&f.display().to_string(), &text)
        }
        None => {
            let city = &store.model().ruleset;
            let (name, text) = SHIPPED
                .iter()
                .find(|(c, _)| c == city)
                .unwrap_or(&SHIPPED[0]);
            PointsRules::parse(&format!("data/points/{name}.toml"), text)
        }
    };
    parsed.map_err(|e| AppError::Usage(e.to_string()))
}

/// A refused ledger request is the user's to fix; storage failures are not.
pub fn ledger_error(e: LedgerError) -> AppError {
    match e {
        LedgerError::Db(e) => AppError::Governance(e),
        e => AppError::Usage(e.to_string()),
    }
}

fn log_of(store: &EmbeddedStore, day: Day) -> Result<Vec<PutIn>, AppError> {
    let mut out = Vec::new();
    store.put_ins_of_day(day, &mut out)?;
    Ok(out)
}

/// Posts the earnings of each day (every day of the log when `days` is empty).
pub fn post(
    store: &EmbeddedStore,
    gov: &mut GovernanceDb,
    rules: &PointsRules,
    days: &[Day],
    at: Timestamp,
) -> Result<Vec<(Day, DayPosted)>, AppError> {
    let days = if days.is_empty() {
        store.put_in_days()
    } else {
        days.to_vec()
    };
    let mut out = Vec::new();
    for day in days {
        let put_ins = log_of(store, day)?;
        let posted = earn::post_day(gov, rules, store.registry(), day, &put_ins, at.0)
            .map_err(ledger_error)?;
        out.push((day, posted));
    }
    Ok(out)
}

/// Checks that a household exists and returns its account.
pub fn account(store: &EmbeddedStore, household: &str) -> Result<String, AppError> {
    account_in(store.registry(), household)
}

/// [`account`] in a registry (with its households loaded).
pub fn account_in(registry: &Registry, household: &str) -> Result<String, AppError> {
    registry
        .household(household)
        .map(|_| household_account(household))
        .ok_or_else(|| AppError::Usage(format!("no household with code {household:?}")))
}

/// The codes of the households whose home is `estate` (or any unit above them), in id order.
pub fn households_of(registry: &Registry, unit: UnitId) -> Vec<String> {
    let ids: Box<dyn Iterator<Item = u32>> = match registry.household_range(unit) {
        Some((lo, hi)) => Box::new(lo..hi),
        None => {
            let model = registry.model();
            Box::new((0..registry.household_count() as u32).filter(move |&i| {
                model
                    .ancestors(registry.household_estate(HouseholdId(i)))
                    .any(|a| a == unit)
            }))
        }
    };
    ids.map(|i| registry.household_code(HouseholdId(i)).to_owned())
        .collect()
}

/// The balances of `households`' accounts, in their order.
pub fn balances(gov: &GovernanceDb, households: &[String]) -> Result<Vec<i64>, AppError> {
    let accounts: Vec<String> = households.iter().map(|h| household_account(h)).collect();
    Ok(gov.balances_of(&accounts)?)
}

/// One line of a household's history: the posting, the amount on the household's account
/// and the balance after it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HistoryLine {
    /// The posting.
    pub posting: Posting,
    /// Its amount on the household's account.
    pub amount: i64,
    /// The balance after it.
    pub balance: i64,
}

/// A household's postings, oldest first, with the running balance.
pub fn history_lines(
    registry: &Registry,
    gov: &GovernanceDb,
    household: &str,
) -> Result<Vec<HistoryLine>, AppError> {
    let mut running = 0;
    Ok(gov
        .history(&account_in(registry, household)?)?
        .into_iter()
        .map(|(posting, amount)| {
            running += amount;
            HistoryLine {
                posting,
                amount,
                balance: running,
            }
        })
        .collect())
}

/// A household's balance.
pub fn balance(
    store: &EmbeddedStore,
    gov: &GovernanceDb,
    household: &str,
) -> Result<i64, AppError> {
    Ok(gov.balances_of(&[account(store, household)?])?[0])
}

/// A household's postings as lines of text, oldest first, with the running balance.
pub fn history(
    store: &EmbeddedStore,
    gov: &GovernanceDb,
    household: &str,
) -> Result<String, AppError> {
    let mut out = String::new();
    for l in history_lines(store.registry(), gov, household)? {
        out += &format!(
            "{:>6}  {}  {:<8} {:>+6}  {:>6}  {}\n",
            l.posting.id,
            Timestamp(l.posting.posting.at),
            l.posting.posting.kind.key(),
            l.amount,
            l.balance,
            l.posting.posting.memo
        );
    }
    Ok(out)
}

/// Redeems points (idempotent per key).
pub fn redeem(
    store: &EmbeddedStore,
    gov: &mut GovernanceDb,
    household: &str,
    points: i64,
    item: &str,
    key: &str,
    at: Timestamp,
) -> Result<Applied, AppError> {
    redeem_in(store.registry(), gov, household, points, item, key, at).map_err(|e| match e {
        RedeemError::Ledger(e) => ledger_error(e),
        RedeemError::App(e) => e,
    })
}

/// Why a redemption was refused.
#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    /// The ledger refused it (too few points, a reused key, …).
    #[error(transparent)]
    Ledger(LedgerError),
    /// The household is unknown, or storage failed.
    #[error(transparent)]
    App(AppError),
}

/// [`redeem`] in a registry, the ledger's refusal kept apart for callers that answer each
/// kind differently.
pub fn redeem_in(
    registry: &Registry,
    gov: &mut GovernanceDb,
    household: &str,
    points: i64,
    item: &str,
    key: &str,
    at: Timestamp,
) -> Result<Applied, RedeemError> {
    account_in(registry, household).map_err(RedeemError::App)?;
    if item.trim().is_empty() {
        return Err(RedeemError::Ledger(LedgerError::Invalid(
            "name what the points are redeemed for".into(),
        )));
    }
    ledger::redeem(gov, household, points, item.trim(), key, at.0).map_err(RedeemError::Ledger)
}

/// Recomputes every balance from the put-in log.
pub fn verify(
    store: &EmbeddedStore,
    gov: &GovernanceDb,
    rules: &PointsRules,
) -> Result<Verification, AppError> {
    let mut failure = None;
    let v = earn::verify(gov, rules, store.registry(), |day| {
        let mut out = Vec::new();
        if let Err(e) = store.put_ins_of_day(day, &mut out) {
            failure = Some(e);
        }
        Ok(out)
    })?;
    match failure {
        Some(e) => Err(e.into()),
        None => Ok(v),
    }
}
