//! Evaluations on the hand-built city, with expected ratings worked out by hand, and the
//! published record's reproducibility and immutability.

use super::fixture::{self, Estate, GOOD, period, shipped};
use fenlei_domain::{Category, IncidentKind, Level, UnitId};
use fenlei_governance::evaluate::{EvaluationRecord, Explanation, Outcome, Rating, evaluate};
use fenlei_governance::rules::{self, RuleSet, load_dir_or_file, parse};
use fenlei_governance::{EvaluationLog, GovernanceDb, publish};

fn load(paths: &[&str]) -> Vec<RuleSet> {
    let mut v = Vec::new();
    for p in paths {
        v.extend(load_dir_or_file(&shipped(p)).unwrap());
    }
    rules::order(v).unwrap()
}

/// The shipped compliant-estate rule without its awareness item (no survey data exists), to
/// exercise the roll-ups to grades other than "no grade".
fn compliant_without_awareness() -> RuleSet {
    let text = std::fs::read_to_string(shipped("compliant_estate.toml")).unwrap();
    let start = text.find("[[item]]\nkey = \"awareness\"").unwrap();
    let end = start + text[start..].find("\n\n").unwrap() + 2;
    parse(
        "compliant_no_awareness.toml",
        &format!("{}{}", &text[..start], &text[end..]),
    )
    .unwrap()
}

fn rating<'a>(r: &'a EvaluationRecord, ruleset: &str, unit: &str) -> &'a Rating {
    r.ratings
        .iter()
        .find(|x| x.ruleset.starts_with(ruleset) && x.unit == unit)
        .unwrap()
}

fn estates() -> [Estate; 7] {
    let weak_accuracy = Estate {
        correct_of_100: 79,
        ..GOOD
    };
    let severe_mixing = Estate {
        mixed_incidents: 5,
        ..GOOD
    };
    [GOOD, GOOD, GOOD, weak_accuracy, severe_mixing, GOOD, GOOD]
}

#[test]
fn missing_awareness_is_no_data_never_a_pass() {
    let model = fixture::model();
    let sets = load(&["compliant_estate.toml"]);
    let r = evaluate(
        &model,
        &sets,
        period(),
        &fixture::inputs(&model, &estates()),
    )
    .unwrap();
    let e10 = rating(&r, "compliant_estate", "E10");
    assert_eq!(e10.grade, None);
    assert_eq!(e10.reason, "no grade: no data for awareness");
    let aw = &e10.items[0];
    assert_eq!(aw.outcome, Outcome::NoData);
    assert!(aw.source.contains("residents surveyed"), "{}", aw.source);
    // A failed item still fails the estate, data or not.
    assert_eq!(
        rating(&r, "compliant_estate", "E13").grade.as_deref(),
        Some("not_compliant")
    );
}

#[test]
fn shanghai_streets_and_district_roll_up_from_estates() {
    let model = fixture::model();
    let mut sets = vec![compliant_without_awareness()];
    sets.extend(load_dir_or_file(&shipped("shanghai")).unwrap());
    let sets = rules::order(sets).unwrap();
    let r = evaluate(
        &model,
        &sets,
        period(),
        &fixture::inputs(&model, &estates()),
    )
    .unwrap();
    // Estates: E13 misses accuracy (0.79 < 0.8), E14 has 5 mixed put-ins (veto).
    let grades: Vec<_> = ["E10", "E11", "E12", "E13", "E14", "E20", "E21"]
        .iter()
        .map(|c| rating(&r, "compliant_estate", c).grade.clone().unwrap())
        .collect();
    assert_eq!(
        grades,
        [
            "compliant",
            "compliant",
            "compliant",
            "not_compliant",
            "not_compliant",
            "compliant",
            "compliant"
        ]
    );
    assert_eq!(
        rating(&r, "compliant_estate", "E13").reason,
        "failed: accuracy"
    );
    assert_eq!(
        rating(&r, "compliant_estate", "E14").reason,
        "failed: severe_mixing"
    );
    // Item by item: value, threshold, source figure.
    let part = &rating(&r, "compliant_estate", "E10").items[0];
    assert_eq!(
        (part.item.as_str(), part.value, part.requirement.as_str()),
        ("participation", Some(0.9), "≥ 0.8")
    );
    assert!(part.source.starts_with("90 / 100 ("), "{}", part.source);
    assert!(
        part.source.contains("participation_rate@1"),
        "{}",
        part.source
    );
    // S1: 3 of 5 compliant = 0.6 → good; S2: 2 of 2 → excellent.
    let s1 = rating(&r, "shanghai_street_grading", "S1");
    assert_eq!(s1.grade.as_deref(), Some("good"));
    assert_eq!(s1.items[0].source, "3 of 5 units below");
    assert_eq!(
        rating(&r, "shanghai_street_grading", "S2").grade.as_deref(),
        Some("excellent")
    );
    // District: every street good or better (2/2) but only 1 of 2 excellent (< 85 %).
    let d = rating(&r, "shanghai_demonstration_district", "D");
    assert_eq!(d.grade.as_deref(), Some("not_demonstration"));
    assert_eq!(d.reason, "failed: demonstration_streets");
}

