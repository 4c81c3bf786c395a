//! Targets inherited down the tree, the responsibility registry, projections by hand.

use super::fixture;
use fenlei_domain::{Day, Level, UnitId};
use fenlei_governance::targets::{self, Course, project};
use std::path::PathBuf;

const TARGETS: &str = "unit,metric,period,target,deadline,basis
*,participation_rate,2026,0.80,2026-12-31,city
S1,participation_rate,2026,0.85,2026-12-31,street S1
S1,participation_rate,2026-11,0.88,2026-11-30,street S1 November
E20,participation_rate,*,0.95,2026-12-31,one estate
";

#[test]
fn targets_inherit_down_the_tree_and_the_most_specific_period_wins() {
    let model = fixture::model();
    let t = targets::parse_targets("t.csv", TARGETS).unwrap();
    let nov = Day::from_ymd(2026, 11, 30).unwrap();
    let dec = Day::from_ymd(2026, 12, 31).unwrap();
    let get = |unit: u32, day| {
        let (row, from) =
            targets::resolve(&model, &t, UnitId(unit), "participation_rate", day).unwrap();
        (row.target, from)
    };
    assert_eq!(get(6, nov), (0.88, "S1".into())); // E10 under S1: the street's November row
    assert_eq!(get(6, dec), (0.85, "S1".into())); // … its yearly row in December
    assert_eq!(get(12, nov), (0.80, "*".into())); // E21 under S2: the city's
    assert_eq!(get(11, nov), (0.95, "E20".into())); // E20 has its own
    assert!(targets::resolve(&model, &t, UnitId(6), "putin_accuracy", nov).is_none());
}

#[test]
fn bad_target_rows_name_file_line_and_field() {
    let e = targets::parse_targets("t.csv", &TARGETS.replace("0.95", "high")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.csv, line 5, field `target`: \"high\" is not a number"
    );
    let e = targets::parse_targets("t.csv", &TARGETS.replace("2026-11,", "Nov,")).unwrap_err();
    assert!(
        e.to_string().starts_with("t.csv, line 4, field `period`"),
        "{e}"
    );
    let e = targets::parse_targets(
        "t.csv",
        &TARGETS.replace("*,participation_rate", "*,participaton"),
    )
    .unwrap_err();
    assert!(
        e.to_string().starts_with("t.csv, line 2, field `metric`"),
        "{e}"
    );
}

#[test]
fn the_shipped_targets_and_registry_load() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/rules");
    let t = targets::parse_targets(
        "unit_targets.csv",
        &std::fs::read_to_string(dir.join("unit_targets.csv")).unwrap(),
    )
    .unwrap();
    assert!(t.iter().any(|r| r.unit == "*"));
    let r = targets::parse_responsibility(
        "responsibility.csv",
        &std::fs::read_to_string(dir.join("responsibility.csv")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        targets::responsible_for(&r, Level::Estate, "E1", "putin_accuracy"),
        ["property:E1"]
    );
    assert_eq!(
        targets::responsible_for(&r, Level::District, "D", "coverage_rate"),
        ["district_office:D", "hauler:D"]
    );
    assert!(targets::responsible_for(&r, Level::Estate, "E1", "coverage_rate").is_empty());
}

#[test]
fn projections_fit_a_line_with_an_interval() {
    // A perfect line: 0.70, 0.72, 0.74, 0.76 over weeks 0..3 → week 8: 0.86, no spread.
    let h = [(0.0, 0.70), (1.0, 0.72), (2.0, 0.74), (3.0, 0.76)];
    let p = project(&h, 8.0).unwrap();
    assert!(
        (p.value - 0.86).abs() < 1e-12 && (p.high - p.low).abs() < 1e-9,
        "{p:?}"
    );
    assert!((p.slope_per_week - 0.02).abs() < 1e-12);
    assert_eq!(targets::course(Some(&p), 0.85, true), Course::OnTrack);
    assert_eq!(targets::course(Some(&p), 0.90, true), Course::OffTrack);
    // Noise: 0.70, 0.74, 0.72, 0.76 → slope 0.08 / 5 = 0.016, mean 0.73 at week 1.5;
    // residuals −0.006, 0.018, −0.018, 0.006: s = sqrt(0.00072 / 2) = 0.018974; at week 8:
    // 0.73 + 6.5 × 0.016 = 0.834, half-width 2.920 × s × sqrt(1 + 1/4 + 6.5² / 5) = 0.17256.
    let p = project(&[(0.0, 0.70), (1.0, 0.74), (2.0, 0.72), (3.0, 0.76)], 8.0).unwrap();
    assert!((p.value - 0.834).abs() < 1e-9, "{p:?}");
    assert!(((p.high - p.value) - 0.17256).abs() < 1e-4, "{p:?}");
    assert_eq!(targets::course(Some(&p), 0.85, true), Course::AtRisk);
    // Lower is better: the ceiling is met by the high end.
    assert_eq!(targets::course(Some(&p), 1.1, false), Course::OnTrack);
    assert_eq!(targets::course(Some(&p), 1.0, false), Course::AtRisk);
    assert_eq!(targets::course(None, 0.5, true), Course::Unknown);
    assert!(project(&h[..2], 8.0).is_none());
}

#[test]
fn villages_take_their_territory_s_target_before_the_city_s() {
    let model = fixture::model_with_village();
    let t = targets::parse_targets(
        "t.csv",
        &format!("{TARGETS}*rural,participation_rate,2026,0.70,2026-12-31,villages\n"),
    )
    .unwrap();
    let dec = Day::from_ymd(2026, 12, 31).unwrap();
    let get = |unit: u32| {
        let (row, from) =
            targets::resolve(&model, &t, UnitId(unit), "participation_rate", dec).unwrap();
        (row.target, from)
    };
    assert_eq!(get(12), (0.70, "*rural".into())); // a village group
    assert_eq!(get(5), (0.70, "*rural".into())); // the village
    assert_eq!(get(11), (0.95, "E20".into())); // its own row still wins
    assert_eq!(get(1), (0.80, "*".into())); // the county itself is not rural
}

#[test]
fn two_years_of_history_project_the_season_a_line_cannot() {
    use fenlei_governance::targets::{YEAR_WEEKS, project_trend};
    // A slow rise with a yearly swing of ±0.05 (more kitchen waste in summer, say).
    let truth = |x: f64| 0.60 + 0.001 * x + 0.05 * (std::f64::consts::TAU * x / YEAR_WEEKS).sin();
    let history: Vec<(f64, f64)> = (0..104).map(|w| (w as f64, truth(w as f64))).collect();
    let at = 117.0; // the quarter's peak, 13 weeks on
    let p = project(&history, at).unwrap();
    assert!(p.seasonal);
    assert!(
        (p.value - truth(at)).abs() < 0.005,
        "{p:?} vs {}",
        truth(at)
    );
    assert!((p.slope_per_week - 0.001).abs() < 0.0005, "{p:?}");
    assert!(p.low <= truth(at) && truth(at) <= p.high, "{p:?}");
    let line = project_trend(&history, at).unwrap();
    assert!(!line.seasonal);
    assert!((line.value - truth(at)).abs() > 0.03, "{line:?}");
    // Under a year and two months of history: a line, said so.
    let short = project(&history[..50], at).unwrap();
    assert!(!short.seasonal && short.season == 0.0);
}
