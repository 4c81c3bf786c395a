//! The double-entry ledger and its SQLite backend.
//!
//! Accounts: `household:<code>` (never negative), `issuer` (points issued, the scheme's
//! liability: it goes negative as households earn), `redemptions` (points exchanged for goods).

use crate::db::{DbError, GovernanceDb};
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;

/// The account a household's points sit in.
pub fn household_account(code: &str) -> String {
    format!("household:{code}")
}

/// The scheme's issuing account.
pub const ISSUER: &str = "issuer";
/// Where redeemed points go.
pub const REDEMPTIONS: &str = "redemptions";

/// What a posting records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostingKind {
    /// A day's earnings and deductions from the put-in log.
    Earn,
    /// Points exchanged for goods or services.
    Redeem,
    /// The exact negation of an earlier posting.
    Reversal,
}

impl PostingKind {
    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            PostingKind::Earn => "earn",
            PostingKind::Redeem => "redeem",
            PostingKind::Reversal => "reversal",
        }
    }

    fn parse(s: &str) -> Result<PostingKind, DbError> {
        match s {
            "earn" => Ok(PostingKind::Earn),
            "redeem" => Ok(PostingKind::Redeem),
            "reversal" => Ok(PostingKind::Reversal),
            _ => Err(DbError::Corrupt(format!("posting kind {s:?}"))),
        }
    }
}

/// A posting to be made.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NewPosting {
    /// Idempotency key: the same key is applied once.
    pub key: String,
    /// Kind.
    pub kind: PostingKind,
    /// When (seconds since the epoch; stored time).
    pub at: i64,
    /// The posting it reverses.
    pub reverses: Option<u64>,
    /// What it is for.
    pub memo: String,
    /// For earnings: the day and the put-ins of its log covered, `[from, to)`.
    pub covers: Option<(i32, u64, u64)>,
    /// `(account, amount)`, summing to zero; accounts unique.
    pub lines: Vec<(String, i64)>,
}

/// A stored posting.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Posting {
    /// Number, increasing in posting order.
    pub id: u64,
    /// The posting as made.
    #[serde(flatten)]
    pub posting: NewPosting,
}

/// A posting refused.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Lines that do not balance.
    #[error("posting {key}: lines sum to {sum}, not 0")]
    Unbalanced {
        /// The key.
        key: String,
        /// Their sum.
        sum: i64,
    },
    /// An account would go negative.
    #[error("{account} holds {balance} points, {needed} needed")]
    Insufficient {
        /// The account.
        account: String,
        /// Its balance.
        balance: i64,
        /// The amount asked.
        needed: i64,
    },
    /// The key was used for another request.
    #[error("idempotency key {0:?} was already used for a different posting")]
    KeyReused(String),
    /// A bad request.
    #[error("{0}")]
    Invalid(String),
    /// Storage failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for LedgerError {
    fn from(e: rusqlite::Error) -> LedgerError {
        LedgerError::Db(DbError::Sqlite(e))
    }
}

/// Whether a posting was applied now or earlier (a retry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Applied by this call.
    Now(u64),
    /// Applied before under the same key; nothing changed.
    Before(u64),
}

impl Applied {
    /// The posting's number.
    pub fn id(self) -> u64 {
        match self {
            Applied::Now(id) | Applied::Before(id) => id,
        }
    }
}

/// Storage of postings and balances.
pub trait Ledger {
    /// Applies a posting atomically: all lines and balances, or nothing. A key already used
    /// for an equal posting returns [`Applied::Before`].
    fn post(&mut self, p: &NewPosting) -> Result<Applied, LedgerError>;
    /// Balances of accounts (0 for unknown ones), in order.
    fn balances_of(&self, accounts: &[String]) -> Result<Vec<i64>, DbError>;
    /// Every non-zero balance.
    fn all_balances(&self) -> Result<HashMap<String, i64>, DbError>;
    /// A posting by number.
    fn posting(&self, id: u64) -> Result<Option<Posting>, DbError>;
    /// Every posting, in order.
    fn postings(&self) -> Result<Vec<Posting>, DbError>;
    /// An account's postings (without their lines: an earning posting has a line per
    /// household) and the account's amount in each, in order.
    fn history(&self, account: &str) -> Result<Vec<(Posting, i64)>, DbError>;
    /// How far earning postings cover a day's put-in log (0 when none does).
    fn covered(&self, day: i32) -> Result<u64, DbError>;
}

/// Checks a posting's shape: unique accounts, balanced, non-empty.
pub fn check(p: &NewPosting) -> Result<(), LedgerError> {
    if p.key.is_empty() {
        return Err(LedgerError::Invalid(
            "a posting needs an idempotency key".into(),
        ));
    }
    let sum: i64 = p.lines.iter().map(|l| l.1).sum();
    if sum != 0 {
        return Err(LedgerError::Unbalanced {
            key: p.key.clone(),
            sum,
        });
    }
    let mut accounts: Vec<&str> = p.lines.iter().map(|l| l.0.as_str()).collect();
    accounts.sort_unstable();
    if let Some(dup) = accounts.windows(2).find(|w| w[0] == w[1]) {
        return Err(LedgerError::Invalid(format!(
            "posting {}: account {} twice",
            p.key, dup[0]
        )));
    }
    Ok(())
}

