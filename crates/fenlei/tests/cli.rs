//! The binary as a user runs it: demo, init, sim, ingest, report, with their errors.

use std::path::Path;
use std::process::{Command, Output};

fn fenlei(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run fenlei")
}

fn ok(args: &[&str], cwd: &Path) -> String {
    let out = fenlei(args, cwd);
    assert!(
        out.status.success(),
        "fenlei {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn the_demo_prints_a_bilingual_metrics_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = ok(
        &["demo", "--preset", "tiny", "--days", "3", "--no-serve"],
        dir.path(),
    );
    for label in [
        "参与率 Participation rate",
        "投放准确率 Put-in accuracy",
        "分类覆盖率 Coverage rate",
        "participation_rate@1",
        "报告期 Period",
        "Target",
        "非官方目标 fenlei default",
    ] {
        assert!(out.contains(label), "missing {label:?} in\n{out}");
    }
    // A second demo replaces the first one's store.
    ok(
        &["demo", "--preset", "tiny", "--days", "2", "--no-serve"],
        dir.path(),
    );
}

#[test]
fn a_simulated_feed_goes_through_init_ingest_and_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(
        &["init", "--preset", "tiny", "--seed", "4", "--db", "db"],
        p,
    );
    ok(
        &[
            "sim",
            "--preset",
            "tiny",
            "--seed",
            "4",
            "--days",
            "2",
            "--start",
            "2026-01-05",
            "--out",
            "feed.jsonl",
        ],
        p,
    );
    let first = ok(&["ingest", "--db", "db", "feed.jsonl"], p);
    assert!(
        first.contains(" 0 duplicates, 0 conflicts, 0 rejected"),
        "{first}"
    );
    let second = ok(&["ingest", "--db", "db", "feed.jsonl"], p);
    assert!(
        second.contains(" 0 stored"),
        "re-ingest stores nothing: {second}"
    );
    let json = ok(
        &[
            "report",
            "--db",
            "db",
            "--level",
            "estate",
            "--from",
            "2026-01-05",
            "--to",
            "2026-01-06",
            "--format",
            "json",
        ],
        p,
    );
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON report");
    assert_eq!(report["period"]["from"], "2026-01-05");
    assert_eq!(report["period"]["days"], 2);
    let first = &report["units"].as_array().expect("array")[0];
    assert_eq!(first["level"], "estate");
    assert!(first["metrics"][0]["numerator"].as_f64().expect("number") > 0.0);
    assert!(
        first["metrics"][0]["target"]["set_by"].is_string(),
        "{first}"
    );
    // Against itself as the baseline, other waste is reduced by exactly nothing.
    let json = ok(
        &[
            "report",
            "--db",
            "db",
            "--level",
            "district",
            "--from",
            "2026-01-05",
            "--to",
            "2026-01-06",
            "--baseline-from",
            "2026-01-05",
            "--baseline-to",
            "2026-01-06",
            "--format",
            "json",
        ],
        p,
    );
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON report");
    let reduction = report["units"][0]["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["metric"] == "other_waste_reduction")
        .expect("reduction")
        .clone();
    assert_eq!(reduction["value"], 0.0, "{reduction}");
    assert_eq!(report["period"]["baseline_from"], "2026-01-05");
    let csv = ok(
        &[
            "report",
            "--db",
            "db",
            "--level",
            "district",
            "--from",
            "2026-01-05",
            "--to",
            "2026-01-06",
            "--format",
            "csv",
        ],
        p,
    );
    assert!(
        csv.starts_with("period_from,period_to,days_asked,id,name,level,days_with_data"),
        "{csv}"
    );
    // Report and a one-unit verify share one default period, printed at the top; the default
    // verify checks the whole store and says so at the top.
    let table = ok(&["report", "--db", "db", "--level", "district"], p);
    let verify = ok(&["verify", "--db", "db", "--unit", "500000"], p);
    let whole = ok(&["verify", "--db", "db"], p);
    assert!(
        whole.starts_with("报告期 Period: the whole store, 2026-01-05..2026-01-06"),
        "{whole}"
    );
    for out in [&table, &verify] {
        assert!(out.starts_with("报告期 Period "), "{out}");
        assert!(
            out.lines().next().expect("line").contains("(30 天 days"),
            "{out}"
        );
    }
    let period = |out: &str| out.split(" (").next().expect("a period").to_owned();
    assert_eq!(period(&table), period(&verify));
}

#[test]
fn csv_feeds_ingest_from_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(
        &[
            "sim",
            "--preset",
            "tiny",
            "--days",
            "1",
            "--start",
            "2026-02-01",
            "--out",
            "feed",
            "--format",
            "csv",
        ],
        p,
    );
    assert!(p.join("feed/put_in.csv").exists() && p.join("feed/pickup.csv").exists());
    ok(&["init", "--preset", "tiny", "--db", "db"], p);
    let out = ok(&["ingest", "--db", "db", "feed"], p);
    assert!(
        out.contains("put_in.csv") && out.contains("pickup.csv") && !out.contains("rejected ("),
        "{out}"
    );
}

