//! Earnings from the put-in log, and the recomputation that checks every balance.
//!
//! A household's points for a day are `min(daily_cap, Σ points of correct put-ins) − wrong ×
//! incorrect put-ins`, over put-ins with a verdict from a counted source. An earning posting
//! covers a prefix of the day's log `[from, to)`: the first covers `[0, n)`, a later run after
//! late put-ins arrived covers only the new ones, crediting each household the change of its
//! day formula. A deduction never takes a balance below zero: it takes what there is.

use super::ledger::{ISSUER, Ledger, LedgerError, NewPosting, PostingKind, household_account};
use super::rules::PointsRules;
use crate::db::DbError;
use fenlei_domain::{Day, PutIn, Registry, Verdict};
use std::collections::HashMap;

/// `(household, points of correct put-ins, put-ins judged incorrect)`, by household.
fn tally(rules: &PointsRules, put_ins: &[PutIn]) -> Vec<(u32, i64, i64)> {
    let mut rows: Vec<(u32, i64, i64)> = put_ins
        .iter()
        .filter(|p| rules.sources.contains(&p.source))
        .filter_map(|p| {
            let h = p.household?.0;
            match p.verdict {
                Verdict::Correct => Some((
                    h,
                    rules.correct.get(p.category.index()).copied().unwrap_or(0),
                    0,
                )),
                Verdict::Incorrect => Some((h, 0, 1)),
                Verdict::Unchecked => None,
            }
        })
        .collect();
    rows.sort_unstable_by_key(|r| r.0);
    let mut out: Vec<(u32, i64, i64)> = Vec::new();
    for (h, e, w) in rows {
        match out.last_mut() {
            Some(last) if last.0 == h => {
                last.1 += e;
                last.2 += w;
            }
            _ => out.push((h, e, w)),
        }
    }
    out
}

/// The idempotency key of the earning posting for `day` covering the log up to `to`.
pub fn earn_key(rules: &PointsRules, day: Day, to: u64) -> String {
    format!("earn:{}:{day}:{to}", rules.id())
}

/// The earning posting for put-ins `[from, to)` of `day`'s log (`put_ins` is the day's log,
/// at least `to` long), given each household's balance before it; `None` when nothing
/// changes. Used both to post and to verify.
pub fn plan(
    rules: &PointsRules,
    registry: &Registry,
    day: Day,
    put_ins: &[PutIn],
    (from, to): (u64, u64),
    at: i64,
    balances: impl FnOnce(&[String]) -> Result<Vec<i64>, DbError>,
) -> Result<Option<NewPosting>, DbError> {
    let (from, to) = (from as usize, to as usize);
    let f = |e: i64, w: i64| e.min(rules.daily_cap) - w * rules.wrong;
    let new = tally(rules, &put_ins[from..to]);
    let before: HashMap<u32, (i64, i64)> = if from == 0 {
        HashMap::new()
    } else {
        tally(rules, &put_ins[..from])
            .into_iter()
            .map(|(h, e, w)| (h, (e, w)))
            .collect()
    };
    let deltas: Vec<(u32, i64)> = new
        .into_iter()
        .map(|(h, e, w)| {
            let (e0, w0) = before.get(&h).copied().unwrap_or((0, 0));
            (h, f(e0 + e, w0 + w) - f(e0, w0))
        })
        .filter(|d| d.1 != 0)
        .collect();
    let accounts: Vec<String> = deltas
        .iter()
        .map(|(h, _)| household_account(registry.household_code(fenlei_domain::HouseholdId(*h))))
        .collect();
    // Only a deduction can meet a balance (it takes at most what is there): look those up.
    let debited: Vec<String> = accounts
        .iter()
        .zip(&deltas)
        .filter(|(_, d)| d.1 < 0)
        .map(|(a, _)| a.clone())
        .collect();
    let mut held = balances(&debited)?.into_iter();
    let mut lines: Vec<(String, i64)> = Vec::with_capacity(accounts.len() + 1);
    let mut issued = 0;
    for (account, (_, delta)) in accounts.into_iter().zip(deltas) {
        let amount = if delta < 0 {
            delta.max(-held.next().expect("one balance per debited account"))
        } else {
            delta
        };
        if amount != 0 {
            issued += amount;
            lines.push((account, amount));
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    lines.push((ISSUER.to_owned(), -issued));
    Ok(Some(NewPosting {
        key: earn_key(rules, day, to as u64),
        kind: PostingKind::Earn,
        at,
        reverses: None,
        memo: format!(
            "points for put-ins {from}..{to} of {day} under {}",
            rules.id()
        ),
        covers: Some((day.0, from as u64, to as u64)),
        lines,
    }))
}

/// What posting a day did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayPosted {
    /// Put-ins of the day's log now covered.
    pub covered: u64,
    /// Put-ins newly covered by this run.
    pub new_put_ins: u64,
    /// Household lines posted.
    pub households: usize,
    /// Net points issued.
    pub issued: i64,
}

/// Posts the earnings of `day` for put-ins not yet covered. Idempotent: a second run with
/// the same log posts nothing.
pub fn post_day(
    ledger: &mut impl Ledger,
    rules: &PointsRules,
    registry: &Registry,
    day: Day,
    put_ins: &[PutIn],
    at: i64,
) -> Result<DayPosted, LedgerError> {
    let from = ledger.covered(day.0)?;
    let to = put_ins.len() as u64;
    if to < from {
        return Err(LedgerError::Invalid(format!(
            "{day}: the log holds {to} put-ins, fewer than the {from} already credited"
        )));
    }
    let planned = plan(rules, registry, day, put_ins, (from, to), at, |a| {
        ledger.balances_of(a)
    })?;
    let Some(posting) = planned else {
        return Ok(DayPosted {
            covered: to,
            new_put_ins: to - from,
            households: 0,
            issued: 0,
        });
    };
    ledger.post(&posting)?;
    Ok(DayPosted {
        covered: to,
        new_put_ins: to - from,
        households: posting.lines.len() - 1,
        issued: -posting.lines.last().map_or(0, |l| l.1),
    })
}

/// The outcome of a recomputation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verification {
    /// Postings replayed.
    pub postings: usize,
    /// Earning postings recomputed from the log.
    pub earnings: usize,
    /// Accounts with a balance.
    pub accounts: usize,
    /// Everything that does not match.
    pub problems: Vec<String>,
}

