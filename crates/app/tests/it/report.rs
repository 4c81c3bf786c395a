//! Reports: the JSON shape and the table's bilingual labels.

use fenlei_app::progress::Silent;
use fenlei_app::report;
use fenlei_app::simulate;
use fenlei_domain::{Day, DayRange, Level};
use fenlei_sim::{Preset, SimConfig};

#[test]
fn every_unit_reports_every_metric_with_formula_numerator_denominator_target_and_gap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let world = simulate::world(Preset::Tiny, 3);
    let mut store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
    let start = Day::parse("2026-01-10").expect("date");
    simulate::simulate_into(
        &mut store,
        &world,
        SimConfig { start, days: 5 },
        &mut Silent,
    )
    .expect("simulate");
    let estates = report::units_at(&store, Level::Estate, None);
    let range = DayRange {
        from: start,
        to: start.plus(4),
    };
    let reports = report::report(&mut store, &estates, range).expect("report");
    let json: serde_json::Value = serde_json::to_value(&reports).expect("json");
    let units = json.as_array().expect("one object per unit");
    assert_eq!(units.len(), estates.len());
    for u in units {
        assert!(u["id"].as_str().expect("id").starts_with('E'));
        assert!(!u["name"].as_str().expect("name").is_empty());
        assert_eq!(u["level"], "estate");
        let metrics = u["metrics"].as_array().expect("metrics");
        assert!(metrics.len() >= 9);
        for m in metrics {
            for field in [
                "formula",
                "value",
                "numerator",
                "denominator",
                "target",
                "gap",
            ] {
                assert!(m.get(field).is_some(), "{field} missing in {m}");
            }
            assert!(m["formula"].as_str().expect("formula").contains('@'));
        }
        let participation = metrics
            .iter()
            .find(|m| m["metric"] == "participation_rate")
            .expect("participation");
        let (n, d) = (
            participation["numerator"].as_f64().expect("n"),
            participation["denominator"].as_f64().expect("d"),
        );
        assert!(n > 0.0 && n <= d, "{participation}");
        assert!((participation["value"].as_f64().expect("v") - n / d).abs() < 1e-12);
    }
    let table = report::render_table(&reports);
    assert!(
        table.contains("参与率") && table.contains("Particip.") && table.contains("目标 Target"),
        "{table}"
    );
    let detail = report::render_unit(&reports[0]);
    assert!(
        detail.contains("厨余垃圾分出率 Kitchen waste separation rate")
            && detail.contains("participation_rate@1"),
        "{detail}"
    );
    let csv = report::render_csv(&reports).expect("csv");
    assert_eq!(
        csv.lines().count(),
        1 + reports.len() * reports[0].metrics.len()
    );
}
