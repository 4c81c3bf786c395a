//! Each formula on hand-made quantities whose answer is worked out on paper (in the comments).

use fenlei_domain::{
    Authority, Category, CityConstants, Constants, Day, DayRange, Facts, Quantities, RuleSet,
    TreatmentRoute, UnitId,
};
use fenlei_metrics::{Evaluation, Inputs, Measure, SampleMethod, Status, Targets, evaluate};

const KG: u64 = 1000; // grams per kilogram

/// 1,000 households, 2,500 residents, 4 estates (3 covered), 30 days asked with data on 20.
/// Collected: recyclables 100 kg, hazardous 10.5 kg, kitchen 200 kg of which 50 kg lifted by
/// an other-waste truck, other 689.5 kg; 1,000 kg in all.
fn quantities() -> Quantities {
    let from = Day::parse("2026-03-01").expect("date");
    let mut q = Quantities::empty(
        UnitId(1),
        DayRange {
            from,
            to: from.plus(29),
        },
    );
    q.households = 1000;
    q.residents = 2500;
    q.estates = 4;
    q.estates_covered = 3;
    q.days_with_data = 20;
    q.participating_households = 850;
    q.identified_putins = 9_000;
    q.facts[Category::Recyclable.index()] = Facts {
        collected_grams: 100 * KG,
        putins: 1_000,
        ..Facts::default()
    };
    q.facts[Category::Hazardous.index()] = Facts {
        collected_grams: 10_500,
        ..Facts::default()
    };
    q.facts[Category::Kitchen.index()] = Facts {
        collected_grams: 200 * KG,
        mixed_grams: 50 * KG,
        putins: 4_000,
        judged: 200,
        correct: 180,
        containers: 4,
        containers_pass: 3,
        ..Facts::default()
    };
    q.facts[Category::Other.index()] = Facts {
        collected_grams: 689_500,
        putins: 5_000,
        judged: 200,
        correct: 160,
        containers: 4,
        containers_pass: 2,
        ..Facts::default()
    };
    q
}

fn eval_in(city: &str, q: &Quantities) -> Vec<Evaluation> {
    let constants = CityConstants::shipped(city);
    evaluate(
        &Inputs {
            q,
            baseline: None,
            constants: &constants,
        },
        &RuleSet::for_city(city).expect("city"),
        &Targets::shipped(),
    )
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
    let e = eval_in("chongqing", &quantities());
    assert!(close(get(&e, "participation_rate").value, 0.85));
    assert!(close(get(&e, "putin_accuracy").value, 340.0 / 400.0));
    assert!(close(get(&e, "purity_pass_rate").value, 5.0 / 8.0));
    assert!(close(get(&e, "coverage_rate").value, 0.75));
    // 9,000 of 10,000 put-ins identified a household; 400 were judged.
    assert!(close(get(&e, "identification_rate").value, 0.9));
    assert!(close(get(&e, "inspection_rate").value, 0.04));
}

#[test]
fn waste_re_mixed_in_transport_is_not_separately_collected() {
    let e = eval_in("chongqing", &quantities());
    // Kitchen waste kept apart: 200 − 50 = 150 kg of 1,000 kg (v1 counted 200 kg: 20.0 %, met).
    let k = get(&e, "kitchen_separation_rate");
    assert_eq!(k.formula, "kitchen_separation_rate@2");
    assert!(close(Some(k.numerator), 150.0) && close(Some(k.denominator), 1000.0));
    assert!(close(k.value, 0.15));
    assert_eq!(k.status, Status::NotMet);
    // Recycling: (100 + 150) / 1,000 (v1: 300 / 1,000).
    assert!(close(get(&e, "recycling_rate").value, 0.25));
    // Resource utilisation without treatment reports: recyclables 100 + kitchen 150 × 1
    // (digested) + hazardous 10.5 × 0.8 + (other 689.5 + re-mixed 50) × 0.8 (incinerated)
    // = 100 + 150 + 8.4 + 591.6 = 850 kg of 1,000 kg.
    let u = get(&e, "resource_utilisation_rate");
    assert!(close(u.value, 0.85), "{u:?}");
    // Version 3 reads weighbridge tonnage where the chain was reconciled; without any it
    // equals version 2.
    assert_eq!(u.formula, "resource_utilisation_rate@3");
    let source = u.tonnage_source.expect("a tonnage figure says its source");
    assert_eq!(source.weighbridge_kg, 0.0);
    assert!(close(Some(source.bin_lift_kg), 1000.0));
}