#[test]
fn mistakes_get_clear_errors_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = fenlei(&["report", "--db", "nowhere"], dir.path());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nowhere") && err.contains("fenlei init"),
        "{err}"
    );
    ok(&["init", "--preset", "tiny", "--db", "db"], dir.path());
    let out = fenlei(
        &[
            "report",
            "--db",
            "db",
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-01",
        ],
        dir.path(),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("after --to"));
    let out = fenlei(&["init", "--preset", "tiny", "--db", "db"], dir.path());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a fenlei store"));
}

#[test]
fn collection_plans_are_solved_stored_and_shown_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(
        &[
            "sim",
            "--preset",
            "tiny",
            "--days",
            "5",
            "--start",
            "2026-05-01",
            "--into",
            "db",
        ],
        p,
    );
    let out = ok(
        &[
            "plan",
            "--db",
            "db",
            "--category",
            "other",
            "--iterations",
            "200",
            "--time",
            "20",
        ],
        p,
    );
    assert!(
        out.contains("可行 feasible") && out.contains("Truck") && out.contains("2026-05-06"),
        "{out}"
    );
    let list = ok(&["plan", "--db", "db", "--list"], p);
    assert!(list.starts_with("#1 ") && list.contains("other"), "{list}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["plan", "--db", "db", "--show", "1", "--json"], p))
            .expect("JSON plan");
    assert_eq!(json["category"], "other");
    assert!(json["routes"][0]["stops"].as_array().expect("stops").len() > 2);
    // The same day for other solvers, and back through fenlei's own reader.
    let out = ok(
        &[
            "plan",
            "--db",
            "db",
            "--category",
            "other",
            "--export-vrplib",
            "day.vrp",
        ],
        p,
    );
    assert!(out.contains("wrote day.vrp"), "{out}");
    let solved: serde_json::Value = serde_json::from_str(&ok(
        &["route", "solve", "day.vrp", "--iterations", "100", "--json"],
        p,
    ))
    .expect("JSON result");
    assert_eq!(solved["feasible"], true, "{solved}");
    assert_eq!(solved["objective"], "hierarchical");
}

