//! `fenlei demo`: a populated system in one command: create a store for a simulated district,
//! simulate 30 days into it, print the district's metrics and its streets side by side, then
//! serve the dashboard and the API on it with one demo login per role (`--no-serve`: stop
//! after printing, for scripts).

use super::store_args::CityArgs;
use crate::bar::Bars;
use fenlei_app::{report, simulate};
use fenlei_domain::{Day, DayRange, Level};
use fenlei_server::accounts::{Accounts, Role};
use fenlei_sim::SimConfig;
use fenlei_store::EmbeddedStore;
use std::path::PathBuf;

/// Arguments of `fenlei demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Store directory for the demo (replaced if it holds an earlier demo).
    #[arg(long, default_value = "fenlei-demo")]
    db: PathBuf,
    #[command(flatten)]
    city: CityArgs,
    /// Days to simulate, ending yesterday.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Print the summary and stop instead of serving the dashboard.
    #[arg(long)]
    no_serve: bool,
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "FENLEI_ADDR")]
    addr: String,
}

/// Adds one demo user per role, each scoped to a fitting unit, with a random password;
/// returns (name, role, scope code, password).
fn demo_users(
    store: &EmbeddedStore,
    db: &std::path::Path,
) -> anyhow::Result<Vec<(String, Role, String, String)>> {
    let accounts = Accounts::open(db)?;
    let m = store.model();
    let first = |l: Level| m.at_level(l).next().map(|u| u.code.clone());
    let mut out = Vec::new();
    for role in Role::ALL {
        let scope = match role {
            Role::CityAdmin => first(Level::City),
            Role::District | Role::Hauler => first(Level::District),
            Role::Street => first(Level::Street),
            Role::Community => first(Level::Community),
            Role::Observer => first(Level::Street),
        };
        let Some(scope) = scope else { continue };
        let name = format!("demo_{}", role.key());
        let password = super::user::generate_password();
        accounts.add_user("demo", &name, &password, role, &scope)?;
        out.push((name, role, scope, password));
    }
    Ok(out)
}

/// Runs `fenlei demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.days > 0, "--days must be at least 1");
    if EmbeddedStore::exists(&args.db) {
        let old = EmbeddedStore::open_for_queries(&args.db)?;
        anyhow::ensure!(
            old.meta("demo")?.is_some(),
            "{} holds a store that is not a demo; choose another --db",
            args.db.display()
        );
        drop(old);
        std::fs::remove_dir_all(&args.db)?;
    }
    let t = std::time::Instant::now();
    let world = simulate::world(args.city.preset(), args.city.seed);
    let mut store = simulate::create_store_reporting(&args.db, &world, &mut Bars::new())?;
    store.set_meta("demo", "true")?;
    let start = Day::today().plus(-(args.days as i32));
    let config = SimConfig {
        start,
        days: args.days,
    };
    eprintln!(
        "fenlei demo: {} households in {} estates, {} days from {start}",
        world.household_count,
        world.estates.len(),
        args.days
    );
    let (stats, _) = simulate::simulate_into(&mut store, &world, config, &mut Bars::new())?;
    let range = DayRange::new(start, start.plus(args.days as i32 - 1)).expect("days > 0");
    let baseline = report::baseline_of(range);
    let districts = report::units_at(&store, Level::District, None);
    println!(
        "{}",
        report::render_table(&report::report(&mut store, &districts, range, baseline)?)
    );
    let streets = report::units_at(&store, Level::Street, None);
    println!(
        "{}",
        report::render_table(&report::report(&mut store, &streets, range, baseline)?)
    );
    let usage = store.disk_usage();
    println!(
        "{} events in {:.1} s; store {} ({:.1} MB). Next: fenlei report --db {} --level estate | fenlei plan --db {} | fenlei ingest --db {} FILE",
        stats.total(),
        t.elapsed().as_secs_f64(),
        args.db.display(),
        (usage.log_bytes + usage.db_bytes) as f64 / 1e6,
        args.db.display(),
        args.db.display(),
        args.db.display()
    );
    if args.no_serve {
        return Ok(());
    }
    let users = demo_users(&store, &args.db)?;
    drop(store);
    let config = fenlei_server::ServerConfig {
        addr: args.addr.clone(),
        db: args.db.clone(),
        ..fenlei_server::ServerConfig::default()
    };
    fenlei_server::run(config, |addr| {
        println!();
        println!(
            "仪表盘 Dashboard: http://{addr}/   (API: http://{addr}/api/v1/openapi.json; Ctrl-C stops)"
        );
        println!("演示账号 Demo logins (new passwords each demo):");
        for (name, role, scope, password) in &users {
            println!(
                "  {name:<20} {password}   {} {} · scope {scope}",
                role.key(),
                role.label_zh()
            );
        }
    })
}