// Where weigh tickets cover the pickups, their share of the tickets replaces the bin-lift
// weight, and the figure says how much came from each.
#[test]
fn weigh_tickets_replace_the_bin_lift_weights_they_cover() {
    use fenlei_domain::Weighed;
    let mut q = quantities();
    // Every recyclables pickup was ticketed: lifted 100 kg, the tickets say 90 kg.
    q.weighed[Category::Recyclable.index()] = Weighed {
        lifted_grams: 100 * KG,
        ticketed_grams: 90 * KG,
    };
    // Kitchen: all 200 kg lifted were ticketed at 220 kg.
    q.weighed[Category::Kitchen.index()] = Weighed {
        lifted_grams: 200 * KG,
        ticketed_grams: 220 * KG,
    };
    let e = eval_in("national", &q);
    // Tonnages: recyclables 90, kitchen 220 (a quarter re-mixed, as lifted: 165 separate,
    // 55 re-mixed), hazardous 10.5 and other 689.5 by bin lifts: 1,010 kg in all.
    // Recycling: (90 + 165) / 1,010.
    let r = get(&e, "recycling_rate");
    assert_eq!(r.formula, "recycling_rate@3");
    assert!(
        close(Some(r.numerator), 255.0) && close(Some(r.denominator), 1010.0),
        "{r:?}"
    );
    // Resource utilisation: 90 + 165 × 1 + 10.5 × 0.8 + (689.5 + 55) × 0.8 = 859 of 1,010.
    let u = get(&e, "resource_utilisation_rate");
    assert!(
        close(Some(u.numerator), 859.0) && close(Some(u.denominator), 1010.0),
        "{u:?}"
    );
    let source = u.tonnage_source.expect("source");
    assert!(close(Some(source.weighbridge_kg), 310.0));
    assert!(close(Some(source.bin_lift_kg), 700.0));
    assert!(close(Some(source.weighbridge_share), 310.0 / 1010.0));
    // Figures not on tonnages say nothing of it.
    assert!(get(&e, "participation_rate").tonnage_source.is_none());
}

#[test]
fn route_coefficients_and_the_purity_threshold_are_city_data_shown_in_the_formula() {
    let q = quantities();
    let base = Constants::shipped();
    let e = eval_in("chongqing", &q);
    let u = get(&e, "resource_utilisation_rate");
    assert!(
        u.formula_text.contains("incinerated 0.8"),
        "{}",
        u.formula_text
    );
    assert!(
        get(&e, "purity_pass_rate")
            .formula_text
            .contains("more than 0.85 pure")
    );
    // A city that counts incineration as no recovery: (100 + 150) / 1,000.
    let mut text = String::from("city,key,value,unit,status,set_by,source\n");
    for c in base.for_city("national").rows() {
        text += &format!(
            "national,{},{},{},{},{},\"{}\"\n",
            c.key,
            c.value,
            c.unit,
            c.status.key(),
            c.set_by,
            c.source
        );
    }
    text += "testville,route_coefficient.incinerated,0,factor,city,Testville office,rule 7\n";
    let constants = Constants::parse(&text)
        .expect("parse")
        .for_city("testville");
    let e = evaluate(
        &Inputs {
            q: &q,
            baseline: None,
            constants: &constants,
        },
        &RuleSet::for_city("national").expect("national"),
        &Targets::shipped(),
    );
    let u = get(&e, "resource_utilisation_rate");
    assert!(close(u.value, 0.25), "{u:?}");
    assert!(
        u.formula_text.contains("incinerated 0,"),
        "{}",
        u.formula_text
    );
}

#[test]
fn treatment_reports_decide_what_counts_as_recycled() {
    let mut q = quantities();
    // A fifth of the kitchen waste treated was incinerated as residue.
    q.treated[Category::Kitchen.index()][TreatmentRoute::Digested as usize] = 800;
    q.treated[Category::Kitchen.index()][TreatmentRoute::Incinerated as usize] = 200;
    let e = eval_in("national", &q);
    assert!(close(
        get(&e, "recycling_rate").value,
        (100.0 + 150.0 * 0.8) / 1000.0
    ));
}

#[test]
fn per_day_rates_count_days_with_data_and_empty_periods_are_never_met() {
    // 7 days of data in a 30-day period: 3,262 kg of other waste from 1,000 residents.
    let mut q = quantities();
    q.residents = 1000;
    q.days_with_data = 7;
    q.facts[Category::Other.index()].collected_grams = 3_262 * KG;
    let e = eval_in("chongqing", &q);
    let o = get(&e, "other_waste_per_capita");
    assert_eq!(o.formula, "other_waste_per_capita@2");
    // 3,262 / (1,000 × 7) = 0.466 kg (v1: / (1,000 × 30) = 0.109, "met").
    assert!(close(o.value, 0.466), "{o:?}");
    assert!(close(Some(o.denominator), 7000.0));
    assert_eq!((o.data.days_with_data, o.data.days_asked), (7, 30));
    assert!(!o.data.complete);
    assert_eq!(o.status, Status::InsufficientData);
    // Nothing on an incomplete period is marked met, even where the value clears the target.
    assert!(e.iter().all(|m| m.status != Status::Met), "{e:#?}");
    // 20 of 30 days is complete (the shipped minimum is half the days).
    let e = eval_in("chongqing", &quantities());
    assert!(get(&e, "participation_rate").data.complete);
    assert_eq!(get(&e, "participation_rate").status, Status::Met);
}

