//! Reports: the JSON shape, the table's bilingual labels, the CSV columns, the period on top.

use fenlei_app::progress::Silent;
use fenlei_app::report;
use fenlei_app::simulate;
use fenlei_domain::{Day, DayRange, Level};
use fenlei_sim::{Preset, SimConfig};

#[test]
fn every_figure_carries_unit_ratio_formula_target_status_data_and_sample() {
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
    // The default period: 30 days ending on the last simulated day, 5 of them with data.
    let range = report::period(&store, None, None).expect("period");
    assert_eq!((range.from, range.to), (start.plus(4 - 29), start.plus(4)));
    let estates = report::units_at(&store, Level::Estate, None);
    let r =
        report::report(&mut store, &estates, range, report::baseline_of(range)).expect("report");
    assert_eq!(
        r.period.baseline_from,
        Day::parse("2024-12-16").expect("date")
    );
    let json: serde_json::Value = serde_json::to_value(&r).expect("json");
    assert_eq!(json["period"]["days"], 30);
    let units = json["units"].as_array().expect("one object per unit");
    assert_eq!(units.len(), estates.len());
    for u in units {
        assert!(u["id"].as_str().expect("id").starts_with('E'));
        assert_eq!(u["level"], "estate");
        assert_eq!(u["data"]["days_with_data"], 5);
        assert_eq!(u["data"]["complete"], false);
        let metrics = u["metrics"].as_array().expect("metrics");
        assert!(
            metrics.iter().all(|m| m["metric"] != "wet_share"),
            "a Chongqing city"
        );
        for m in metrics {
            for field in [
                "formula",
                "formula_text",
                "value",
                "unit",
                "numerator",
                "numerator_unit",
                "denominator",
                "denominator_unit",
                "target",
                "gap",
                "data",
                "sample",
                "status",
            ] {
                assert!(m.get(field).is_some(), "{field} missing in {m}");
            }
            assert!(m["formula"].as_str().expect("formula").contains('@'));
            assert_ne!(m["status"], "met", "5 days of 30 are never met: {m}");
        }
        let accuracy = metrics
            .iter()
            .find(|m| m["metric"] == "putin_accuracy")
            .expect("accuracy");
        assert_eq!(accuracy["sample"]["method"], "wilson");
        assert_eq!(accuracy["target"]["status"], "local");
        let purity = metrics
            .iter()
            .find(|m| m["metric"] == "purity_pass_rate")
            .expect("purity");
        assert_eq!(purity["target"]["official"], false);
    }
    let table = report::render_table(&r);
    assert!(
        table.starts_with(&format!("报告期 Period {}..{}", range.from, range.to))
            && table.contains("参与率")
            && table.contains("Particip.")
            && table.contains("目标 Target")
            && table.contains("非官方目标 fenlei default")
            && table.contains("Days with data"),
        "{table}"
    );
    let one = report::report(&mut store, &estates[..1], range, report::baseline_of(range))
        .expect("report");
    let detail = report::render_table(&one);
    assert!(
        detail.contains("厨余垃圾分出率 Kitchen waste separation rate")
            && detail.contains("kitchen_separation_rate@2")
            && detail.contains("数据不足 incomplete")
            && detail.contains("Wilson ["),
        "{detail}"
    );
    let csv = report::render_csv(&r).expect("csv");
    assert!(csv.starts_with(&report::CSV_COLUMNS.join(",")), "{csv}");
    assert_eq!(
        csv.lines().count(),
        1 + r.units.len() * r.units[0].metrics.len()
    );
    let second = csv.lines().nth(1).expect("a row");
    assert!(
        second.starts_with(&format!("{},{},30,", range.from, range.to)),
        "{second}"
    );
}

#[test]
fn small_masses_show_in_kilograms_and_large_ones_in_tonnes() {
    assert_eq!(report::format_mass(10.5), "10.5 kg");
    assert_eq!(report::format_mass(999.94), "999.9 kg");
    assert_eq!(report::format_mass(4793.3), "4.79 t");
    let range = DayRange {
        from: Day::parse("2026-02-01").expect("date"),
        to: Day::parse("2026-02-28").expect("date"),
    };
    let base = report::baseline_of(range);
    assert_eq!(
        (base.from.to_string(), base.to.to_string()),
        ("2025-02-01".into(), "2025-02-28".into())
    );
}
