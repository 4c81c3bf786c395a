//! Accuracy floors on the generated evaluation set: a regression in any query kind fails here.
//! Figures and how to print them are in BENCHMARKS.md (`fenlei guide eval`).

use fenlei_guide::{Guide, eval};

#[test]
fn accuracy_per_kind_stays_above_floors() {
    let g = Guide::embedded();
    let report = eval::run(g, &eval::generate(g));
    let floors = [
        ("exact", 0.99),
        ("leave_one_out", 0.77),
        ("typo_one_char", 0.86),
        // 451 queries: about ±1.7 pt of sampling spread between seeds (84.7 % measured).
        ("typo_two_chars", 0.83),
        ("homophone", 0.97),
        ("pinyin", 0.97),
        ("pinyin_typo", 0.94),
        ("initials", 0.78),
        ("mixed_pinyin_chars", 0.97),
        ("traditional", 0.98),
        ("english", 0.98),
        ("english_typo", 0.88),
        ("english_leave_one_out", 0.62),
        ("resident_phrasing", 0.97),
        ("resident_phrasing_leave_one_out", 0.78),
    ];
    let mut failed = Vec::new();
    for (kind, floor) in floors {
        let acc = report.accuracy(kind);
        if acc < floor {
            failed.push(format!(
                "{kind}: {:.1} % < {:.1} %",
                100.0 * acc,
                100.0 * floor
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{}\n{}",
        failed.join("\n"),
        report.table()
    );
}

#[test]
fn leave_one_out_really_leaves_the_item_out() {
    let g = Guide::embedded();
    let item = g
        .items()
        .iter()
        .find(|i| i.name == "香蕉皮")
        .expect("香蕉皮");
    let a = g.lookup_excluding("香蕉皮", "shanghai", Some(item.id));
    assert_ne!(a.item.as_ref().map(|i| i.id), Some(item.id));
    assert!(a.similar.iter().all(|s| s.id != item.id));
    assert_eq!(
        a.category.key(),
        "kitchen",
        "its neighbours (…皮) still say kitchen"
    );
}
