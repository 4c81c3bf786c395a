//! The management commands as a user runs them: evaluate, case, points, incident, disclose,
//! on a small simulated city.

use std::path::{Path, PathBuf};
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

fn fails(args: &[&str], cwd: &Path) -> String {
    let out = fenlei(args, cwd);
    assert!(!out.status.success(), "fenlei {args:?} should fail");
    String::from_utf8(out.stderr).expect("UTF-8 output")
}

fn rules(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/rules")
        .join(rel)
        .display()
        .to_string()
}

/// A tiny city with November 2026 stored.
fn city() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    ok(
        &[
            "sim",
            "--preset",
            "tiny",
            "--days",
            "30",
            "--start",
            "2026-11-01",
            "--into",
            "db",
        ],
        dir.path(),
    );
    dir
}

#[test]
fn evaluate_publishes_once_per_data_and_explains_items() {
    let dir = city();
    let p = dir.path();
    let (estate, shanghai) = (rules("compliant_estate.toml"), rules("shanghai"));
    let args = [
        "evaluate", "--db", "db", "--rules", &estate, "--rules", &shanghai, "--period", "2026-11",
    ];
    let first = ok(&args, p);
    assert!(first.contains("published as version 1"), "{first}");
    assert!(first.contains("shanghai_street_grading@1"), "{first}");
    let again = ok(&args, p);
    assert!(
        again.contains("same data and rules as published version 1"),
        "{again}"
    );
    let mut explain = args.to_vec();
    explain.extend(["--unit", "E000001"]);
    let out = ok(&explain, p);
    assert!(out.contains("metric:participation_rate"), "{out}");
    assert!(out.contains("awareness_rate@1"), "{out}");
    // A case for every failed item, to the body the registry makes answer for it.
    let mut open = args.to_vec();
    open.extend(["--open-cases", "14"]);
    ok(&open, p);
    let stats = ok(&["case", "stats", "--db", "db"], p);
    assert!(
        stats.contains("property:E0000") && stats.contains("street_office:"),
        "{stats}"
    );
    ok(&open, p);
    assert_eq!(
        ok(&["case", "stats", "--db", "db"], p),
        stats,
        "cases are opened once per record"
    );
    // A broken rule file names file, line and field.
    std::fs::write(
        p.join("bad.toml"),
        std::fs::read_to_string(&estate)
            .unwrap()
            .replace("at_least = 0.80", "at_least = \"high\""),
    )
    .unwrap();
    let err = fails(
        &[
            "evaluate", "--db", "db", "--rules", "bad.toml", "--period", "2026-11",
        ],
        p,
    );
    assert!(err.contains("bad.toml, line 24, field `at_least`"), "{err}");
}