#[test]
fn thin_samples_are_flagged_with_wilson_intervals_and_identification_rates() {
    let mut q = quantities();
    // 34 of 40 judged correct: 85 %, Wilson 95 % interval [0.7093, 0.9294] holds the 80 % target.
    q.facts[Category::Kitchen.index()].judged = 40;
    q.facts[Category::Kitchen.index()].correct = 34;
    q.facts[Category::Other.index()].judged = 0;
    q.facts[Category::Other.index()].correct = 0;
    // 2,100 of 10,000 put-ins identified a household: 21 %.
    q.identified_putins = 2_100;
    let e = eval_in("chongqing", &q);
    let a = get(&e, "putin_accuracy");
    let s = a.sample.as_ref().expect("sampled");
    assert_eq!((s.method, s.n), (SampleMethod::Wilson, 40));
    assert!((s.low.expect("low") - 0.709_273_7).abs() < 1e-6, "{s:?}");
    assert!((s.high.expect("high") - 0.929_389_1).abs() < 1e-6, "{s:?}");
    assert!(!s.sufficient);
    assert_eq!(a.status, Status::Inconclusive);
    let p = get(&e, "participation_rate");
    let s = p.sample.as_ref().expect("identification");
    assert_eq!(s.method, SampleMethod::Identification);
    assert!(close(s.low, 0.21) && close(s.minimum, 0.8) && !s.sufficient);
    assert_eq!(p.status, Status::Inconclusive);
    // Ten times the sample: [0.8117, 0.8817] lies above 80 %: met.
    let e = eval_in("chongqing", &quantities());
    let a = get(&e, "putin_accuracy");
    let s = a.sample.as_ref().expect("sampled");
    assert!((s.low.expect("low") - 0.811_685_6).abs() < 1e-6, "{s:?}");
    assert!(s.sufficient);
    assert_eq!(a.status, Status::Met);
}

#[test]
fn targets_carry_who_set_them_and_non_official_ones_say_so() {
    let e = eval_in("chongqing", &quantities());
    let p = get(&e, "participation_rate");
    let t = p.target.as_ref().expect("target");
    assert_eq!(
        (t.value, t.status, t.official),
        (0.80, Authority::Local, true)
    );
    assert!(close(p.gap, 0.05), "above a floor is a positive gap");
    let purity = get(&e, "purity_pass_rate").target.as_ref().expect("target");
    assert_eq!(purity.status, Authority::FenleiDefault);
    assert!(!purity.official);
    let o = get(&e, "other_waste_per_capita");
    assert!(!o.target.as_ref().expect("target").official);
    // 689.5 kg / (2,500 × 20) = 0.01379 kg: below the 0.45 ceiling, a positive gap.
    assert!(close(o.gap, 0.45 - 689.5 / 50_000.0), "{o:?}");
    assert!(get(&e, "tonnage_other").target.is_none());
    let r = get(&e, "recycling_rate").target.as_ref().expect("target");
    assert_eq!(r.status, Authority::National);
}

#[test]
fn each_city_sees_its_own_metrics_in_its_own_words() {
    let q = quantities();
    let cq = eval_in("chongqing", &q);
    assert!(
        cq.iter().all(|m| m.metric != "wet_share"),
        "Chongqing does not report wet share"
    );
    assert!(cq.iter().all(|m| !m.label_zh.contains("湿垃圾")));
    assert_eq!(
        get(&cq, "kitchen_separation_rate").label_zh,
        "厨余垃圾分出率"
    );
    let sh = eval_in("shanghai", &q);
    assert!(sh.iter().all(|m| m.metric != "kitchen_separation_rate"));
    let wet = get(&sh, "wet_share");
    assert_eq!(wet.label_zh, "湿垃圾占比");
    // Shanghai's 35 % is its own achieved share used as a bar, not a national target.
    let t = wet.target.as_ref().expect("target");
    assert_eq!(
        (t.status, t.set_by.as_str()),
        (Authority::FenleiDefault, "fenlei")
    );
    // Wet kept apart 150 kg of wet + dry 200 + 689.5 kg.
    assert!(close(wet.value, 150.0 / 889.5));
    assert_eq!(get(&sh, "tonnage_other").label_en, "Dry waste collected");
    assert_eq!(get(&sh, "other_waste_per_capita").label_zh, "人均干垃圾");
    let hz = eval_in("hangzhou", &q);
    assert_eq!(
        get(&hz, "kitchen_separation_rate").label_zh,
        "易腐垃圾分出率"
    );
}

