//! Each formula on hand-made quantities whose answer can be worked out on paper.

use fenlei_domain::{Category, Day, DayRange, Facts, Quantities, RuleSet, TreatmentRoute, UnitId};
use fenlei_metrics::{Evaluation, Targets, evaluate};

fn quantities() -> Quantities {
    let from = Day::parse("2026-03-01").expect("date");
    let mut q = Quantities::empty(
        UnitId(1),
        DayRange {
            from,
            to: from.plus(9),
        },
    );
    q.households = 1000;
    q.residents = 2500;
    q.estates = 4;
    q.participating_households = 850;
    q.estates_covered = 3;
    let t = 1_000_000; // grams per tonne
    q.facts[Category::Recyclable.index()] = Facts {
        collected_grams: 20 * t,
        ..Facts::default()
    };
    q.facts[Category::Hazardous.index()] = Facts {
        collected_grams: t / 100,
        ..Facts::default()
    };
    q.facts[Category::Kitchen.index()] = Facts {
        collected_grams: 30 * t,
        judged: 100,
        correct: 90,
        containers: 4,
        containers_pass: 3,
        ..Facts::default()
    };
    q.facts[Category::Other.index()] = Facts {
        collected_grams: 50 * t - t / 100,
        judged: 100,
        correct: 70,
        containers: 4,
        containers_pass: 2,
        ..Facts::default()
    };
    q
}

fn get<'a>(e: &'a [Evaluation], key: &str) -> &'a Evaluation {
    e.iter()
        .find(|m| m.metric == key)
        .unwrap_or_else(|| panic!("{key} evaluated"))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn rates_follow_their_numerators_and_denominators() {
    let e = evaluate(
        &quantities(),
        &RuleSet::for_city("chongqing").expect("cq"),
        &Targets::shipped(),
    );
    assert!(close(get(&e, "participation_rate").value, 0.85));
    assert!(close(get(&e, "putin_accuracy").value, 0.80));
    assert!(close(get(&e, "purity_pass_rate").value, 5.0 / 8.0));
    assert!(close(get(&e, "kitchen_separation_rate").value, 0.30));
    assert!(close(get(&e, "wet_share").value, 30.0 / 79.99));
    // No treatment report: recyclables and kitchen waste collected apart count as recovered.
    assert!(close(get(&e, "recycling_rate").value, 0.50));
    assert!(close(get(&e, "coverage_rate").value, 0.75));
    assert!(close(
        get(&e, "other_waste_per_capita").value,
        (50_000.0 - 10.0) / (2500.0 * 10.0)
    ));
    assert!(close(get(&e, "tonnage_kitchen").value, 30.0));
}

#[test]
fn treatment_reports_decide_what_counts_as_recycled() {
    let mut q = quantities();
    // A fifth of the kitchen waste treated was incinerated as residue.
    q.treated[Category::Kitchen.index()][TreatmentRoute::Digested as usize] = 800;
    q.treated[Category::Kitchen.index()][TreatmentRoute::Incinerated as usize] = 200;
    let e = evaluate(
        &q,
        &RuleSet::for_city("national").expect("national"),
        &Targets::shipped(),
    );
    assert!(close(
        get(&e, "recycling_rate").value,
        (20.0 + 30.0 * 0.8) / 100.0
    ));
}

#[test]
fn targets_and_gaps_point_the_right_way() {
    let e = evaluate(
        &quantities(),
        &RuleSet::for_city("chongqing").expect("cq"),
        &Targets::shipped(),
    );
    let p = get(&e, "participation_rate");
    assert_eq!(p.target, Some(0.80));
    assert!(close(p.gap, 0.05), "above a floor is a positive gap");
    let o = get(&e, "other_waste_per_capita");
    assert!(
        o.gap.expect("gap") < 0.0,
        "above a ceiling is a negative gap: {o:?}"
    );
    assert_eq!(get(&e, "tonnage_other").target, None);
}

#[test]
fn nothing_measured_gives_no_value_rather_than_zero() {
    let from = Day::parse("2026-03-01").expect("date");
    let q = Quantities::empty(UnitId(0), DayRange { from, to: from });
    let e = evaluate(
        &q,
        &RuleSet::for_city("national").expect("national"),
        &Targets::shipped(),
    );
    assert_eq!(get(&e, "putin_accuracy").value, None);
    assert_eq!(get(&e, "putin_accuracy").gap, None);
}

#[test]
fn labels_use_the_city_words_and_shanghai_reports_wet_share_first() {
    let q = quantities();
    let sh = evaluate(
        &q,
        &RuleSet::for_city("shanghai").expect("sh"),
        &Targets::shipped(),
    );
    assert_eq!(get(&sh, "tonnage_kitchen").label_zh, "湿垃圾清运量");
    assert_eq!(get(&sh, "tonnage_other").label_en, "Dry waste collected");
    let pos = |e: &[Evaluation], k: &str| e.iter().position(|m| m.metric == k).expect("listed");
    assert!(pos(&sh, "wet_share") < pos(&sh, "kitchen_separation_rate"));
    let hz = evaluate(
        &q,
        &RuleSet::for_city("hangzhou").expect("hz"),
        &Targets::shipped(),
    );
    assert_eq!(
        get(&hz, "kitchen_separation_rate").label_zh,
        "易腐垃圾分出率"
    );
    assert!(pos(&hz, "kitchen_separation_rate") < pos(&hz, "wet_share"));
    assert_eq!(
        get(&hz, "participation_rate").formula,
        "participation_rate@1"
    );
}

#[test]
fn city_targets_override_national_ones() {
    let t = Targets::parse("city,metric,target,basis\nnational,recycling_rate,0.35,x\nshanghai,recycling_rate,0.45,y, with a comma\n").expect("parse");
    assert_eq!(t.get("shanghai", "recycling_rate"), Some(0.45));
    assert_eq!(t.get("chongqing", "recycling_rate"), Some(0.35));
    assert!(Targets::parse("city,metric,target,basis\nnational,bogus,1,x\n").is_err());
}
