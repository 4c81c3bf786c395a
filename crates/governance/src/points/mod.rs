//! Green-account points (绿色账户): households earn points for correct put-ins and lose them for
//! wrong ones under per-city rules (data), and redeem them for goods and services.
//!
//! A double-entry ledger: every posting's lines sum to zero; household balances never go
//! negative; a request carries an idempotency key, so a retry after a timeout is applied once;
//! mistakes are reversed by a new posting, never edited. Earnings are computed from the put-in
//! log ([`earn`]), so replaying every posting against the log reproduces every balance
//! ([`earn::verify`]).

pub mod earn;
pub mod ledger;
pub mod rules;

pub use ledger::{Ledger, LedgerError, NewPosting, Posting, PostingKind};
pub use rules::PointsRules;
