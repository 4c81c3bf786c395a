//! The green-account ledger: earnings from the log, redemptions with idempotency keys,
//! reversals, and property tests over random sequences with crashes between steps.

use fenlei_domain::{
    Category, CategorySet, CityModel, Day, EventKey, Household, HouseholdId, Level, PutIn,
    Registry, Source, Timestamp, Unit, UnitId, Verdict,
};
use fenlei_governance::GovernanceDb;
use fenlei_governance::points::ledger::{self, Applied, household_account};
use fenlei_governance::points::{Ledger, LedgerError, PointsRules, earn};
use proptest::prelude::*;
use std::path::PathBuf;

fn rules() -> PointsRules {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/points/national.toml");
    PointsRules::parse("national.toml", &std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A city with one estate and one point, and `n` households H0…
fn registry(n: u32) -> Registry {
    let unit = |id: u32, level: Level, parent: Option<u32>| Unit {
        id: UnitId(id),
        code: format!("U{id}"),
        name: format!("U{id}"),
        level,
        parent: parent.map(UnitId),
        households: n,
        residents: 2 * n,
        accepts: if level == Level::Point {
            CategorySet::BINS
        } else {
            CategorySet::default()
        },
        x_m: 0,
        y_m: 0,
    };
    let model = CityModel {
        ruleset: "national".into(),
        units: vec![
            unit(0, Level::City, None),
            unit(1, Level::District, Some(0)),
            unit(2, Level::Street, Some(1)),
            unit(3, Level::Community, Some(2)),
            unit(4, Level::Estate, Some(3)),
            unit(5, Level::Point, Some(4)),
        ],
        vehicles: vec![],
        facilities: vec![],
    };
    Registry::new(
        model,
        (0..n).map(|i| Household {
            code: format!("H{i}"),
            estate: UnitId(4),
            home_point: UnitId(5),
            persons: 2,
        }),
    )
}

fn put_in(seq: u64, household: u32, category: Category, verdict: Verdict) -> PutIn {
    PutIn {
        key: EventKey(seq),
        time: Timestamp::at(day(), 7 * 3600 + seq as u32),
        point: UnitId(5),
        household: Some(HouseholdId(household)),
        category,
        grams: 500,
        verdict,
        source: Source::SmartBin,
    }
}

fn day() -> Day {
    Day::from_ymd(2026, 11, 2).unwrap()
}

fn balance(db: &GovernanceDb, h: &str) -> i64 {
    db.balances_of(&[household_account(h)]).unwrap()[0]
}

#[test]
fn the_shipped_points_rules_load() {
    for city in ["national", "shanghai", "chongqing"] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../../data/points/{city}.toml"));
        let r = PointsRules::parse(city, &std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(r.city, city);
        assert!(r.daily_cap > 0);
    }
    let e = PointsRules::parse("x.toml", "city = \"x\"\nversion = 1\nbasis = \"\"\nsources = [\"drone\"]\ndaily_cap = 1\nwrong = 1\n[correct]\nrecyclable = 1\nhazardous = 1\nkitchen = 1\nother = 1\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.toml, line 4, field `sources`: unknown source \"drone\"; expected smart_bin, supervisor, camera or manual"
    );
}

#[test]
fn a_day_earns_by_hand_and_late_put_ins_top_it_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let reg = registry(3);
    let r = rules();
    // H0: 3 recyclables (2 each) + 1 wrong = 6 − 1 = 5. H1: 12 kitchen → capped at 10.
    // H2: only wrong → −1, but holds nothing: 0.
    let mut log = vec![];
    for i in 0..3 {
        log.push(put_in(i, 0, Category::Recyclable, Verdict::Correct));
    }
    log.push(put_in(3, 0, Category::Other, Verdict::Incorrect));
    for i in 0..12 {
        log.push(put_in(10 + i, 1, Category::Kitchen, Verdict::Correct));
    }
    log.push(put_in(30, 2, Category::Other, Verdict::Incorrect));
    log.push(put_in(31, 2, Category::Other, Verdict::Unchecked));
    let posted = earn::post_day(&mut db, &r, &reg, day(), &log, 100).unwrap();
    assert_eq!((posted.households, posted.issued), (2, 15));
    assert_eq!(
        (balance(&db, "H0"), balance(&db, "H1"), balance(&db, "H2")),
        (5, 10, 0)
    );
    // Again: nothing new.
    let again = earn::post_day(&mut db, &r, &reg, day(), &log, 200).unwrap();
    assert_eq!((again.new_put_ins, again.households), (0, 0));
    // Late put-ins: H0 two more recyclables (6 + 4 = 10 → cap 10, − 1 = 9: +4); H1 capped: 0.
    log.push(put_in(40, 0, Category::Recyclable, Verdict::Correct));
    log.push(put_in(41, 0, Category::Recyclable, Verdict::Correct));
    log.push(put_in(42, 1, Category::Kitchen, Verdict::Correct));
    let late = earn::post_day(&mut db, &r, &reg, day(), &log, 300).unwrap();
    assert_eq!((late.new_put_ins, late.households, late.issued), (3, 1, 4));
    assert_eq!(balance(&db, "H0"), 9);
    let v = earn::verify(&db, &r, &reg, |_| Ok(log.clone())).unwrap();
    assert_eq!(v.problems, Vec::<String>::new());
    assert_eq!((v.postings, v.earnings), (2, 2));
    // A log that lost a put-in no longer reproduces the balances.
    let mut short = log.clone();
    short.remove(0);
    short.push(put_in(99, 2, Category::Other, Verdict::Unchecked));
    let v = earn::verify(&db, &r, &reg, |_| Ok(short.clone())).unwrap();
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("differs from its recomputation")),
        "{:?}",
        v.problems
    );
}