#[test]
fn masses_are_in_kilograms_in_numbers_and_formula_text() {
    let e = eval_in("chongqing", &quantities());
    let h = get(&e, "tonnage_hazardous");
    assert_eq!(h.formula, "tonnage_hazardous@2");
    assert_eq!((h.measure, h.unit), (Measure::Kilograms, "kg"));
    assert!(close(h.value, 10.5), "{h:?}");
    assert_eq!(h.numerator_unit, "kg");
    assert!(h.formula_text.contains("(kg)"));
    let k = get(&e, "kitchen_separation_rate");
    assert_eq!((k.numerator_unit, k.denominator_unit), ("kg", "kg"));
    assert!(k.formula_text.contains("(kg)") && !k.formula_text.contains("(t)"));
}

#[test]
fn awareness_comes_from_surveys_and_reduction_from_a_baseline() {
    let mut q = quantities();
    q.survey_respondents = 40;
    q.survey_aware = 30;
    // Baseline: 1,000 kg of other waste over 10 days with data = 100 kg/day; now 689.5 kg
    // over 20 days = 34.475 kg/day: a reduction of 65.525 %.
    let mut base = quantities();
    base.days_with_data = 10;
    base.facts[Category::Other.index()].collected_grams = 1_000 * KG;
    let constants = CityConstants::shipped("chongqing");
    let rules = RuleSet::for_city("chongqing").expect("cq");
    let e = evaluate(
        &Inputs {
            q: &q,
            baseline: Some(&base),
            constants: &constants,
        },
        &rules,
        &Targets::shipped(),
    );
    let a = get(&e, "awareness_rate");
    assert!(close(a.value, 0.75));
    // Wilson [0.5981, 0.8581] lies wholly below the 90 % target: surely not met.
    let s = a.sample.as_ref().expect("sampled");
    assert!((s.high.expect("high") - 0.858_130_3).abs() < 1e-6);
    assert!(s.sufficient);
    assert_eq!(a.status, Status::NotMet);
    let r = get(&e, "other_waste_reduction");
    assert!(close(Some(r.numerator), 100.0 - 34.475));
    assert!(close(r.value, 0.65525), "{r:?}");
    // Without a baseline: nothing to measure.
    let e = eval_in("chongqing", &q);
    assert_eq!(get(&e, "other_waste_reduction").value, None);
    assert_eq!(get(&e, "other_waste_reduction").status, Status::NoValue);
    // No survey in the period: awareness has no value.
    assert_eq!(
        get(&eval_in("chongqing", &quantities()), "awareness_rate").value,
        None
    );
}

#[test]
fn nothing_measured_gives_no_value_rather_than_zero() {
    let from = Day::parse("2026-03-01").expect("date");
    let q = Quantities::empty(UnitId(0), DayRange { from, to: from });
    let e = eval_in("national", &q);
    assert_eq!(get(&e, "putin_accuracy").value, None);
    assert_eq!(get(&e, "putin_accuracy").gap, None);
    assert_eq!(get(&e, "putin_accuracy").status, Status::NoValue);
}

#[test]
fn city_targets_override_national_ones_and_bad_rows_name_their_line() {
    let t = Targets::parse(
        "city,metric,target,status,set_by,source\n\
         national,recycling_rate,0.35,national,MOHURD,x\n\
         shanghai,recycling_rate,0.45,city,Shanghai,\"y, with a comma\"\n",
    )
    .expect("parse");
    assert_eq!(
        t.get("shanghai", "recycling_rate").map(|t| t.target),
        Some(0.45)
    );
    assert_eq!(
        t.get("shanghai", "recycling_rate")
            .map(|t| t.source.as_str()),
        Some("y, with a comma")
    );
    assert_eq!(
        t.get("chongqing", "recycling_rate").map(|t| t.target),
        Some(0.35)
    );
    let bad =
        Targets::parse("city,metric,target,status,set_by,source\nnational,bogus,1,city,a,b\n")
            .expect_err("unknown metric");
    assert!(bad.to_string().contains("line 2"), "{bad}");
    let bad = Targets::parse(
        "city,metric,target,status,set_by,source\nnational,recycling_rate,1,mayor,a,b\n",
    )
    .expect_err("unknown status");
    assert!(bad.to_string().contains("line 2"), "{bad}");
}
