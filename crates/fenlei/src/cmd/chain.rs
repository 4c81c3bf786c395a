//! `fenlei chain`: the collection chain reconciled — trips, mixed-transport findings, mass
//! balance, plan against actual.

use super::govern_args::AtArgs;
use super::store_args::StoreArgs;
use anyhow::Context;
use fenlei_app::chain;
use fenlei_chain::{Grain, Tolerances};
use fenlei_domain::{Day, DayRange, Level};
use fenlei_store::EmbeddedStore;

/// The period and tolerances every chain command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct WindowArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// First day (YYYY-MM-DD); default: --to (one day).
    #[arg(long)]
    from: Option<Day>,
    /// Last day (YYYY-MM-DD); default: the last simulated day, else yesterday.
    #[arg(long)]
    to: Option<Day>,
    /// Days read before the period for a bin's previous pickup and the put-ins since.
    #[arg(long, default_value_t = chain::DEFAULT_LOOKBACK_DAYS)]
    lookback: u32,
    /// Relative gap between two stages (and a report against its tickets) that is flagged.
    #[arg(long, default_value_t = Tolerances::default().balance)]
    tolerance: f64,
    /// Relative gap between a pickup and the put-ins it emptied that is implausible.
    #[arg(long, default_value_t = Tolerances::default().pickup_relative)]
    pickup_tolerance: f64,
    /// Output format.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    format: String,
}

impl WindowArgs {
    fn open(&self) -> anyhow::Result<(EmbeddedStore, DayRange, Tolerances)> {
        let store = EmbeddedStore::open_for_queries(&self.store.db)?;
        let to = match self.to {
            Some(d) => d,
            None => chain::default_to(&store)?,
        };
        let from = self.from.unwrap_or(to);
        let range =
            DayRange::new(from, to).with_context(|| format!("--from {from} is after --to {to}"))?;
        anyhow::ensure!(
            (0.0..1.0).contains(&self.tolerance) && (0.0..10.0).contains(&self.pickup_tolerance),
            "tolerances are fractions, e.g. --tolerance 0.05 for 5 %"
        );
        let tol = Tolerances {
            balance: self.tolerance,
            pickup_relative: self.pickup_tolerance,
            ..Tolerances::default()
        };
        Ok((store, range, tol))
    }

    fn json(&self) -> bool {
        self.format == "json"
    }
}

