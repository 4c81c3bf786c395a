//! Rule files: every shipped one loads; broken ones fail naming file, line and field.

use super::fixture::shipped;
use fenlei_governance::rules::{self, Grading, Scoring, load_dir_or_file, parse};

#[test]
fn every_shipped_rule_set_loads_and_orders() {
    let mut all = Vec::new();
    for p in [
        "compliant_estate.toml",
        "shanghai",
        "chongqing",
        "ministry_scorecard.toml",
    ] {
        all.extend(load_dir_or_file(&shipped(p)).unwrap());
    }
    assert_eq!(all.len(), 9);
    let ordered = rules::order(all).unwrap();
    let keys: Vec<&str> = ordered.iter().map(|s| s.key.as_str()).collect();
    // Lower levels first, so that roll-ups find the ratings they count.
    let pos = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert!(pos("compliant_estate") < pos("shanghai_street_grading"));
    assert!(pos("shanghai_street_grading") < pos("shanghai_demonstration_district"));
    assert!(pos("chongqing_pioneer_estate") < pos("chongqing_pioneer_community"));
    assert!(pos("chongqing_pioneer_community") < pos("chongqing_pioneer_street"));
    assert!(pos("chongqing_pioneer_street") < pos("chongqing_district_creation"));
    assert!(pos("chongqing_pioneer_village") < pos("chongqing_district_creation"));
    assert_eq!(*keys.last().unwrap(), "ministry_scorecard");
}

#[test]
fn the_scorecard_has_100_points_and_all_four_methods() {
    let s = rules::load_file(&shipped("ministry_scorecard.toml")).unwrap();
    let total: f64 = s.items.iter().filter_map(|i| i.scoring.points()).sum();
    assert_eq!(total, 100.0);
    for m in ["all_or_nothing", "deductions", "bands", "explanation"] {
        assert!(s.items.iter().any(|i| i.scoring.method() == m), "{m}");
    }
    assert!(matches!(s.grading, Grading::Points { .. }));
    let areas: std::collections::BTreeSet<_> =
        s.items.iter().filter_map(|i| i.area.clone()).collect();
    assert_eq!(areas.len(), 5);
}

const GOOD: &str = r#"key = "t"
version = 1
name_zh = "测试"
name_en = "Test"
level = "estate"
basis = "test"

[grading]
kind = "all_pass"
pass = "ok"
fail = "not_ok"

[[item]]
key = "participation"
label = "参与率"
figure = "metric:participation_rate"
at_least = 0.8
"#;

fn error_of(text: &str) -> String {
    parse("rules/t.toml", text).unwrap_err().to_string()
}

#[test]
fn a_good_file_parses() {
    let s = parse("t.toml", GOOD).unwrap();
    assert_eq!(s.id(), "t@1");
    assert!(matches!(&s.items[0].scoring, Scoring::Threshold(b) if b.at_least == Some(0.8)));
    assert_eq!(s.digest.len(), 64);
}

#[test]
fn an_unknown_metric_names_file_line_and_field() {
    let e = error_of(&GOOD.replace("metric:participation_rate", "metric:participaton_rate"));
    assert!(
        e.starts_with("rules/t.toml, line 16, field `item.participation.figure`"),
        "{e}"
    );
    assert!(e.contains("unknown metric \"participaton_rate\""), "{e}");
}

#[test]
fn a_missing_field_is_named() {
    let e = error_of(&GOOD.replace("label = \"参与率\"\n", ""));
    assert!(e.starts_with("rules/t.toml, line 1"), "{e}");
    assert!(e.contains("field `label`"), "{e}");
}

#[test]
fn an_unknown_field_is_named_with_its_line() {
    let e = error_of(&GOOD.replace("at_least = 0.8", "at_leest = 0.8"));
    assert!(
        e.starts_with("rules/t.toml, line 17, field `at_leest`"),
        "{e}"
    );
}

#[test]
fn a_wrong_type_is_named_with_its_line() {
    let e = error_of(&GOOD.replace("version = 1", "version = \"one\""));
    assert!(
        e.starts_with("rules/t.toml, line 2, field `version`"),
        "{e}"
    );
}

#[test]
fn a_bad_level_method_or_grading_is_named() {
    let e = error_of(&GOOD.replace("level = \"estate\"", "level = \"planet\""));
    assert!(e.starts_with("rules/t.toml, line 5, field `level`"), "{e}");
    let e = error_of(&GOOD.replace("kind = \"all_pass\"", "kind = \"vibes\""));
    assert!(
        e.starts_with("rules/t.toml, line 9, field `grading.kind`"),
        "{e}"
    );
    let e = error_of(&GOOD.replace(
        "at_least = 0.8",
        "method = \"bands\"\npoints = 5\nbands = []",
    ));
    assert!(
        e.contains("field `item.participation.method`") || e.contains("item.participation.bands"),
        "{e}"
    );
    let e = error_of(&GOOD.replace("at_least = 0.8", ""));
    assert!(
        e.starts_with("rules/t.toml, line 13, field `item.participation.at_least`"),
        "{e}"
    );
}

#[test]
fn roll_ups_must_name_a_rule_set_given_and_its_grades() {
    let street = GOOD
        .replace("key = \"t\"", "key = \"s\"")
        .replace("level = \"estate\"", "level = \"street\"")
        .replace("metric:participation_rate", "share:t:ok|great");
    let t = parse("t.toml", GOOD).unwrap();
    let s = parse("s.toml", &street).unwrap();
    let e = rules::order(vec![s.clone()]).unwrap_err();
    assert!(e.contains("not among the rule sets given"), "{e}");
    let e = rules::order(vec![s, t]).unwrap_err();
    assert!(e.contains("grade \"great\""), "{e}");
}
