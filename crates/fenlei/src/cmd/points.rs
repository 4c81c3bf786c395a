//! `fenlei points …`: green-account points — post earnings from the put-in log, balances,
//! histories, redemptions (idempotent), reversals, and a full recomputation.

use super::govern_args::AtArgs;
use super::store_args::StoreArgs;
use fenlei_app::govern::{self, points as app};
use fenlei_domain::Day;
use fenlei_governance::points::ledger::{self, Applied};
use fenlei_store::EmbeddedStore;
use std::path::PathBuf;

/// `fenlei points` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PointsCommand {
    /// Credit and debit households for the put-ins of days (default: every stored day).
    Post(PostArgs),
    /// A household's balance.
    Balance(HouseholdArgs),
    /// A household's postings with the running balance.
    History(HouseholdArgs),
    /// Exchange points for goods or services; --key makes a retry apply once.
    Redeem(RedeemArgs),
    /// Reverse a redemption by posting its negation (postings are never edited).
    Reverse(ReverseArgs),
    /// Recompute every balance from the put-in log and compare.
    Verify(RulesArgs),
}

/// Where and under which rules.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Points rules file (default: the city's, from data/points/).
    #[arg(long)]
    rules: Option<PathBuf>,
}

/// Arguments of `points post`.
#[derive(Debug, clap::Args)]
pub struct PostArgs {
    #[command(flatten)]
    rules: RulesArgs,
    /// Days to post (YYYY-MM-DD, repeatable).
    #[arg(long)]
    day: Vec<Day>,
    #[command(flatten)]
    at: AtArgs,
}

/// A household.
#[derive(Debug, clap::Args)]
pub struct HouseholdArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Household code.
    household: String,
}

/// Arguments of `points redeem`.
#[derive(Debug, clap::Args)]
pub struct RedeemArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Household code.
    household: String,
    /// Points to redeem.
    #[arg(long)]
    points: i64,
    /// What for.
    #[arg(long)]
    item: String,
    /// Idempotency key (e.g. the terminal's transaction id).
    #[arg(long)]
    key: String,
    #[command(flatten)]
    at: AtArgs,
}

/// Arguments of `points reverse`.
#[derive(Debug, clap::Args)]
pub struct ReverseArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The posting number.
    posting: u64,
    /// Why.
    #[arg(long)]
    reason: String,
    /// Idempotency key.
    #[arg(long)]
    key: String,
    #[command(flatten)]
    at: AtArgs,
}

/// Runs `fenlei points …`.
pub fn run(command: PointsCommand) -> anyhow::Result<()> {
    match command {
        PointsCommand::Post(a) => {
            let store = EmbeddedStore::open(&a.rules.store.db)?;
            let mut gov = govern::open(&a.rules.store.db)?;
            let rules = app::rules(&store, a.rules.rules.as_deref())?;
            let t = std::time::Instant::now();
            let posted = app::post(&store, &mut gov, &rules, &a.day, a.at.time()?)?;
            let (mut put_ins, mut lines) = (0, 0);
            for (day, p) in &posted {
                println!(
                    "{day}: {} new put-ins, {} households credited or debited, {:+} points",
                    p.new_put_ins, p.households, p.issued
                );
                put_ins += p.new_put_ins;
                lines += p.households;
            }
            println!(
                "{} days under {}: {put_ins} put-ins, {lines} household postings in {:.2} s",
                posted.len(),
                rules.id(),
                t.elapsed().as_secs_f64()
            );
        }
        PointsCommand::Balance(a) => {
            let store = EmbeddedStore::open(&a.store.db)?;
            let gov = govern::open(&a.store.db)?;
            println!(
                "{} {}",
                a.household,
                app::balance(&store, &gov, &a.household)?
            );
        }
        PointsCommand::History(a) => {
            let store = EmbeddedStore::open(&a.store.db)?;
            let gov = govern::open(&a.store.db)?;
            print!("{}", app::history(&store, &gov, &a.household)?);
        }
        PointsCommand::Redeem(a) => {
            let store = EmbeddedStore::open(&a.store.db)?;
            let mut gov = govern::open(&a.store.db)?;
            let applied = app::redeem(
                &store,
                &mut gov,
                &a.household,
                a.points,
                &a.item,
                &a.key,
                a.at.time()?,
            )?;
            let balance = app::balance(&store, &gov, &a.household)?;
            match applied {
                Applied::Now(id) => println!(
                    "posting {id}: {} points redeemed for {}; balance {balance}",
                    a.points, a.item
                ),
                Applied::Before(id) => println!(
                    "posting {id}: already applied under key {}; balance {balance}",
                    a.key
                ),
            }
        }
        PointsCommand::Reverse(a) => {
            let mut gov = govern::open(&a.store.db)?;
            let applied = ledger::reverse(&mut gov, a.posting, &a.key, &a.reason, a.at.time()?.0)
                .map_err(app::ledger_error)?;
            println!("posting {} reverses posting {}", applied.id(), a.posting);
        }
        PointsCommand::Verify(a) => {
            let store = EmbeddedStore::open(&a.store.db)?;
            let gov = govern::open(&a.store.db)?;
            let rules = app::rules(&store, a.rules.as_deref())?;
            let v = app::verify(&store, &gov, &rules)?;
            for p in v.problems.iter().take(20) {
                println!("{p}");
            }
            anyhow::ensure!(v.problems.is_empty(), "{} problems", v.problems.len());
            println!(
                "{} postings replayed ({} recomputed from the put-in log): every posting balanced, no household negative, {} balances equal",
                v.postings, v.earnings, v.accounts
            );
        }
    }
    Ok(())
}
