//! The formulas: every metric fenlei computes, in report order, and the helpers they share.
//!
//! Version history (a published figure names its version; old versions are described here so
//! it stays reproducible):
//! - `recycling_rate@3`, `resource_utilisation_rate@3`: tonnages weighed at the weighbridge
//!   where a weigh ticket covers the pickups (its net weight shared among the trip's pickups by
//!   lifted weight, as `fenlei chain reconcile` stores it), the trucks' bin-lift weights
//!   elsewhere; each evaluation says what share came from tickets (v2: bin-lift weights only;
//!   identical where no reconciliation has run).
//! - `kitchen_separation_rate@2`, `wet_share@2`, `recycling_rate@2`,
//!   `resource_utilisation_rate@2`: kitchen waste and recyclables lifted by a truck of another
//!   category (mixed transport) no longer count as separately collected; they count as other
//!   waste. Masses in kg (v1: grams under a tonnes label). Route coefficients are city data.
//! - `coverage_rate@2`: estates judged over exactly the period asked (v1: the calendar month of
//!   the period's last day).
//! - `other_waste_per_capita@2`: per day with data (v1: per day asked, so empty days counted
//!   as zero waste).
//! - `tonnage_*@2`: kilograms (v1: tonnes, which rounded small amounts to zero).
//! - `purity_pass_rate@2`: the purity threshold is city data (v1: written in code).

use crate::{Basis, Direction, Inputs, Measure, Metric, Ratio, SampleMethod};
use fenlei_domain::{Category, CityConstants, KitchenMetric, Quantities, RuleSet, TreatmentRoute};

fn r(numerator: f64, denominator: f64) -> Ratio {
    Ratio {
        numerator,
        denominator,
    }
}

/// Kilograms of `c` lifted at the points.
fn collected_kg(q: &Quantities, c: Category) -> f64 {
    q.of(c).collected_grams as f64 / 1000.0
}

/// Kilograms of `c` lifted by a truck of another category (re-mixed in transport).
fn mixed_kg(q: &Quantities, c: Category) -> f64 {
    q.of(c).mixed_grams as f64 / 1000.0
}

/// Kilograms of `c` collected and transported separately.
fn separated_kg(q: &Quantities, c: Category) -> f64 {
    collected_kg(q, c) - mixed_kg(q, c)
}

/// A category's tonnage with the weighbridge's word where a ticket covers the pickups: the
/// bin-lift weight of the pickups no ticket covers plus the covered pickups' share of their
/// tickets; split into separately transported and re-mixed in the bin lifts' proportion.
#[derive(Clone, Copy, Debug)]
struct Tonnage {
    total: f64,
    separated: f64,
    mixed: f64,
}

fn weighed(q: &Quantities, c: Category) -> Tonnage {
    let w = &q.weighed[c.index()];
    let lifted = collected_kg(q, c);
    let total =
        (lifted - w.lifted_grams as f64 / 1000.0 + w.ticketed_grams as f64 / 1000.0).max(0.0);
    let mixed_share = if lifted > 0.0 {
        mixed_kg(q, c) / lifted
    } else {
        0.0
    };
    Tonnage {
        total,
        separated: total * (1.0 - mixed_share),
        mixed: total * mixed_share,
    }
}

/// Kilograms of all household waste collected, weighed at the weighbridge where a ticket
/// covers the pickups.
fn weighed_all_kg(q: &Quantities) -> f64 {
    Category::BINS.iter().map(|&c| weighed(q, c).total).sum()
}

/// Where a tonnage-based figure's weights came from: the share of the tonnage that weigh
/// tickets gave, the rest being the trucks' scales at the bins.
pub fn tonnage_source(q: &Quantities) -> crate::TonnageSource {
    let ticketed: f64 = q
        .weighed
        .iter()
        .map(|w| w.ticketed_grams as f64)
        .sum::<f64>()
        / 1000.0;
    let total = weighed_all_kg(q);
    let share = if total > 0.0 {
        (ticketed / total).min(1.0)
    } else {
        0.0
    };
    crate::TonnageSource {
        weighbridge_kg: ticketed,
        bin_lift_kg: (total - ticketed).max(0.0),
        weighbridge_share: share,
    }
}

/// Kilograms of all household waste lifted.
fn collected_all_kg(q: &Quantities) -> f64 {
    Category::BINS.iter().map(|&c| collected_kg(q, c)).sum()
}