#[test]
fn a_case_goes_through_its_life_from_the_command_line() {
    let dir = city();
    let p = dir.path();
    let at = |s: &str| format!("2026-12-0{s}+08:00");
    let out = ok(
        &[
            "case",
            "open",
            "--db",
            "db",
            "--by",
            "督导员",
            "--unit",
            "E000001",
            "--problem",
            "满溢",
            "--action",
            "加桶",
            "--days",
            "2",
            "--at",
            &at("1T09:00:00"),
        ],
        p,
    );
    assert!(out.starts_with("CASE-000001 open"), "{out}");
    ok(
        &[
            "case",
            "assign",
            "--db",
            "db",
            "--by",
            "物业",
            "CASE-000001",
            "--to",
            "保洁",
            "--at",
            &at("1T10:00:00"),
        ],
        p,
    );
    let err = fails(
        &[
            "case",
            "fix",
            "--db",
            "db",
            "--by",
            "保洁",
            "1",
            "--note",
            "done",
            "--at",
            &at("1T11:00:00"),
        ],
        p,
    );
    assert!(err.contains("add evidence"), "{err}");
    std::fs::write(p.join("photo.jpg"), b"after").unwrap();
    ok(
        &[
            "case",
            "evidence",
            "--db",
            "db",
            "--by",
            "保洁",
            "1",
            "photo.jpg",
            "--at",
            &at("1T11:00:00"),
        ],
        p,
    );
    ok(
        &[
            "case",
            "fix",
            "--db",
            "db",
            "--by",
            "保洁",
            "1",
            "--note",
            "两个新桶",
            "--at",
            &at("1T12:00:00"),
        ],
        p,
    );
    let err = fails(
        &[
            "case",
            "verify",
            "--db",
            "db",
            "--by",
            "保洁",
            "1",
            "--at",
            &at("1T13:00:00"),
        ],
        p,
    );
    assert!(
        err.contains("verification by the same person is refused"),
        "{err}"
    );
    let out = ok(
        &[
            "case",
            "verify",
            "--db",
            "db",
            "--by",
            "街道",
            "1",
            "--at",
            &at("1T13:00:00"),
        ],
        p,
    );
    assert_eq!(out.trim(), "CASE-000001 verified");
    let show = ok(&["case", "show", "--db", "db", "1"], p);
    for step in ["open", "assign", "evidence", "fix", "verify"] {
        assert!(
            show.contains(&format!(" {step} ")),
            "{step} missing in\n{show}"
        );
    }
    // A second case goes overdue and escalates to the street, then the district.
    ok(
        &[
            "case",
            "open",
            "--db",
            "db",
            "--by",
            "督导员",
            "--unit",
            "E000002",
            "--problem",
            "落地",
            "--action",
            "清理",
            "--days",
            "1",
            "--at",
            &at("1T09:00:00"),
        ],
        p,
    );
    let up = ok(
        &["case", "escalate", "--db", "db", "--at", &at("3T09:00:00")],
        p,
    );
    assert!(up.contains("CASE-000002 escalated to level 1"), "{up}");
    assert!(
        ok(
            &["case", "escalate", "--db", "db", "--at", &at("3T09:00:00")],
            p
        )
        .contains("0 cases escalated")
    );
    let list = ok(
        &["case", "list", "--db", "db", "--at", &at("3T09:00:00")],
        p,
    );
    assert!(list.contains("2 cases, 1 overdue"), "{list}");
    let stats = ok(
        &["case", "stats", "--db", "db", "--at", &at("3T09:00:00")],
        p,
    );
    assert!(stats.contains("property:E000001"), "{stats}");
    assert!(stats.contains("100.0%"), "{stats}");
}

#[test]
fn points_are_posted_once_redeemed_once_and_verified() {
    let dir = city();
    let p = dir.path();
    let first = ok(&["points", "post", "--db", "db"], p);
    assert!(first.contains("30 days under chongqing@1"), "{first}");
    let again = ok(&["points", "post", "--db", "db"], p);
    assert!(
        again.contains(": 0 put-ins, 0 household postings"),
        "{again}"
    );
    // The household with the highest balance in this simulated month (deterministic seed).
    let h = "H000001837";
    let before: i64 = ok(&["points", "balance", "--db", "db", h], p)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(before >= 3, "{before}");
    let r = ok(
        &[
            "points", "redeem", "--db", "db", h, "--points", "3", "--item", "肥皂", "--key",
            "pos-1",
        ],
        p,
    );
    assert!(r.contains(&format!("balance {}", before - 3)), "{r}");
    let retry = ok(
        &[
            "points", "redeem", "--db", "db", h, "--points", "3", "--item", "肥皂", "--key",
            "pos-1",
        ],
        p,
    );
    assert!(retry.contains("already applied under key pos-1"), "{retry}");
    let err = fails(
        &[
            "points", "redeem", "--db", "db", h, "--points", "100000", "--item", "电视", "--key",
            "pos-2",
        ],
        p,
    );
    assert!(
        err.contains(&format!(
            "household:{h} holds {} points, 100000 needed",
            before - 3
        )),
        "{err}"
    );
    let history = ok(&["points", "history", "--db", "db", h], p);
    assert!(
        history
            .lines()
            .last()
            .unwrap()
            .contains("redeemed for 肥皂"),
        "{history}"
    );
    let v = ok(&["points", "verify", "--db", "db"], p);
    assert!(
        v.contains("every posting balanced, no household negative"),
        "{v}"
    );
}