/// Replays every posting in order: each balanced, no household ever negative, each earning
/// posting equal to its recomputation from the put-in log (`log(day)`), and the stored
/// balances equal to the replayed ones.
pub fn verify(
    ledger: &impl Ledger,
    rules: &PointsRules,
    registry: &Registry,
    mut log: impl FnMut(Day) -> Result<Vec<PutIn>, DbError>,
) -> Result<Verification, DbError> {
    let mut v = Verification::default();
    let mut replay: HashMap<String, i64> = HashMap::new();
    let mut days: HashMap<i32, Vec<PutIn>> = HashMap::new();
    for p in ledger.postings()? {
        v.postings += 1;
        let sum: i64 = p.posting.lines.iter().map(|l| l.1).sum();
        if sum != 0 {
            v.problems.push(format!(
                "posting {} ({}) sums to {sum}",
                p.id, p.posting.key
            ));
        }
        if let Some((d, from, to)) = p.posting.covers {
            v.earnings += 1;
            let day = Day(d);
            let put_ins = match days.entry(d) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(log(day)?),
            };
            if to as usize > put_ins.len() {
                v.problems.push(format!(
                    "posting {} covers {to} put-ins of {day}; the log holds {}",
                    p.id,
                    put_ins.len()
                ));
            } else {
                let again = plan(
                    rules,
                    registry,
                    day,
                    put_ins,
                    (from, to),
                    p.posting.at,
                    |accounts| {
                        Ok(accounts
                            .iter()
                            .map(|a| replay.get(a).copied().unwrap_or(0))
                            .collect())
                    },
                )?;
                let mut want = again.map(|x| x.lines).unwrap_or_default();
                let mut got = p.posting.lines.clone();
                want.sort();
                got.sort();
                if want != got || !p.posting.key.starts_with(&format!("earn:{}:", rules.id())) {
                    v.problems.push(format!(
                        "posting {} ({}) differs from its recomputation from the put-in log",
                        p.id, p.posting.key
                    ));
                }
            }
        }
        for (account, amount) in &p.posting.lines {
            let b = replay.entry(account.clone()).or_insert(0);
            *b += amount;
            if account.starts_with("household:") && *b < 0 {
                v.problems
                    .push(format!("{account} negative ({b}) after posting {}", p.id));
            }
        }
    }
    replay.retain(|_, b| *b != 0);
    let stored = ledger.all_balances()?;
    v.accounts = stored.len();
    for (account, b) in &replay {
        if stored.get(account) != Some(b) {
            v.problems.push(format!(
                "{account}: stored {:?}, recomputed {b}",
                stored.get(account)
            ));
        }
    }
    for (account, b) in &stored {
        if !replay.contains_key(account) {
            v.problems
                .push(format!("{account}: stored {b}, recomputed 0"));
        }
    }
    v.problems.sort();
    Ok(v)
}