#[test]
fn chongqing_tiers_without_survey_data_create_nothing() {
    let model = fixture::model();
    let sets = load(&["chongqing"]);
    let r = evaluate(
        &model,
        &sets,
        period(),
        &fixture::inputs(&model, &estates()),
    )
    .unwrap();
    assert_eq!(rating(&r, "chongqing_pioneer_estate", "E10").grade, None);
    let m1 = rating(&r, "chongqing_pioneer_community", "M1");
    assert_eq!(m1.grade.as_deref(), Some("not_pioneer"));
    assert_eq!(m1.items[0].source, "0 of 5 units below");
    assert_eq!(
        rating(&r, "chongqing_pioneer_street", "S1")
            .grade
            .as_deref(),
        Some("not_pioneer")
    );
    assert_eq!(
        rating(&r, "chongqing_district_creation", "D")
            .grade
            .as_deref(),
        Some("behind_target")
    );
}

#[test]
fn the_scorecard_adds_up_by_hand() {
    let model = fixture::model();
    let sets = load(&["ministry_scorecard.toml"]);
    let mut inputs = fixture::inputs(&model, &estates());
    let city = inputs.units.get_mut(&UnitId(0)).unwrap();
    let q = &mut city.quantities;
    q.households = 1000;
    q.residents = 2500;
    q.days_with_data = 30; // every day of the period
    q.estates = 10;
    q.estates_covered = 10;
    q.participating_households = 850; // 0.85 → 7 of 10
    q.facts[0].judged = 1000;
    q.facts[0].correct = 920; // 0.92 → 10 of 10
    q.facts[0].containers = 20;
    q.facts[0].containers_pass = 16; // 0.80 → 6 of 10
    q.incidents[IncidentKind::IllegalDumping as usize] = 20; // 5 − 20 × 0.05 = 4
    q.facts[Category::Recyclable.index()].collected_grams = 200_000;
    q.facts[Category::Kitchen.index()].collected_grams = 300_000;
    q.facts[Category::Other.index()].collected_grams = 500_000;
    // recycling (200 + 300) / 1000 = 0.5 → 10; utilisation (200 + 300 + 0.8 × 500) / 1000 = 0.9
    // → 10; kitchen separation 0.3 → 5; other waste 500 kg / (2500 × 30) → 5; coverage → 5.
    city.cases.overdue = 2; // 5 − 2 = 3
    inputs.explanations = vec![
        Explanation {
            ruleset: "ministry_scorecard".into(),
            item: "regulations".into(),
            unit: "C".into(),
            points: 8.0,
            note: "条例 in force".into(),
        },
        Explanation {
            ruleset: "ministry_scorecard".into(),
            item: "publicity".into(),
            unit: "C".into(),
            points: 7.0,
            note: "capped at 5".into(),
        },
    ];
    let r = evaluate(&model, &sets, period(), &inputs).unwrap();
    let c = rating(&r, "ministry_scorecard", "C");
    // 8 + 0 (task list: no explanation) + 3 | 7 + 10 + 5 | 6 + 4 | 10 + 10 + 5 | 0 (awareness) + 5 + 5
    assert_eq!(c.points, Some(78.0));
    assert_eq!(c.grade.as_deref(), Some("good"));
    assert!(
        c.reason
            .contains("no data (0 points) for task_list, awareness"),
        "{}",
        c.reason
    );
    let got = |k: &str| c.items.iter().find(|i| i.item == k).unwrap();
    assert_eq!(
        (got("participation").points, got("participation").outcome),
        (Some(7.0), Outcome::Partial)
    );
    assert_eq!(got("illegal_dumping").points, Some(4.0));
    assert_eq!(got("publicity").points, Some(5.0));
    assert_eq!(got("task_list").outcome, Outcome::NoData);
    assert_eq!(model.unit(UnitId(0)).level, Level::City);
}