#[test]
fn incidents_escalate_from_stored_time_unless_handled() {
    let dir = city();
    let p = dir.path();
    let list = ok(
        &[
            "incident",
            "list",
            "--db",
            "db",
            "--period",
            "2026-11-01..2026-11-07",
        ],
        p,
    );
    let ids: Vec<&str> = list
        .lines()
        .skip(2)
        .filter(|l| l.starts_with("inc-"))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert!(ids.len() >= 2, "{list}");
    let time = |id: &str| {
        list.lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_owned()
    };
    // The first is handled 10 minutes after it was seen: never escalated.
    let t = fenlei_time(&time(ids[0]), 600);
    ok(
        &[
            "incident", "ack", "--db", "db", ids[0], "--by", "保洁", "--at", &t,
        ],
        p,
    );
    ok(
        &[
            "incident", "handle", "--db", "db", ids[0], "--by", "保洁", "--at", &t,
        ],
        p,
    );
    let err = fails(
        &[
            "incident", "handle", "--db", "db", "inc-nope", "--by", "x", "--at", &t,
        ],
        p,
    );
    assert!(err.contains("no stored incident \"inc-nope\""), "{err}");
    let first = ok(
        &[
            "incident",
            "scan",
            "--db",
            "db",
            "--at",
            "2026-12-10T00:00:00+08:00",
        ],
        p,
    );
    assert!(first.contains(" cases opened"), "{first}");
    let again = ok(
        &[
            "incident",
            "scan",
            "--db",
            "db",
            "--at",
            "2026-12-10T00:00:00+08:00",
        ],
        p,
    );
    assert!(again.starts_with("0 steps taken"), "{again}");
    let list = ok(
        &[
            "incident",
            "list",
            "--db",
            "db",
            "--period",
            "2026-11-01..2026-11-07",
        ],
        p,
    );
    let row = |id: &str| list.lines().find(|l| l.starts_with(id)).unwrap().to_owned();
    assert!(!row(ids[0]).contains("remind"), "{}", row(ids[0]));
    assert!(
        row(ids[1]).contains("remind → case → street → district"),
        "{}",
        row(ids[1])
    );
}

/// `time` (RFC 3339, +08:00) plus `secs`, as RFC 3339.
fn fenlei_time(time: &str, secs: i64) -> String {
    let t = fenlei_domain::Timestamp::parse(time).unwrap();
    fenlei_domain::Timestamp(t.0 + secs).to_string()
}

#[test]
fn disclosure_snapshots_verify_byte_for_byte() {
    let dir = city();
    let p = dir.path();
    let out = ok(
        &[
            "disclose",
            "publish",
            "--db",
            "db",
            "--metric",
            "putin_accuracy",
            "--period",
            "2026-11",
            "--size",
            "3",
            "--out",
            "snap",
        ],
        p,
    );
    assert!(
        out.contains("红榜 red:") && out.contains("黑榜 black:"),
        "{out}"
    );
    for f in ["list.csv", "list.json", "list.xlsx", "manifest.json"] {
        assert!(p.join("snap").join(f).exists(), "{f}");
    }
    let v = ok(&["disclose", "verify", "--db", "db", "snap"], p);
    assert!(v.contains("byte for byte"), "{v}");
    let err = fails(
        &[
            "disclose",
            "publish",
            "--db",
            "db",
            "--metric",
            "putin_accuracy",
            "--period",
            "2026-11",
            "--out",
            "snap",
        ],
        p,
    );
    assert!(err.contains("already holds a published snapshot"), "{err}");
    // Ratings need a published evaluation first.
    let err = fails(
        &[
            "disclose",
            "publish",
            "--db",
            "db",
            "--rating",
            "compliant_estate",
            "--period",
            "2026-11",
            "--out",
            "r",
        ],
        p,
    );
    assert!(err.contains("run fenlei evaluate first"), "{err}");
    let estate = rules("compliant_estate.toml");
    ok(
        &[
            "evaluate", "--db", "db", "--rules", &estate, "--period", "2026-11",
        ],
        p,
    );
    ok(
        &[
            "disclose",
            "publish",
            "--db",
            "db",
            "--rating",
            "compliant_estate",
            "--period",
            "2026-11",
            "--out",
            "r",
        ],
        p,
    );
    ok(&["disclose", "verify", "--db", "db", "r"], p);
    // An edited file is caught.
    let json = p.join("snap/list.json");
    let text = std::fs::read_to_string(&json).unwrap();
    std::fs::write(&json, text.replacen('%', " %", 1)).unwrap();
    let err =
        String::from_utf8(fenlei(&["disclose", "verify", "--db", "db", "snap"], p).stdout).unwrap();
    assert!(err.contains("list.json: differs"), "{err}");
}