/// Share of category `c`'s treated output that avoided incineration and landfill; without a
/// treatment report, separately collected recyclables and kitchen waste count as recovered.
fn recovered_share(q: &Quantities, c: Category) -> f64 {
    let row = &q.treated[c.index()];
    let total: u64 = row.iter().sum();
    if total == 0 {
        return 1.0;
    }
    let recovered: u64 = TreatmentRoute::ALL
        .iter()
        .filter(|r| r.is_recovery())
        .map(|&r| row[r as usize])
        .sum();
    recovered as f64 / total as f64
}

/// Σ route share × the city's route coefficient for category `c`; without a report, kitchen
/// waste counts as digested and other and hazardous waste as incinerated.
fn utilisation_share(q: &Quantities, c: Category, k: &CityConstants) -> f64 {
    let row = &q.treated[c.index()];
    let total: u64 = row.iter().sum();
    if total == 0 {
        return k.route_coefficient(if c == Category::Kitchen {
            TreatmentRoute::Digested
        } else {
            TreatmentRoute::Incinerated
        });
    }
    TreatmentRoute::ALL
        .iter()
        .map(|&route| row[route as usize] as f64 / total as f64 * k.route_coefficient(route))
        .sum()
}

/// A mass figure: the numerator is the value, the denominator 1.
fn mass(kg: f64) -> Ratio {
    r(kg, 1.0)
}

/// Other waste per day with data, kg, or `None` without data.
fn other_kg_per_day(q: &Quantities) -> Option<f64> {
    (q.days_with_data > 0).then(|| collected_kg(q, Category::Other) / q.days_with_data as f64)
}

