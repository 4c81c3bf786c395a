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
    let out = ok(&["demo", "--preset", "tiny", "--days", "3"], dir.path());
    for label in [
        "参与率 Participation rate",
        "投放准确率 Put-in accuracy",
        "分类覆盖率 Coverage rate",
        "participation_rate@1",
        "目标 Target",
    ] {
        assert!(out.contains(label), "missing {label:?} in\n{out}");
    }
    // A second demo replaces the first one's store.
    ok(&["demo", "--preset", "tiny", "--days", "2"], dir.path());
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
    assert!(first.contains(" 0 duplicates, 0 rejected"), "{first}");
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
    let reports: serde_json::Value = serde_json::from_str(&json).expect("JSON report");
    let first = &reports.as_array().expect("array")[0];
    assert_eq!(first["level"], "estate");
    assert!(first["metrics"][0]["numerator"].as_f64().expect("number") > 0.0);
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
        csv.starts_with("id,name,level,from,to,metric,formula,value"),
        "{csv}"
    );
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
