//! `fenlei verify`: checks that published figures are reproducible from stored data.
//!
//! By default the whole store: every put-in log block's checksum, one record per id, the key
//! index against the log, every rollup row (every unit, every stored day and month, every
//! category) against a rebuild from the raw events, and an independent recomputation for the
//! city and each district over every stored day. With `--unit`, `--from` or `--to`, one unit
//! and period against the independent recomputation. A mismatch names the unit, the period,
//! the category, the field, and the stored and recomputed values.

use super::store_args::{StoreArgs, unit_or_first};
use crate::bar::Bars;
use fenlei_app::progress::Progress;
use fenlei_app::report;
use fenlei_domain::{Day, DayRange, Level, Quantities, UnitId};
use fenlei_store::{EmbeddedStore, StoreError};

/// Arguments of `fenlei verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Only this unit (code), against the independent recomputation.
    #[arg(long)]
    unit: Option<String>,
    /// First day (YYYY-MM-DD) of a one-unit check; default: 29 days before --to (30 days in
    /// all, as in `report`).
    #[arg(long)]
    from: Option<Day>,
    /// Last day (YYYY-MM-DD) of a one-unit check; default: the last simulated day, else
    /// yesterday (as in `report`).
    #[arg(long)]
    to: Option<Day>,
}

/// Runs `fenlei verify`.
pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let (mut store, refused) = match EmbeddedStore::open(&args.store.db) {
        Ok(store) => (store, None),
        Err(StoreError::Damaged(damage)) => (
            EmbeddedStore::open_for_queries(&args.store.db)?,
            Some(damage),
        ),
        Err(e) => return Err(e.into()),
    };
    let days = store.put_in_days();
    let stored = match (days.first(), days.last()) {
        (Some(&a), Some(&b)) => DayRange::new(a, b),
        _ => None,
    };
    if args.unit.is_some() || args.from.is_some() || args.to.is_some() {
        let unit = unit_or_first(&store, args.unit.as_deref(), Level::City)?;
        let range = report::period(&store, args.from, args.to)?;
        println!(
            "报告期 Period {}..{} ({} 天 days)",
            range.from,
            range.to,
            range.len()
        );
        let problems = check_unit(&mut store, unit, range)?;
        anyhow::ensure!(problems == 0, "rollups differ from the raw events");
        return Ok(());
    }
    match stored {
        Some(r) => println!(
            "报告期 Period: the whole store, {}..{} ({} 天 days with put-ins)",
            r.from,
            r.to,
            days.len()
        ),
        None => println!("报告期 Period: the whole store (no put-ins yet)"),
    }

    let t = std::time::Instant::now();
    let mut bars = Bars::new();
    let mut started = false;
    let report = store.audit(&mut |done, total| {
        if !started {
            bars.start("verifying", total, "months");
            started = true;
        }
        bars.set(done);
    })?;
    bars.finish("");
    println!(
        "put-in log: {} files, {} blocks, {} put-ins, checksums {}",
        report.files,
        report.blocks,
        report.put_ins,
        if report.damage.is_empty() {
            "all valid"
        } else {
            "FAILED"
        }
    );
    for d in &report.damage {
        println!("  damaged: {d}");
    }
    if let Some(damage) = &refused
        && report.damage.is_empty()
    {
        for d in damage {
            println!("  damaged: {d}");
        }
    }
    println!(
        "ids: {} stored more than once, {} missing from the key index",
        report.duplicate_ids, report.unindexed_ids
    );
    println!(
        "rollups: {} rows of every unit, day and month against a rebuild from {} put-ins and {} other events: {} mismatches",
        report.rows, report.put_ins, report.events, report.mismatch_count
    );
    for m in &report.mismatches {
        println!("  {m}");
    }
    let mut problems = report.mismatch_count + report.duplicate_ids + report.unindexed_ids;
    problems += (report.damage.len() + refused.as_ref().map_or(0, Vec::len)) as u64;
    // The independent recomputation reads every day and needs the households: only on a
    // whole store.
    if let Some(range) = stored.filter(|_| problems == 0) {
        let mut units = vec![unit_or_first(&store, None, Level::City)?];
        units.extend(store.model().at_level(Level::District).map(|u| u.id));
        for unit in units {
            problems += check_unit(&mut store, unit, range)?;
        }
    }
    println!("({:.1} s)", t.elapsed().as_secs_f64());
    if problems > 0 {
        if !report.damage.is_empty() || refused.is_some() {
            println!(
                "run `fenlei repair --db {}` to quarantine the damage and rebuild the rollups",
                args.store.db.display()
            );
        }
        anyhow::bail!("the store failed verification ({problems} problems)");
    }
    println!("the store is whole: every figure is reproducible from the stored events");
    Ok(())
}

/// Compares one unit's rollups over `range` with the independent recomputation; prints each
/// field that differs and returns how many do.
fn check_unit(store: &mut EmbeddedStore, unit: UnitId, range: DayRange) -> anyhow::Result<u64> {
    let rolled = store.quantities(unit, range)?;
    let raw = fenlei_store::recompute(store, unit, range)?;
    let u = store.model().unit(unit);
    let name = format!("{} {}", u.code, u.name);
    let differences = differences(&rolled, &raw);
    if differences.is_empty() {
        println!(
            "{name} {range}: rollups equal the independent recomputation ({} put-ins, {} participating households)",
            raw.total().putins,
            raw.participating_households
        );
    } else {
        for (field, stored, recomputed) in &differences {
            println!("{name} {range} {field}: stored {stored}, recomputed {recomputed}");
        }
    }
    Ok(differences.len() as u64)
}

/// Leaf fields that differ, named as paths (`facts.kitchen.putins`).
fn differences(a: &Quantities, b: &Quantities) -> Vec<(String, String, String)> {
    let (a, b) = (
        serde_json::to_value(a).expect("serialisable"),
        serde_json::to_value(b).expect("serialisable"),
    );
    let mut out = Vec::new();
    diff("", &a, &b, &mut out);
    out
}

fn diff(
    path: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
    out: &mut Vec<(String, String, String)>,
) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff(&p, v, y.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                let name = if path.ends_with("facts") {
                    fenlei_domain::Category::from_index(i as u8)
                        .map_or(i.to_string(), |c| c.key().to_owned())
                } else {
                    i.to_string()
                };
                diff(&format!("{path}.{name}"), v, w, out);
            }
        }
        _ if a != b => out.push((path.to_owned(), a.to_string(), b.to_string())),
        _ => {}
    }
}