#[test]
fn a_household_s_history_holds_its_lines_of_bulk_and_ordinary_postings() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    // 200 households each with one correct kitchen put-in: a posting of 201 lines, kept out
    // of the account index.
    let reg = registry(200);
    let r = rules();
    let log: Vec<PutIn> = (0..200)
        .map(|h| put_in(h as u64, h, Category::Kitchen, Verdict::Correct))
        .collect();
    let posted = earn::post_day(&mut db, &r, &reg, day(), &log, 100).unwrap();
    assert_eq!(posted.households, 200);
    ledger::redeem(&mut db, "H7", 1, "soap", "r1", 200).unwrap();
    let history = db.history(&household_account("H7")).unwrap();
    let amounts: Vec<i64> = history.iter().map(|(_, a)| *a).collect();
    let kitchen = r.correct[Category::Kitchen.index()];
    assert_eq!(amounts, [kitchen, -1]);
    assert_eq!(balance(&db, "H7"), kitchen - 1);
    assert_eq!(db.history(&household_account("H8")).unwrap().len(), 1);
}

#[test]
fn redemptions_are_idempotent_never_overdraw_and_reverse_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let reg = registry(1);
    let log: Vec<PutIn> = (0..5)
        .map(|i| put_in(i, 0, Category::Recyclable, Verdict::Correct))
        .collect();
    earn::post_day(&mut db, &rules(), &reg, day(), &log, 1).unwrap();
    assert_eq!(balance(&db, "H0"), 10);
    let a = ledger::redeem(&mut db, "H0", 7, "大米", "t-1", 2).unwrap();
    let retry = ledger::redeem(&mut db, "H0", 7, "大米", "t-1", 3).unwrap();
    assert!(matches!(a, Applied::Now(_)));
    assert_eq!(retry, Applied::Before(a.id()));
    assert_eq!(balance(&db, "H0"), 3);
    let e = ledger::redeem(&mut db, "H0", 5, "油", "t-1", 4).unwrap_err();
    assert!(matches!(e, LedgerError::KeyReused(_)), "{e}");
    let e = ledger::redeem(&mut db, "H0", 5, "油", "t-2", 4).unwrap_err();
    assert_eq!(e.to_string(), "household:H0 holds 3 points, 5 needed");
    assert_eq!(balance(&db, "H0"), 3);
    let r = ledger::reverse(&mut db, a.id(), "r-1", "goods out of stock", 5).unwrap();
    assert_eq!(balance(&db, "H0"), 10);
    let e = ledger::reverse(&mut db, a.id(), "r-2", "twice", 6).unwrap_err();
    assert!(e.to_string().contains("already reversed"), "{e}");
    let e = ledger::reverse(&mut db, r.id(), "r-3", "undo", 6).unwrap_err();
    assert!(e.to_string().contains("is a reversal"), "{e}");
    let e = ledger::reverse(&mut db, 1, "r-4", "no", 6).unwrap_err();
    assert!(
        e.to_string().contains("computed from the put-in log"),
        "{e}"
    );
    // Postings are never edited in place.
    let conn = rusqlite::Connection::open(dir.path().join("governance.sqlite")).unwrap();
    assert!(conn.execute("UPDATE lines SET amount = 99", []).is_err());
    let v = earn::verify(&db, &rules(), &reg, |_| Ok(log.clone())).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
}