const fn tonnage(
    key: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    numerator: &'static str,
    direction: Direction,
    compute: fn(&Inputs<'_>) -> Ratio,
) -> Metric {
    Metric {
        key,
        version: 2,
        name_zh,
        name_en,
        numerator,
        numerator_unit: "kg",
        denominator: "one",
        denominator_unit: "1",
        measure: Measure::Kilograms,
        direction,
        sample: None,
        basis: Basis::Days,
        only_for: None,
        tonnage: false,
        compute,
    }
}

/// Every metric fenlei computes, in report order.
pub const METRICS: &[Metric] = &[
    Metric {
        key: "participation_rate",
        version: 1,
        name_zh: "参与率",
        name_en: "Participation rate",
        numerator: "identified households with at least one put-in not judged incorrect in the period (distinct)",
        numerator_unit: "households",
        denominator: "households served",
        denominator_unit: "households",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: Some(SampleMethod::Identification),
        basis: Basis::Days,
        only_for: None,
        tonnage: false,
        compute: |i| r(i.q.participating_households as f64, i.q.households as f64),
    },
    Metric {
        key: "identification_rate",
        version: 1,
        name_zh: "投放识别率",
        name_en: "Identification rate",
        numerator: "put-ins that identified a household (card, QR code, face)",
        numerator_unit: "put-ins",
        denominator: "put-ins",
        denominator_unit: "put-ins",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: None,
        basis: Basis::Days,
        only_for: None,
        tonnage: false,
        compute: |i| r(i.q.identified_putins as f64, i.q.total().putins as f64),
    },
    Metric {
        key: "inspection_rate",
        version: 1,
        name_zh: "投放判定率",
        name_en: "Judging rate",
        numerator: "put-ins judged (by camera or supervisor)",
        numerator_unit: "put-ins",
        denominator: "put-ins",
        denominator_unit: "put-ins",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: None,
        basis: Basis::Days,
        only_for: None,
        tonnage: false,
        compute: |i| {
            let t = i.q.total();
            r(t.judged as f64, t.putins as f64)
        },
    },
    Metric {
        key: "putin_accuracy",
        version: 1,
        name_zh: "投放准确率",
        name_en: "Put-in accuracy",
        numerator: "put-ins judged correct",
        numerator_unit: "put-ins",
        denominator: "put-ins judged",
        denominator_unit: "put-ins",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: Some(SampleMethod::Wilson),
        basis: Basis::Days,
        only_for: None,
        tonnage: false,
        compute: |i| {
            let t = i.q.total();
            r(t.correct as f64, t.judged as f64)
        },
    },
    Metric {
        key: "purity_pass_rate",
        version: 2,
        name_zh: "容器纯净度达标率",
        name_en: "Container purity pass rate",
        numerator: "containers inspected more than {purity_pass_threshold} pure",
        numerator_unit: "containers",
        denominator: "containers inspected",
        denominator_unit: "containers",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: Some(SampleMethod::Wilson),
        basis: Basis::Days,
        only_for: None,
        tonnage: false,
        compute: |i| {
            let t = i.q.total();
            r(t.containers_pass as f64, t.containers as f64)
        },
    },
    Metric {
        key: "kitchen_separation_rate",
        version: 2,
        name_zh: "厨余垃圾分出率",
        name_en: "Kitchen waste separation rate",
        numerator: "kitchen waste collected and transported separately (lifted by a kitchen-waste truck)",
        numerator_unit: "kg",
        denominator: "all household waste collected",
        denominator_unit: "kg",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: None,
        basis: Basis::Days,
        only_for: Some(KitchenMetric::KitchenSeparation),
        tonnage: false,
        compute: |i| r(separated_kg(i.q, Category::Kitchen), collected_all_kg(i.q)),
    },
    Metric {
        key: "wet_share",
        version: 2,
        name_zh: "湿垃圾占比",
        name_en: "Wet waste share",
        numerator: "wet waste collected and transported separately (lifted by a wet-waste truck)",
        numerator_unit: "kg",
        denominator: "wet + dry waste collected",
        denominator_unit: "kg",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: None,
        basis: Basis::Days,
        only_for: Some(KitchenMetric::WetShare),
        tonnage: false,
        compute: |i| {
            let wet = collected_kg(i.q, Category::Kitchen);
            r(
                separated_kg(i.q, Category::Kitchen),
                wet + collected_kg(i.q, Category::Other),
            )
        },
    },
    Metric {
        key: "recycling_rate",
        version: 3,
        name_zh: "回收利用率",
        name_en: "Recycling rate",
        numerator: "recyclables + kitchen waste collected and transported separately, weighed at the weighbridge where a ticket covers the pickups (bin-lift weights otherwise), × share that avoided incineration and landfill (from treatment reports; 100 % without one)",
        numerator_unit: "kg",
        denominator: "all household waste collected, weighed likewise, standing in for generation",
        denominator_unit: "kg",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: None,
        basis: Basis::Days,
        only_for: None,
        tonnage: true,
        compute: |i| {
            let q = i.q;
            let num = weighed(q, Category::Recyclable).separated
                * recovered_share(q, Category::Recyclable)
                + weighed(q, Category::Kitchen).separated * recovered_share(q, Category::Kitchen);
            r(num, weighed_all_kg(q))
        },
    },
    Metric {
        key: "resource_utilisation_rate",
        version: 3,
        name_zh: "资源化利用率",
        name_en: "Resource-utilisation rate",
        numerator: "recyclables collected separately + Σ treated kitchen, hazardous and other waste (re-mixed waste counted as other) × route coefficient ({route_coefficients}); weighed at the weighbridge where a ticket covers the pickups (bin-lift weights otherwise)",
        numerator_unit: "kg",
        denominator: "all household waste collected, weighed likewise",
        denominator_unit: "kg",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: None,
        basis: Basis::Days,
        only_for: None,
        tonnage: true,
        compute: |i| {
            let (q, k) = (i.q, i.constants);
            let [recyclable, hazardous, kitchen, other] = Category::BINS.map(|c| weighed(q, c));
            let remixed = recyclable.mixed + kitchen.mixed + hazardous.mixed;
            let num = recyclable.separated
                + kitchen.separated * utilisation_share(q, Category::Kitchen, k)
                + hazardous.separated * utilisation_share(q, Category::Hazardous, k)
                + (other.total + remixed) * utilisation_share(q, Category::Other, k);
            r(num, weighed_all_kg(q))
        },
    },
    Metric {
        key: "coverage_rate",
        version: 2,
        name_zh: "分类覆盖率",
        name_en: "Coverage rate",
        numerator: "estates whose collection over the period was sorted (kitchen and other waste picked up) and transported sorted (no pickup by a truck of another category)",
        numerator_unit: "estates",
        denominator: "estates",
        denominator_unit: "estates",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: None,
        basis: Basis::Days,
        only_for: None,
        tonnage: false,
        compute: |i| r(i.q.estates_covered as f64, i.q.estates as f64),
    },
    Metric {
        key: "other_waste_per_capita",
        version: 2,
        name_zh: "人均其他垃圾",
        name_en: "Other waste per resident",
        numerator: "other waste collected",
        numerator_unit: "kg",
        denominator: "residents × days with data",
        denominator_unit: "resident-days",
        measure: Measure::KgPerResidentDay,
        direction: Direction::LowerIsBetter,
        sample: None,
        basis: Basis::Days,
        only_for: None,
        tonnage: false,
        compute: |i| {
            r(
                collected_kg(i.q, Category::Other),
                i.q.residents as f64 * i.q.days_with_data as f64,
            )
        },
    },
    Metric {
        key: "other_waste_reduction",
        version: 1,
        name_zh: "其他垃圾减量率",
        name_en: "Other waste reduction",
        numerator: "other waste per day with data in the baseline period − the same in the period",
        numerator_unit: "kg/day",
        denominator: "other waste per day with data in the baseline period",
        denominator_unit: "kg/day",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: None,
        basis: Basis::DaysAndBaseline,
        only_for: None,
        tonnage: false,
        compute: |i| match (i.baseline.and_then(other_kg_per_day), other_kg_per_day(i.q)) {
            (Some(base), Some(now)) => r(base - now, base),
            _ => r(0.0, 0.0),
        },
    },
    Metric {
        key: "awareness_rate",
        version: 1,
        name_zh: "知晓率",
        name_en: "Awareness rate",
        numerator: "surveyed residents who know the rules",
        numerator_unit: "residents",
        denominator: "residents surveyed in the period",
        denominator_unit: "residents",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        sample: Some(SampleMethod::Wilson),
        basis: Basis::Surveys,
        only_for: None,
        tonnage: false,
        compute: |i| r(i.q.survey_aware as f64, i.q.survey_respondents as f64),
    },
    tonnage(
        "tonnage_recyclable",
        "可回收物清运量",
        "Recyclables collected",
        "recyclables lifted at the points",
        Direction::HigherIsBetter,
        |i| mass(collected_kg(i.q, Category::Recyclable)),
    ),
    tonnage(
        "tonnage_hazardous",
        "有害垃圾清运量",
        "Hazardous waste collected",
        "hazardous waste lifted at the points",
        Direction::HigherIsBetter,
        |i| mass(collected_kg(i.q, Category::Hazardous)),
    ),
    tonnage(
        "tonnage_kitchen",
        "厨余垃圾清运量",
        "Kitchen waste collected",
        "kitchen waste lifted at the points (by any truck)",
        Direction::HigherIsBetter,
        |i| mass(collected_kg(i.q, Category::Kitchen)),
    ),
    tonnage(
        "tonnage_other",
        "其他垃圾清运量",
        "Other waste collected",
        "other waste lifted at the points",
        Direction::LowerIsBetter,
        |i| mass(collected_kg(i.q, Category::Other)),
    ),
];

/// The metric with this key.
pub fn metric(key: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.key == key)
}