impl GovernanceDb {
    /// Applies a posting but stops after `lines` of its lines without committing, as if the
    /// process were killed between steps: the transaction is rolled back. For crash tests.
    #[doc(hidden)]
    pub fn post_interrupted(&mut self, p: &NewPosting, lines: usize) -> Result<(), LedgerError> {
        write(self, p, Some(lines)).map(|_| ())
    }
}

/// Postings with more lines than this are bulk: kept out of the account index.
const BULK_LINES: usize = 64;

fn write(
    db: &mut GovernanceDb,
    p: &NewPosting,
    stop_after: Option<usize>,
) -> Result<Applied, LedgerError> {
    check(p)?;
    let tx = db.conn.savepoint()?;
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM postings WHERE idem_key = ?1",
            [&p.key],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        drop(tx);
        let before = db
            .posting(id as u64)?
            .ok_or_else(|| DbError::Corrupt("posting vanished".into()))?;
        return if same_request(&before.posting, p) {
            Ok(Applied::Before(id as u64))
        } else {
            Err(LedgerError::KeyReused(p.key.clone()))
        };
    }
    if let Some(r) = p.reverses {
        let taken: Option<i64> = tx
            .query_row(
                "SELECT id FROM postings WHERE reverses = ?1",
                [r as i64],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(t) = taken {
            return Err(LedgerError::Invalid(format!(
                "posting {r} was already reversed by posting {t}"
            )));
        }
    }
    let (day, from, to) = p.covers.map_or((None, None, None), |(d, f, t)| {
        (Some(d), Some(f as i64), Some(t as i64))
    });
    let bulk = p.lines.len() > BULK_LINES;
    tx.execute(
        "INSERT INTO postings (idem_key, kind, at, reverses, memo, day, covered_from, covered_to, bulk) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![p.key, p.kind.key(), p.at, p.reverses.map(|r| r as i64), p.memo, day, from, to, bulk],
    )?;
    let id = tx.last_insert_rowid();
    {
        let mut line = tx.prepare_cached(
            "INSERT INTO lines (posting, account, amount, bulk) VALUES (?1, ?2, ?3, ?4)",
        )?;
        // A credit is an upsert; a debit updates (an upsert would check the inserted row, a
        // negative amount, against the balance constraint before merging it).
        let mut credit = tx.prepare_cached(
            "INSERT INTO balances (account, amount) VALUES (?1, ?2) ON CONFLICT (account) DO UPDATE SET amount = amount + excluded.amount",
        )?;
        let mut update =
            tx.prepare_cached("UPDATE balances SET amount = amount + ?2 WHERE account = ?1")?;
        let mut insert =
            tx.prepare_cached("INSERT INTO balances (account, amount) VALUES (?1, ?2)")?;
        let mut read = tx.prepare_cached("SELECT amount FROM balances WHERE account = ?1")?;
        for (i, (account, amount)) in p.lines.iter().enumerate() {
            if stop_after == Some(i) {
                return Ok(Applied::Now(id as u64)); // dropped without commit: rolled back
            }
            line.execute(params![id, account, amount, bulk])?;
            let applied = if *amount >= 0 {
                credit.execute(params![account, amount])
            } else {
                match update.execute(params![account, amount]) {
                    Ok(0) => insert.execute(params![account, amount]),
                    other => other,
                }
            };
            if let Err(e) = applied {
                if let rusqlite::Error::SqliteFailure(f, _) = &e
                    && f.code == rusqlite::ErrorCode::ConstraintViolation
                {
                    let balance: i64 = read
                        .query_row([account], |r| r.get(0))
                        .optional()?
                        .unwrap_or(0);
                    return Err(LedgerError::Insufficient {
                        account: account.clone(),
                        balance,
                        needed: -amount,
                    });
                }
                return Err(e.into());
            }
        }
    }
    if stop_after.is_some() {
        return Ok(Applied::Now(id as u64));
    }
    tx.commit()?;
    Ok(Applied::Now(id as u64))
}

/// A retry is the same request: same kind, reversal target, memo and lines.
fn same_request(a: &NewPosting, b: &NewPosting) -> bool {
    let sorted = |p: &NewPosting| {
        let mut l = p.lines.clone();
        l.sort();
        l
    };
    a.kind == b.kind && a.reverses == b.reverses && a.memo == b.memo && sorted(a) == sorted(b)
}