#[test]
fn targets_inherit_project_and_list_units_at_risk() {
    let dir = city();
    let p = dir.path();
    let out = ok(
        &[
            "targets", "--db", "db", "--period", "2026-11", "--weeks", "4",
        ],
        p,
    );
    // Participation: the street 500108001 sets its own 0.90, inherited by its estates.
    assert!(out.contains("500108001  2026-12-31"), "{out}");
    assert!(out.contains("property:E000001"), "{out}");
    let street = ok(
        &[
            "targets",
            "--db",
            "db",
            "--period",
            "2026-11",
            "--level",
            "street",
            "--metric",
            "putin_accuracy",
            "--weeks",
            "4",
            "--json",
        ],
        p,
    );
    let rows: serde_json::Value = serde_json::from_str(&street).unwrap();
    assert_eq!(rows[0]["set_at"], "*");
    assert_eq!(rows[0]["target"], 0.8);
    assert!(
        rows[0]["projection"]["low"].as_f64().unwrap()
            <= rows[0]["projection"]["high"].as_f64().unwrap()
    );
    let risky = ok(
        &[
            "targets",
            "--db",
            "db",
            "--period",
            "2026-11",
            "--weeks",
            "4",
            "--at-risk",
        ],
        p,
    );
    assert!(risky.contains("at risk or off track"), "{risky}");
    let err = fails(
        &[
            "targets",
            "--db",
            "db",
            "--period",
            "2026-11",
            "--metric",
            "happiness",
        ],
        p,
    );
    assert!(err.contains("unknown metric \"happiness\""), "{err}");
}

#[test]
fn inspection_findings_open_cases_once_and_overdue_cases_feed_ratings() {
    let dir = city();
    let p = dir.path();
    let out = ok(
        &[
            "case",
            "open",
            "--db",
            "db",
            "--by",
            "x",
            "--from-inspections",
            "2026-11",
            "--days",
            "3",
            "--at",
            "2026-12-01T00:00:00+08:00",
        ],
        p,
    );
    let n: usize = out.split_whitespace().next().unwrap().parse().unwrap();
    assert!(n > 0, "{out}");
    let again = ok(
        &[
            "case",
            "open",
            "--db",
            "db",
            "--by",
            "x",
            "--from-inspections",
            "2026-11",
            "--days",
            "3",
        ],
        p,
    );
    assert!(again.starts_with("0 cases opened"), "{again}");
    // Cases from November inspections due 3 days later: some are overdue at the period's end,
    // and the Chongqing pioneer estate rule counts them.
    let cq = rules("chongqing");
    ok(
        &[
            "evaluate", "--db", "db", "--rules", &cq, "--period", "2026-11",
        ],
        p,
    );
    let json = ok(
        &[
            "evaluate", "--db", "db", "--rules", &cq, "--period", "2026-11", "--json",
        ],
        p,
    );
    let record: serde_json::Value = serde_json::from_str(&json).unwrap();
    let overdue: f64 = record["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["items"].as_array().unwrap().iter())
        .filter(|i| i["figure"] == "cases_overdue")
        .map(|i| i["value"].as_f64().unwrap())
        .sum();
    assert!(overdue > 0.0, "no overdue case counted");
}
