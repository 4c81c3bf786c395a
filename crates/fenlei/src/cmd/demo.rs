//! `fenlei demo`: a populated system in one command: create a store for a simulated district,
//! simulate 30 days into it, reconcile its trips with the weigh tickets (the tonnages the
//! recycling rates use), print the district's metrics and its streets side by side, then
//! plan tomorrow's kitchen and other-waste routes, rate the estates and communities under the
//! shipped rules, take the incident ladder's steps and serve the dashboard and the API on it
//! with one demo login per role (`--no-serve`: stop after printing, for scripts).

use super::store_args::CityArgs;
use crate::bar::Bars;
use fenlei_app::govern::{self, evaluate::EvaluateRequest, incidents};
use fenlei_app::plan::{self, PlanRequest};
use fenlei_app::{report, simulate};
use fenlei_domain::{Category, Day, DayRange, Level};
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

/// The shipped rule sets the demo rates with (compiled in, so the demo runs from any folder):
/// the compliant-estate rule and Chongqing's pioneer tiers.
const DEMO_RULES: [(&str, &str); 6] = [
    (
        "compliant_estate.toml",
        include_str!("../../../../data/rules/compliant_estate.toml"),
    ),
    (
        "pioneer_estate.toml",
        include_str!("../../../../data/rules/chongqing/pioneer_estate.toml"),
    ),
    (
        "pioneer_community.toml",
        include_str!("../../../../data/rules/chongqing/pioneer_community.toml"),
    ),
    (
        "pioneer_village.toml",
        include_str!("../../../../data/rules/chongqing/pioneer_village.toml"),
    ),
    (
        "pioneer_street.toml",
        include_str!("../../../../data/rules/chongqing/pioneer_street.toml"),
    ),
    (
        "district_creation.toml",
        include_str!("../../../../data/rules/chongqing/district_creation.toml"),
    ),
];

/// What the dashboard shows beyond the figures: tomorrow's kitchen and other-waste plans (a
/// few seconds of solving each), the period's ratings under the shipped rules (written into
/// `<db>/rules/`), and the incident ladder's steps at the end of the last day (reminders and
/// cases).
fn populate(
    store: &mut EmbeddedStore,
    db: &std::path::Path,
    range: DayRange,
) -> anyhow::Result<()> {
    let district = store
        .model()
        .at_level(Level::District)
        .next()
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("the demo city has no district"))?;
    for category in [Category::Kitchen, Category::Other] {
        let req = PlanRequest {
            district,
            category,
            day: range.to.plus(1),
            lookback_days: 7,
            // A few seconds: enough for a plan to look at, not the best one.
            time_limit: std::time::Duration::from_secs(5),
            iterations: Some(5_000),
            seed: 1,
            threads: 1,
        };
        let p = plan::plan(store, &req, &mut Bars::new())?;
        eprintln!(
            "plan {} {}: {} trucks, {:.1} km{}",
            req.day,
            category.key(),
            p.vehicles,
            p.distance_m as f64 / 1000.0,
            if p.feasible { "" } else { " (not feasible)" }
        );
    }
    let rules = db.join("rules");
    std::fs::create_dir_all(&rules)?;
    for (name, text) in DEMO_RULES {
        std::fs::write(rules.join(name), text)?;
    }
    let mut gov = govern::open(db)?;
    let outcome = govern::evaluate::evaluate(
        store,
        &mut gov,
        &EvaluateRequest {
            rules: vec![rules],
            range,
            explanations: None,
        },
        govern::end_of(range),
    )?;
    eprintln!(
        "ratings published: {} (version {})",
        outcome.published.record.ratings.len(),
        outcome.published.version
    );
    let steps = incidents::scan(store, &mut gov, govern::end_of(range))?;
    eprintln!(
        "incident ladder: {} steps taken up to {}",
        steps.len(),
        govern::end_of(range)
    );
    Ok(())
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
    // The weighbridge's word for the tonnages the recycling and resource-utilisation rates use.
    fenlei_app::chain::store_weighed(
        &mut store,
        range,
        fenlei_app::chain::DEFAULT_LOOKBACK_DAYS,
        fenlei_chain::Tolerances::default(),
        &mut Bars::new(),
    )?;
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
    populate(&mut store, &args.db, range)?;
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