fn read_posting(db: &GovernanceDb, row: Row, with_lines: bool) -> Result<Posting, DbError> {
    let (id, key, kind, at, reverses, memo, day, from, to) = row;
    let lines = if with_lines {
        let mut st = db
            .conn
            .prepare_cached("SELECT account, amount FROM lines WHERE posting = ?1")?;
        st.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    Ok(Posting {
        id: id as u64,
        posting: NewPosting {
            key,
            kind: PostingKind::parse(&kind)?,
            at,
            reverses: reverses.map(|r| r as u64),
            memo,
            covers: day.map(|d| (d, from.unwrap_or(0) as u64, to.unwrap_or(0) as u64)),
            lines,
        },
    })
}

const POSTING_COLUMNS: &str =
    "id, idem_key, kind, at, reverses, memo, day, covered_from, covered_to";

type Row = (
    i64,
    String,
    String,
    i64,
    Option<i64>,
    String,
    Option<i32>,
    Option<i64>,
    Option<i64>,
);

fn row(r: &rusqlite::Row) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

impl Ledger for GovernanceDb {
    fn post(&mut self, p: &NewPosting) -> Result<Applied, LedgerError> {
        write(self, p, None)
    }

    fn covered(&self, day: i32) -> Result<u64, DbError> {
        let to: Option<i64> = self.conn.query_row(
            "SELECT MAX(covered_to) FROM postings WHERE day = ?1",
            [day],
            |r| r.get(0),
        )?;
        Ok(to.unwrap_or(0) as u64)
    }

    fn balances_of(&self, accounts: &[String]) -> Result<Vec<i64>, DbError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT amount FROM balances WHERE account = ?1")?;
        accounts
            .iter()
            .map(|a| Ok(st.query_row([a], |r| r.get(0)).optional()?.unwrap_or(0)))
            .collect()
    }

    fn all_balances(&self) -> Result<HashMap<String, i64>, DbError> {
        let mut st = self
            .conn
            .prepare("SELECT account, amount FROM balances WHERE amount != 0")?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn posting(&self, id: u64) -> Result<Option<Posting>, DbError> {
        let r = self
            .conn
            .query_row(
                &format!("SELECT {POSTING_COLUMNS} FROM postings WHERE id = ?1"),
                [id as i64],
                row,
            )
            .optional()?;
        r.map(|r| read_posting(self, r, true)).transpose()
    }

    fn postings(&self) -> Result<Vec<Posting>, DbError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {POSTING_COLUMNS} FROM postings ORDER BY id"
        ))?;
        let rows: Vec<Row> = st.query_map([], row)?.collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|r| read_posting(self, r, true))
            .collect()
    }

    fn history(&self, account: &str) -> Result<Vec<(Posting, i64)>, DbError> {
        // Ordinary lines from the account index; lines of bulk postings by seeking each
        // bulk posting's (posting, account) key.
        let mut st = self.conn.prepare(
            "SELECT posting, amount FROM lines WHERE account = ?1 AND bulk = 0
             UNION ALL
             SELECT l.posting, l.amount FROM postings p JOIN lines l ON l.posting = p.id AND l.account = ?1 WHERE p.bulk = 1
             ORDER BY 1",
        )?;
        let ids: Vec<(i64, i64)> = st
            .query_map([account], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        ids.into_iter()
            .map(|(id, amount)| {
                let r = self
                    .conn
                    .query_row(
                        &format!("SELECT {POSTING_COLUMNS} FROM postings WHERE id = ?1"),
                        [id],
                        row,
                    )
                    .optional()?
                    .ok_or_else(|| DbError::Corrupt(format!("line of missing posting {id}")))?;
                Ok((read_posting(self, r, false)?, amount))
            })
            .collect()
    }
}

/// Redeems `points` of a household for `item`. `key` makes retries safe: a retry after a
/// timeout with the same key is applied once.
pub fn redeem(
    ledger: &mut impl Ledger,
    household_code: &str,
    points: i64,
    item: &str,
    key: &str,
    at: i64,
) -> Result<Applied, LedgerError> {
    if points <= 0 {
        return Err(LedgerError::Invalid(format!(
            "redeem a positive number of points, not {points}"
        )));
    }
    ledger.post(&NewPosting {
        key: format!("redeem:{key}"),
        kind: PostingKind::Redeem,
        at,
        reverses: None,
        memo: format!("redeemed for {item}"),
        covers: None,
        lines: vec![
            (household_account(household_code), -points),
            (REDEMPTIONS.to_owned(), points),
        ],
    })
}

/// Reverses posting `id` by posting its negation (once; a reversal is not reversed).
pub fn reverse(
    ledger: &mut impl Ledger,
    id: u64,
    key: &str,
    reason: &str,
    at: i64,
) -> Result<Applied, LedgerError> {
    let original = ledger
        .posting(id)?
        .ok_or_else(|| LedgerError::Invalid(format!("no posting {id}")))?;
    if original.posting.kind == PostingKind::Reversal {
        return Err(LedgerError::Invalid(format!(
            "posting {id} is a reversal: post the original again instead"
        )));
    }
    if original.posting.kind == PostingKind::Earn {
        return Err(LedgerError::Invalid(format!(
            "posting {id} is computed from the put-in log: correct the log, not the posting"
        )));
    }
    ledger.post(&NewPosting {
        key: format!("reverse:{key}"),
        kind: PostingKind::Reversal,
        at,
        reverses: Some(id),
        memo: format!("reverses posting {id}: {reason}"),
        covers: None,
        lines: original
            .posting
            .lines
            .iter()
            .map(|(a, x)| (a.clone(), -x))
            .collect(),
    })
}
