//! `fenlei user add|list|disable`: dashboard and API accounts, in `<store>/server.sqlite`.

use super::store_args::StoreArgs;
use anyhow::Context;
use fenlei_server::accounts::{Accounts, Role};
use fenlei_store::EmbeddedStore;
use std::io::BufRead;

/// `fenlei user …`.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add a user with a role, scoped to a unit (they see it and everything below).
    Add {
        #[command(flatten)]
        store: StoreArgs,
        /// Login name.
        name: String,
        /// city_admin, district, street, community, hauler or observer.
        #[arg(long)]
        role: String,
        /// Code of the unit the user is scoped to (city_admin: the city; district: a
        /// district; street: a street; community: a community or estate; hauler: a district
        /// or the city; observer: any unit).
        #[arg(long)]
        scope: String,
        /// Read the password from the first line of standard input (else one is generated
        /// and printed).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Disable a user: no more logins, every session ends at once.
    Disable {
        #[command(flatten)]
        store: StoreArgs,
        /// Login name.
        name: String,
    },
}

/// A random password of 16 letters and digits (no look-alikes).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let secret = fenlei_server::accounts::random_secret();
    secret
        .as_bytes()
        .chunks(4)
        .take(16)
        .map(|c| {
            let v = u16::from_str_radix(std::str::from_utf8(c).unwrap_or("0"), 16).unwrap_or(0);
            ALPHABET[v as usize % ALPHABET.len()] as char
        })
        .collect()
}

fn open(store: &StoreArgs) -> anyhow::Result<(EmbeddedStore, Accounts)> {
    anyhow::ensure!(
        EmbeddedStore::exists(&store.db),
        "{} holds no fenlei store",
        store.db.display()
    );
    let s = EmbeddedStore::open_for_queries(&store.db)?;
    let a = Accounts::open(&store.db)?;
    Ok((s, a))
}

/// Runs `fenlei user …`.
pub fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            store,
            name,
            role,
            scope,
            password_stdin,
        } => {
            let (s, accounts) = open(&store)?;
            let role = Role::parse(&role).map_err(anyhow::Error::msg)?;
            fenlei_server::scope_fits(s.model(), role, &scope).map_err(anyhow::Error::msg)?;
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password from standard input")?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (generate_password(), true)
            };
            accounts.add_user("cli", &name, &password, role, &scope)?;
            if generated {
                println!(
                    "added {name} ({}, scope {scope}); password: {password}",
                    role.key()
                );
            } else {
                println!("added {name} ({}, scope {scope})", role.key());
            }
        }
        UserCommand::List { store } => {
            let (_, accounts) = open(&store)?;
            println!("{:<20} {:<12} {:<14} state", "name", "role", "scope");
            for u in accounts.users()? {
                println!(
                    "{:<20} {:<12} {:<14} {}",
                    u.name,
                    u.role.key(),
                    u.scope,
                    if u.disabled { "disabled" } else { "active" }
                );
            }
        }
        UserCommand::Disable { store, name } => {
            let (_, accounts) = open(&store)?;
            accounts.disable_user("cli", &name)?;
            println!("disabled {name}; their sessions ended");
        }
    }
    Ok(())
}