/// Writes the city's constants into a formula text: `{key}` becomes the constant's value and
/// `{route_coefficients}` the list of route coefficients.
pub fn fill_constants(text: &str, k: &CityConstants) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        let key = &rest[open + 1..open + close];
        if key == "route_coefficients" {
            let list: Vec<String> = TreatmentRoute::ALL
                .iter()
                .map(|&route| format!("{route} {}", k.route_coefficient(route)))
                .collect();
            out.push_str(&list.join(", "));
        } else {
            out.push_str(&k.get(key).to_string());
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Labels that use the city's category names (湿垃圾 in Shanghai, 易腐垃圾 in Hangzhou).
pub(crate) fn labels(m: &Metric, rules: &RuleSet) -> (String, String) {
    let tonnage = |c: Category| {
        (
            format!("{}清运量", rules.label_zh(c)),
            format!("{} collected", rules.label_en(c)),
        )
    };
    let zh = |c: Category| rules.label_zh(c);
    let en = |c: Category| rules.label_en(c);
    match m.key {
        "tonnage_recyclable" => tonnage(Category::Recyclable),
        "tonnage_hazardous" => tonnage(Category::Hazardous),
        "tonnage_kitchen" => tonnage(Category::Kitchen),
        "tonnage_other" => tonnage(Category::Other),
        "kitchen_separation_rate" => (
            format!("{}分出率", zh(Category::Kitchen)),
            format!("{} separation rate", en(Category::Kitchen)),
        ),
        "wet_share" => (
            format!("{}占比", zh(Category::Kitchen)),
            format!("{} share", en(Category::Kitchen)),
        ),
        "other_waste_per_capita" => (
            format!("人均{}", zh(Category::Other)),
            format!("{} per resident", en(Category::Other)),
        ),
        "other_waste_reduction" => (
            format!("{}减量率", zh(Category::Other)),
            format!("{} reduction", en(Category::Other)),
        ),
        _ => (m.name_zh.to_owned(), m.name_en.to_owned()),
    }
}
