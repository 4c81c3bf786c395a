//! `fenlei chain` end to end: a simulated tiny month stored, then trips, findings (stored once,
//! a case per finding once) and the mass balance, through the binary.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn fenlei(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run fenlei")
}

fn json(args: &[&str], cwd: &Path) -> Value {
    let out = fenlei(args, cwd);
    assert!(
        out.status.success(),
        "fenlei {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

const PERIOD: [&str; 4] = ["--from", "2026-11-01", "--to", "2026-11-30"];

#[test]
fn a_simulated_month_is_reconciled_and_its_mixing_opens_cases_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    // Seed 3's tiny city has an estate whose hauler loads kitchen bins into the other-waste truck.
    let out = fenlei(
        &[
            "sim",
            "--preset",
            "tiny",
            "--seed",
            "3",
            "--days",
            "30",
            "--start",
            "2026-11-01",
            "--into",
            "db",
        ],
        p,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut a = vec!["chain"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&["--db", "db", "--format", "json"]);
        a.extend_from_slice(&PERIOD);
        a
    };
    let at = ["--at", "2026-12-01T09:00:00+08:00"];
    let mut check = args(&["check", "--open-cases", "5"]);
    check.extend_from_slice(&at);
    let first = json(&check, p);
    let findings = first["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    for f in findings {
        let rule = f["rule"].as_str().expect("rule");
        assert!(
            matches!(
                rule,
                "truck_category_mismatch" | "ticket_category_mismatch" | "mixed_trip"
            ),
            "{f:#}"
        );
        assert!(!f["evidence"].as_array().expect("evidence").is_empty());
    }
    assert_eq!(first["recorded"]["new_findings"], findings.len());
    assert_eq!(first["recorded"]["cases_opened"], findings.len());
    // Re-running stores and opens nothing new.
    let again = json(&check, p);
    assert_eq!(again["findings"], first["findings"]);
    assert_eq!(again["recorded"]["new_findings"], 0);
    assert_eq!(again["recorded"]["cases_opened"], 0);
    let stored = json(&args(&["findings"]), p);
    let stored = stored.as_array().expect("stored findings");
    assert_eq!(stored.len(), findings.len());
    assert!(
        stored.iter().all(|f| f["case"].as_u64().is_some()),
        "{stored:#?}"
    );
    let cases = fenlei(&["case", "list", "--db", "db"], p);
    let cases = String::from_utf8_lossy(&cases.stdout);
    assert!(cases.contains("桶车不一致"), "{cases}");

    // Every trip of the month ended at a weighbridge.
    let trips = json(&args(&["trips"]), p);
    let trips = trips.as_array().expect("trips");
    assert!(trips.len() > 60);
    assert!(
        trips.iter().all(|t| t["status"] == "ticketed"),
        "{trips:#?}"
    );

    // The balance per estate: only the mixing estate's kitchen waste has a gap, in transport.
    let mixing: Vec<&str> = findings
        .iter()
        .filter(|f| f["rule"] == "truck_category_mismatch")
        .map(|f| f["unit"].as_str().expect("unit"))
        .collect();
    let balance = json(&args(&["balance", "--level", "estate"]), p);
    let rows = balance["rows"].as_array().expect("rows");
    assert!(rows.len() >= 4 * 8);
    let mut gaps = 0;
    for r in rows {
        assert!(r["treated_kg"].as_f64().expect("treated") > 0.0, "{r:#}");
        for g in r["gaps"].as_array().expect("gaps") {
            gaps += 1;
            assert_eq!(g["stage"], "transport", "{r:#}");
            assert_eq!(r["category"], "kitchen", "{r:#}");
            assert!(mixing.contains(&r["unit"].as_str().expect("unit")), "{r:#}");
        }
    }
    assert!(
        gaps > 0,
        "the mixing estate's kitchen waste never reached a kitchen ticket"
    );

    // Reconciled tonnage: before `chain reconcile` the recycling rates rest on bin lifts;
    // after it on the weigh tickets, which the balance shows; a second run changes nothing.
    let report = |p: &Path| -> Vec<Value> {
        let mut a = vec![
            "report", "--db", "db", "--level", "city", "--format", "json",
        ];
        a.extend_from_slice(&PERIOD);
        let r = json(&a, p);
        r["units"][0]["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .filter(|m| {
                m["metric"] == "recycling_rate" || m["metric"] == "resource_utilisation_rate"
            })
            .cloned()
            .collect()
    };
    let before = report(p);
    assert_eq!(before.len(), 2);
    for m in &before {
        assert!(
            m["formula"].as_str().expect("formula").ends_with("@3"),
            "{m:#}"
        );
        assert_eq!(m["tonnage_source"]["weighbridge_kg"], 0.0, "{m:#}");
    }
    let reconciled = json(&args(&["reconcile"]), p);
    let ticketed = reconciled["stored"]["ticketed_kg"]
        .as_f64()
        .expect("ticketed");
    let lifted = reconciled["stored"]["lifted_kg"].as_f64().expect("lifted");
    assert!(ticketed > 1000.0 && lifted > 1000.0, "{reconciled:#}");
    // Every trip was ticketed with pickups: the estates' ticketed weight in the balance.
    let balance_ticketed: f64 = rows
        .iter()
        .map(|r| r["ticketed_kg"].as_f64().expect("ticketed"))
        .sum();
    assert!(
        (balance_ticketed - ticketed).abs() < 0.05 * rows.len() as f64,
        "{balance_ticketed} {ticketed}"
    );
    let after = report(p);
    for (b, a) in before.iter().zip(&after) {
        let source = &a["tonnage_source"];
        let weighed = source["weighbridge_kg"].as_f64().expect("kg");
        assert!((weighed - ticketed).abs() < 0.01, "{a:#}");
        // The denominator: the bin lifts no ticket covers plus the tickets' weight.
        let denominator = a["denominator"].as_f64().expect("denominator");
        let lifted_all = b["denominator"].as_f64().expect("denominator");
        assert!(
            (denominator - (lifted_all - lifted + ticketed)).abs() < 0.01,
            "{a:#} {b:#}"
        );
        assert!(
            source["weighbridge_share"].as_f64().expect("share") > 0.99,
            "{a:#}"
        );
    }
    json(&args(&["reconcile"]), p);
    assert_eq!(
        report(p),
        after,
        "a second reconciliation counts nothing twice"
    );
}

#[test]
fn a_missing_store_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = fenlei(&["chain", "check", "--db", "nowhere"], dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nowhere"), "{err}");
}