fn repo_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_router_solves_a_file_writes_a_sol_and_names_bad_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let instance = repo_root().join("data/vrp/solomon/C101.txt");
    let sol = dir.path().join("c101.sol");
    let out = ok(
        &[
            "route",
            "solve",
            instance.to_str().expect("path"),
            "--iterations",
            "300",
            "--json",
            "--sol",
            sol.to_str().expect("path"),
        ],
        dir.path(),
    );
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON result");
    assert_eq!(json["feasible"], true);
    assert!(json["vehicles"].as_u64().expect("vehicles") >= 10);
    let text = std::fs::read_to_string(&sol).expect("sol written");
    assert!(
        text.starts_with("Route #1: ") && text.lines().last().expect("a line").starts_with("Cost "),
        "{text}"
    );
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "C101\n\nVEHICLE\nNUMBER CAPACITY\n 25 200\n\nCUSTOMER\nCUST NO. XCOORD. YCOORD. DEMAND READY DUE SERVICE\n 0 40 50 0 0 1236 0\n 1 45 x 10 912 967 90\n").expect("write");
    let out = fenlei(
        &[
            "route",
            "solve",
            bad.to_str().expect("path"),
            "--iterations",
            "10",
        ],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bad.txt:10:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_router_benchmark_reports_gaps_against_the_best_known_solutions() {
    let out = ok(
        &[
            "route",
            "bench",
            "--set",
            "solomon",
            "--only",
            "C101,C201",
            "--iterations",
            "300",
        ],
        &repo_root(),
    );
    assert!(
        out.contains("C101") && out.contains("C201") && out.contains("summary: 2 instances"),
        "{out}"
    );
}

#[test]
fn conflicts_are_reported_and_damage_is_verified_then_repaired() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    ok(
        &["init", "--preset", "tiny", "--seed", "5", "--db", "db"],
        p,
    );
    ok(
        &[
            "sim",
            "--preset",
            "tiny",
            "--seed",
            "5",
            "--days",
            "3",
            "--start",
            "2026-11-27",
            "--out",
            "feed.jsonl",
        ],
        p,
    );
    ok(&["ingest", "--db", "db", "feed.jsonl"], p);
    let clean = ok(&["verify", "--db", "db"], p);
    assert!(clean.contains("the store is whole"), "{clean}");

    // The first put-in again, one day later and heavier: a conflict, reported with its fields.
    let feed = std::fs::read_to_string(p.join("feed.jsonl")).expect("feed");
    let line = feed
        .lines()
        .find(|l| l.contains("\"put_in\""))
        .expect("a put-in");
    let mut record: serde_json::Value = serde_json::from_str(line).expect("JSON");
    let time = record["time"].as_str().expect("time").to_owned();
    let day: u32 = time[8..10].parse().expect("day of month");
    record["time"] = format!("{}{:02}{}", &time[..8], day + 1, &time[10..]).into();
    record["grams"] = (record["grams"].as_f64().expect("grams") + 7.0).into();
    std::fs::write(p.join("again.jsonl"), format!("{record}\n")).expect("write");
    let out = ok(
        &[
            "ingest",
            "--db",
            "db",
            "again.jsonl",
            "--rejects",
            "rej.jsonl",
        ],
        p,
    );
    assert!(out.contains("0 stored, 0 duplicates, 1 conflicts"), "{out}");
    let rejects = std::fs::read_to_string(p.join("rej.jsonl")).expect("reject file");
    let row: serde_json::Value = serde_json::from_str(rejects.trim()).expect("JSON row");
    assert_eq!(row["reason"], "conflict");
    assert_eq!(row["line"], 1);
    let fields: Vec<&str> = row["differs"]
        .as_array()
        .expect("differs")
        .iter()
        .map(|d| d["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["time", "grams"]);

    // A flipped byte: ingest refuses, verify names the day, repair quarantines and rebuilds.
    let file = p.join("db/putins/2026-11-28.log");
    let mut bytes = std::fs::read(&file).expect("day file");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&file, bytes).expect("write");
    let refused = fenlei(&["ingest", "--db", "db", "feed.jsonl"], p);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("2026-11-28") && err.contains("fenlei repair"),
        "{err}"
    );
    let verify = fenlei(&["verify", "--db", "db"], p);
    assert!(!verify.status.success());
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(
        report.contains("damaged") && report.contains("2026-11-28.log"),
        "{report}"
    );
    let repaired = ok(&["repair", "--db", "db"], p);
    assert!(
        repaired.contains("2026-11-28:") && repaired.contains("lost"),
        "{repaired}"
    );
    assert!(
        p.join("db/putins/quarantine")
            .read_dir()
            .expect("dir")
            .count()
            == 1
    );
    ok(&["ingest", "--db", "db", "feed.jsonl"], p);
    let whole = ok(&["verify", "--db", "db"], p);
    assert!(whole.contains("the store is whole"), "{whole}");
}

#[test]
fn the_checker_judges_solution_files_and_puts_breaks_back() {
    let root = repo_root();
    let instance = root.join("data/vrp/solomon/C101.txt");
    let bks = root.join("data/vrp/solomon/C101.sol");
    let args = |i: &Path, s: &Path| {
        vec![
            "route".to_string(),
            "check".into(),
            i.display().to_string(),
            s.display().to_string(),
            "--json".into(),
        ]
    };
    let run = |a: Vec<String>| -> serde_json::Value {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        serde_json::from_str(&ok(&a, &root)).expect("JSON verdict")
    };
    let json = run(args(&instance, &bks));
    assert_eq!(
        (json["feasible"].clone(), json["cost"].clone()),
        (true.into(), "827.3".into())
    );
    // Kim's trucks take a lunch break that `.sol` files do not record.
    let dir = tempfile::tempdir().expect("tempdir");
    let kim = root.join("data/vrp/wcvrptw_kim2006/102_stop.txt");
    let sol = dir.path().join("kim.sol");
    ok(
        &[
            "route",
            "solve",
            kim.to_str().expect("path"),
            "--iterations",
            "100",
            "--sol",
            sol.to_str().expect("path"),
        ],
        &root,
    );
    assert!(!std::fs::read_to_string(&sol).expect("sol").contains('L'));
    let json = run(args(&kim, &sol));
    assert_eq!(json["feasible"], true, "{json}");
    // A client left out is caught.
    let text = std::fs::read_to_string(&bks).expect("sol");
    let short = dir.path().join("short.sol");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[0] = lines[0]
        .trim_end()
        .rsplit_once(' ')
        .expect("ids")
        .0
        .to_string();
    std::fs::write(&short, lines.join("\n")).expect("write");
    let json = run(args(&instance, &short));
    assert_eq!(json["feasible"], false);
    assert!(
        json["violations"][0]
            .as_str()
            .expect("text")
            .contains("not visited")
    );
}

/// `fenlei … | head`: a reader that goes away ends the run quietly and successfully, not
/// with a panic about a broken pipe.
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let instance = repo_root().join("data/vrp/solomon/C101.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fenlei"))
        .args(["route", "solve", instance.to_str().expect("UTF-8 path")])
        .args(["--iterations", "50"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run fenlei");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
}