#[test]
fn same_data_same_record_corrections_make_a_new_version() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture::model();
    let sets = load(&["compliant_estate.toml", "shanghai"]);
    let inputs = fixture::inputs(&model, &estates());
    let first = evaluate(&model, &sets, period(), &inputs).unwrap();
    let again = evaluate(&model, &sets, period(), &inputs).unwrap();
    assert_eq!(first, again);
    assert_eq!(first.digest(), again.digest());

    let mut db = GovernanceDb::open(dir.path()).unwrap();
    let (v1, new) = publish(&mut db, &first, 100).unwrap();
    assert!(new);
    assert_eq!(v1.version, 1);
    let (same, new) = publish(&mut db, &again, 200).unwrap();
    assert!(!new);
    assert_eq!((same.version, same.recorded_at), (1, 100));

    // Data corrected afterwards: the published version stays as it was.
    let mut corrected = estates();
    corrected[0].participating = 70;
    let fixed = evaluate(
        &model,
        &sets,
        period(),
        &fixture::inputs(&model, &corrected),
    )
    .unwrap();
    assert_ne!(fixed.inputs_digest, first.inputs_digest);
    let (v2, new) = publish(&mut db, &fixed, 300).unwrap();
    assert!(new);
    assert_eq!(v2.version, 2);
    drop(db);
    let db = GovernanceDb::open(dir.path()).unwrap();
    assert_eq!(
        db.version(&first.scope(), 1).unwrap().unwrap().record,
        first
    );
    assert_eq!(db.latest(&first.scope()).unwrap().unwrap().record, fixed);
    assert_eq!(db.list().unwrap().len(), 2);

    // The table refuses edits and deletions.
    let conn = rusqlite::Connection::open(dir.path().join("governance.sqlite")).unwrap();
    let e = conn
        .execute("UPDATE evaluations SET record = '{}'", [])
        .unwrap_err();
    assert!(e.to_string().contains("immutable"), "{e}");
    let e = conn.execute("DELETE FROM evaluations", []).unwrap_err();
    assert!(e.to_string().contains("never deleted"), "{e}");
}

#[test]
fn villages_are_rated_by_the_village_rule_and_count_toward_the_district() {
    let model = fixture::model_with_village();
    let rural: Vec<u32> = (0..13).filter(|&u| model.is_rural(UnitId(u))).collect();
    assert_eq!(
        rural,
        [3, 5, 11, 12],
        "the town, its village and the village's groups"
    );
    let sets = load(&["chongqing"]);
    let mut inputs = fixture::inputs(&model, &estates());
    // The village as its collector reports it: 90 of 100 households, 85 of 100 bags right,
    // collected separately.
    inputs.units.get_mut(&UnitId(5)).unwrap().quantities =
        fixture::estate_quantities(UnitId(5), GOOD);
    let r = evaluate(&model, &sets, period(), &inputs).unwrap();
    let rated = |set: &str| -> Vec<&str> {
        r.ratings
            .iter()
            .filter(|x| x.ruleset.starts_with(set))
            .map(|x| x.unit.as_str())
            .collect()
    };
    assert_eq!(rated("chongqing_pioneer_village@"), ["500229101201"]);
    assert_eq!(rated("chongqing_pioneer_community@"), ["500229001001"]);
    assert_eq!(
        rated("chongqing_pioneer_estate@"),
        ["E10", "E11", "E12", "E13", "E14"]
    );
    let village = rating(&r, "chongqing_pioneer_village", "500229101201");
    assert_eq!(village.grade.as_deref(), Some("pioneer"));
    let district = rating(&r, "chongqing_district_creation", "500229");
    let communities = district
        .items
        .iter()
        .find(|i| i.item == "pioneer_communities")
        .unwrap();
    assert_eq!(communities.source, "1 of 2 units below");
    assert_eq!(district.grade.as_deref(), Some("behind_target"));
}

#[test]
fn an_unknown_territory_names_file_line_and_field() {
    let text = std::fs::read_to_string(shipped("chongqing/pioneer_village.toml")).unwrap();
    let e = parse(
        "village.toml",
        &text.replace("territory = \"rural\"", "territory = \"suburb\""),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("village.toml, line 7, field `territory`: unknown territory \"suburb\""),
        "{e}"
    );
}