#[derive(Clone, Debug)]
enum Step {
    /// Put-ins arrive: (household, correct?) pairs, then the day is posted.
    Earn(Vec<(u32, bool)>),
    /// A redemption, with its key number.
    Redeem {
        household: u32,
        points: i64,
        key: u8,
    },
    /// A redemption retried with the key of an earlier one.
    Retry(u8),
    /// Reverse the n-th posting made so far.
    Reverse(usize),
    /// Killed in the middle of a redemption, after `lines` lines; the database is reopened.
    Crash {
        household: u32,
        points: i64,
        lines: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        prop::collection::vec((0u32..4, prop::bool::weighted(0.8)), 0..12).prop_map(Step::Earn),
        (0u32..4, 1i64..12, 0u8..6).prop_map(|(household, points, key)| Step::Redeem {
            household,
            points,
            key
        }),
        (0u8..6).prop_map(Step::Retry),
        (0usize..10).prop_map(Step::Reverse),
        (0u32..4, 1i64..5, 0usize..2).prop_map(|(household, points, lines)| Step::Crash {
            household,
            points,
            lines
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_every_invariant(steps in prop::collection::vec(step(), 1..25)) {
        let dir = tempfile::tempdir().unwrap();
        let mut db = GovernanceDb::open(dir.path()).unwrap();
        let reg = registry(4);
        let r = rules();
        let mut log: Vec<PutIn> = Vec::new();
        let mut redeemed: Vec<(u8, u32, i64)> = Vec::new();
        for s in steps {
            match s {
                Step::Earn(batch) => {
                    for (h, ok) in batch {
                        let v = if ok { Verdict::Correct } else { Verdict::Incorrect };
                        log.push(put_in(log.len() as u64, h, Category::Kitchen, v));
                    }
                    earn::post_day(&mut db, &r, &reg, day(), &log, 1).unwrap();
                }
                Step::Redeem { household, points, key } => {
                    let before = balance(&db, &format!("H{household}"));
                    let res = ledger::redeem(&mut db, &format!("H{household}"), points, "goods", &key.to_string(), 2);
                    let after = balance(&db, &format!("H{household}"));
                    match res {
                        Ok(Applied::Now(_)) => {
                            prop_assert_eq!(after, before - points);
                            redeemed.push((key, household, points));
                        }
                        Ok(Applied::Before(_)) | Err(_) => prop_assert_eq!(after, before),
                    }
                }
                Step::Retry(key) => {
                    if let Some(&(k, h, p)) = redeemed.iter().find(|r| r.0 == key) {
                        let before = balance(&db, &format!("H{h}"));
                        let res = ledger::redeem(&mut db, &format!("H{h}"), p, "goods", &k.to_string(), 3).unwrap();
                        prop_assert!(matches!(res, Applied::Before(_)));
                        prop_assert_eq!(balance(&db, &format!("H{h}")), before);
                    }
                }
                Step::Reverse(n) => {
                    let postings = db.postings().unwrap();
                    if let Some(p) = postings.get(n) {
                        let _ = ledger::reverse(&mut db, p.id, &format!("rev-{}", p.id), "test", 4);
                    }
                }
                Step::Crash { household, points, lines } => {
                    let p = ledger::NewPosting {
                        key: format!("crash-{}", log.len()),
                        kind: ledger::PostingKind::Redeem,
                        at: 5,
                        reverses: None,
                        memo: "killed".into(),
                        covers: None,
                        lines: vec![(household_account(&format!("H{household}")), -points), (ledger::REDEMPTIONS.into(), points)],
                    };
                    let before = db.all_balances().unwrap();
                    let _ = db.post_interrupted(&p, lines);
                    drop(db);
                    db = GovernanceDb::open(dir.path()).unwrap();
                    prop_assert_eq!(db.all_balances().unwrap(), before);
                }
            }
            // Invariants after every step: balanced, never negative, reproducible.
            let balances = db.all_balances().unwrap();
            prop_assert_eq!(balances.values().sum::<i64>(), 0);
            prop_assert!(balances.iter().all(|(a, b)| !a.starts_with("household:") || *b >= 0));
            let v = earn::verify(&db, &r, &reg, |_| Ok(log.clone())).unwrap();
            prop_assert!(v.problems.is_empty(), "{:?}", v.problems);
        }
    }
}
