//! `fenlei token issue|revoke|list`: bearer tokens for devices and integrations, which may send
//! events (`POST /api/v1/ingest`) for the points of one unit and below.

use super::store_args::StoreArgs;
use fenlei_server::accounts::Accounts;
use fenlei_store::EmbeddedStore;

/// `fenlei token …`.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Issue a token; its secret is printed once and stored only as a digest.
    Issue {
        #[command(flatten)]
        store: StoreArgs,
        /// A name saying what uses it (a device, a system).
        #[arg(long)]
        name: String,
        /// Code of the unit it may send events for (and below).
        #[arg(long)]
        scope: String,
    },
    /// Revoke a token: refused from the next request on.
    Revoke {
        #[command(flatten)]
        store: StoreArgs,
        /// The token's id (see `list`).
        id: i64,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Runs `fenlei token …`.
pub fn run(command: TokenCommand) -> anyhow::Result<()> {
    let store = match &command {
        TokenCommand::Issue { store, .. }
        | TokenCommand::Revoke { store, .. }
        | TokenCommand::List { store } => store.clone(),
    };
    anyhow::ensure!(
        EmbeddedStore::exists(&store.db),
        "{} holds no fenlei store",
        store.db.display()
    );
    let accounts = Accounts::open(&store.db)?;
    match command {
        TokenCommand::Issue { name, scope, .. } => {
            let s = EmbeddedStore::open_for_queries(&store.db)?;
            anyhow::ensure!(
                s.model().units.iter().any(|u| u.code == scope),
                "no unit {scope} in this store"
            );
            let (id, secret) = accounts.issue_token("cli", &name, &scope)?;
            println!("token {id} ({name}, scope {scope}): {secret}");
            println!("send it as: Authorization: Bearer {secret}");
        }
        TokenCommand::Revoke { id, .. } => {
            accounts.revoke_token("cli", id)?;
            println!("revoked token {id}");
        }
        TokenCommand::List { .. } => {
            println!("{:<5} {:<24} {:<14} state", "id", "name", "scope");
            for t in accounts.tokens()? {
                println!(
                    "{:<5} {:<24} {:<14} {}",
                    t.id,
                    t.name,
                    t.scope,
                    if t.revoked.is_some() {
                        "revoked"
                    } else {
                        "live"
                    }
                );
            }
        }
    }
    Ok(())
}