/// `fenlei chain …`.
#[derive(Debug, clap::Subcommand)]
pub enum ChainCommand {
    /// Each truck's pickups in time order, ended by its weigh ticket.
    Trips {
        #[command(flatten)]
        window: WindowArgs,
        /// Only this truck (its code).
        #[arg(long)]
        vehicle: Option<String>,
        /// Only trips that lifted a bin under this unit (its code).
        #[arg(long)]
        unit: Option<String>,
    },
    /// Mixed-transport (混装混运) and plausibility rules: findings with evidence, stored.
    Check {
        #[command(flatten)]
        window: WindowArgs,
        /// Only findings of units under this unit (its code).
        #[arg(long)]
        unit: Option<String>,
        /// Open a rectification case per finding, due this many days after --at.
        #[arg(long, num_args = 0..=1, default_missing_value = "3")]
        open_cases: Option<u32>,
        #[command(flatten)]
        at: AtArgs,
    },
    /// Findings stored by earlier checks, with the case opened for each.
    Findings {
        #[command(flatten)]
        store: StoreArgs,
        /// First day (YYYY-MM-DD); default: --to.
        #[arg(long)]
        from: Option<Day>,
        /// Last day (YYYY-MM-DD); default: the last simulated day, else yesterday.
        #[arg(long)]
        to: Option<Day>,
        /// Output format.
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Mass balance: put-in → lifted → ticketed → delivered → treated → outputs, gaps flagged.
    Balance {
        #[command(flatten)]
        window: WindowArgs,
        /// Level of the rows' units.
        #[arg(long, default_value = "district", value_parser = ["city", "district", "street", "community", "estate", "point"])]
        level: String,
        /// Only units under this unit (its code).
        #[arg(long)]
        unit: Option<String>,
        /// One row per day or per month.
        #[arg(long, default_value = "month", value_parser = ["day", "month"])]
        by: String,
    },
    /// Stores the weighbridge tonnage of the period's ticketed pickups, per point and day,
    /// replacing an earlier run's for those days: the recycling and resource-utilisation
    /// rates (`@3`) then use weigh tickets where they cover the pickups. Run it daily for the
    /// day before, or over a period after a backfill.
    Reconcile {
        #[command(flatten)]
        window: WindowArgs,
    },
    /// A day's stored collection plan against what the trucks did: late, missed, unplanned,
    /// trucks used, extra distance.
    PlanVsActual {
        #[command(flatten)]
        store: StoreArgs,
        /// The day (YYYY-MM-DD).
        #[arg(long)]
        day: Day,
        /// The category.
        #[arg(long, default_value = "kitchen", value_parser = ["recyclable", "hazardous", "kitchen", "other"])]
        category: String,
        /// District code (default: the newest plan of the day and category in any district).
        #[arg(long)]
        district: Option<String>,
        /// A stored plan's id instead of the newest of the day.
        #[arg(long)]
        plan: Option<i64>,
        /// Minutes after the planned start from which a pickup is late.
        #[arg(long, default_value_t = 30)]
        late_after: i64,
        /// Output format.
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
}

fn within(
    store: &EmbeddedStore,
    code: Option<&str>,
) -> anyhow::Result<Option<fenlei_domain::UnitId>> {
    code.map(|c| {
        store
            .registry()
            .unit(c)
            .with_context(|| format!("no unit with code {c:?}"))
    })
    .transpose()
}

/// Runs `fenlei chain …`.
pub fn run(command: ChainCommand) -> anyhow::Result<()> {
    match command {
        ChainCommand::Trips {
            window,
            vehicle,
            unit,
        } => {
            let (store, range, tol) = window.open()?;
            let within = within(&store, unit.as_deref())?;
            let chain = chain::reconcile(&store, range, window.lookback, tol)?;
            let mut rows = match within {
                Some(u) => chain.trips_within(u),
                None => chain.trips(),
            };
            if let Some(v) = &vehicle {
                anyhow::ensure!(
                    store.model().vehicles.iter().any(|x| &x.code == v),
                    "no truck with code {v:?}"
                );
                rows.retain(|r| &r.vehicle == v);
            }
            if window.json() {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!("trips {range}");
                print!("{}", chain::render_trips(&rows));
            }
        }
        ChainCommand::Check {
            window,
            unit,
            open_cases,
            at,
        } => {
            let now = at.time()?;
            let (store, range, tol) = window.open()?;
            let chain = chain::reconcile(&store, range, window.lookback, tol)?;
            let mut findings = chain.findings();
            if let Some(u) = within(&store, unit.as_deref())? {
                let model = store.model();
                findings.retain(|f| {
                    store
                        .registry()
                        .unit(&f.unit)
                        .is_some_and(|x| model.ancestors(x).any(|a| a == u))
                });
            }
            let mut gov = fenlei_app::govern::open(&window.store.db)?;
            let recorded = chain::record(&mut gov, &findings, now, open_cases)?;
            if window.json() {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "period": range.to_string(),
                        "tolerances": tol,
                        "findings": findings,
                        "recorded": recorded,
                    }))?
                );
            } else {
                println!("findings {range}");
                print!("{}", chain::render_findings(&findings, &tol));
            }
            eprintln!(
                "{} findings, {} new in the governance database{}",
                findings.len(),
                recorded.new_findings,
                if open_cases.is_some() {
                    format!(", {} cases opened", recorded.cases_opened)
                } else {
                    String::new()
                }
            );
        }
        ChainCommand::Balance {
            window,
            level,
            unit,
            by,
        } => {
            let (store, range, tol) = window.open()?;
            let level = Level::parse(&level).expect("clap checked the value");
            let within = within(&store, unit.as_deref())?;
            let chain = chain::reconcile(&store, range, window.lookback, tol)?;
            let grain = if by == "day" {
                Grain::Day
            } else {
                Grain::Month
            };
            let rows = chain::balance(&chain, level, within, grain);
            if window.json() {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "period": range.to_string(),
                        "tolerance": tol.balance,
                        "rows": rows,
                    }))?
                );
            } else {
                println!(
                    "mass balance {range}, tolerance {:.0} %",
                    tol.balance * 100.0
                );
                print!("{}", chain::render_balance(&rows));
            }
        }
        ChainCommand::Reconcile { window } => {
            let (store, range, tol) = window.open()?;
            drop(store);
            let mut store = EmbeddedStore::open(&window.store.db)?;
            let stored = chain::store_weighed(
                &mut store,
                range,
                window.lookback,
                tol,
                &mut crate::bar::Bars::new(),
            )?;
            if window.json() {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "period": range.to_string(),
                        "stored": stored,
                    }))?
                );
            } else {
                println!(
                    "weighbridge tonnage {range}: {} point-day rows ({} rows over every level); ticketed pickups lifted {:.1} t, weighed {:.1} t",
                    stored.point_rows,
                    stored.unit_rows,
                    stored.lifted_kg / 1000.0,
                    stored.ticketed_kg / 1000.0
                );
            }
        }
        ChainCommand::Findings {
            store,
            from,
            to,
            format,
        } => {
            let db = store.db;
            let store = EmbeddedStore::open_for_queries(&db)?;
            let to = match to {
                Some(d) => d,
                None => chain::default_to(&store)?,
            };
            let from = from.unwrap_or(to);
            let range = DayRange::new(from, to)
                .with_context(|| format!("--from {from} is after --to {to}"))?;
            let gov = fenlei_app::govern::open(&db)?;
            let rows = chain::stored(&gov, range)?;
            if format == "json" {
                let list: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        let mut v: serde_json::Value =
                            serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null);
                        v["case"] = r.case_id.map_or(serde_json::Value::Null, Into::into);
                        v
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!("stored findings {range}: {}", rows.len());
                for r in &rows {
                    println!(
                        "{} {} {} {}: {}",
                        r.day,
                        r.rule,
                        r.unit,
                        r.case_id.map_or("no case".into(), |c| format!("case {c}")),
                        r.summary
                    );
                }
            }
        }
        ChainCommand::PlanVsActual {
            store,
            day,
            category,
            district,
            plan,
            late_after,
            format,
        } => {
            let store = EmbeddedStore::open_for_queries(&store.db)?;
            let category =
                fenlei_domain::Category::parse(&category).expect("clap checked the value");
            let district = within(&store, district.as_deref())?;
            let r = chain::plan_vs_actual(&store, day, category, district, plan, late_after)?;
            if format == "json" {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", chain::render_plan_vs_actual(&r));
            }
        }
    }
    Ok(())
}
