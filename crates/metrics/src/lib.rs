//! The official metrics as named, versioned formulas over stored quantities.
//!
//! The same word is computed with different denominators by different bodies, so every metric
//! here names its formula (`participation_rate@1`), states its numerator and denominator, and
//! is a pure function of [`Quantities`]. Changing a formula means a new version, never an edit:
//! a published figure must stay reproducible. Targets are data (`data/cities/targets.csv`).

pub mod targets;

use fenlei_domain::{Category, KitchenMetric, Quantities, RuleSet, TreatmentRoute};
pub use targets::{Target, Targets};

/// What a metric's value measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A share, 0..=1, shown as a percentage.
    Ratio,
    /// Kilograms per resident per day.
    KgPerResidentDay,
    /// Tonnes.
    Tonnes,
}

/// Whether more is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher values are better; the target is a floor.
    HigherIsBetter,
    /// Lower values are better; the target is a ceiling.
    LowerIsBetter,
}

/// A metric's numerator and denominator for one unit and period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ratio {
    /// Numerator.
    pub numerator: f64,
    /// Denominator.
    pub denominator: f64,
}

/// Coefficients per treatment route for the resource-utilisation rate (资源化利用率折算系数).
/// The ministry's values were not found in a primary text; these defaults are marked (verify)
/// and belong in configuration.
pub const ROUTE_COEFFICIENTS: [(TreatmentRoute, f64); 5] = [
    (TreatmentRoute::Recycled, 1.0),
    (TreatmentRoute::Composted, 1.0),
    (TreatmentRoute::Digested, 1.0),
    (TreatmentRoute::Incinerated, 0.8),
    (TreatmentRoute::Landfilled, 0.0),
];

/// A named, versioned formula.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    /// Stable key.
    pub key: &'static str,
    /// Formula version; bumped whenever the computation changes.
    pub version: u32,
    /// Name in Chinese.
    pub name_zh: &'static str,
    /// Name in English.
    pub name_en: &'static str,
    /// What the numerator counts.
    pub numerator: &'static str,
    /// What the denominator counts.
    pub denominator: &'static str,
    /// What the value measures.
    pub measure: Measure,
    /// Whether more is better.
    pub direction: Direction,
    compute: fn(&Quantities) -> Ratio,
}

impl Metric {
    /// The formula's name, `key@version`.
    pub fn formula(&self) -> String {
        format!("{}@{}", self.key, self.version)
    }

    /// Numerator and denominator for `q`.
    pub fn ratio(&self, q: &Quantities) -> Ratio {
        (self.compute)(q)
    }
}

fn r(numerator: f64, denominator: f64) -> Ratio {
    Ratio {
        numerator,
        denominator,
    }
}

fn collected(q: &Quantities, c: Category) -> f64 {
    q.of(c).collected_grams as f64
}

fn collected_all(q: &Quantities) -> f64 {
    Category::BINS.iter().map(|&c| collected(q, c)).sum()
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

/// Σ route share × coefficient for category `c`; without a report, kitchen waste counts as
/// digested and other and hazardous waste as incinerated.
fn utilisation_share(q: &Quantities, c: Category) -> f64 {
    let coefficient = |route: TreatmentRoute| {
        ROUTE_COEFFICIENTS
            .iter()
            .find(|(r, _)| *r == route)
            .map_or(0.0, |(_, k)| *k)
    };
    let row = &q.treated[c.index()];
    let total: u64 = row.iter().sum();
    if total == 0 {
        return coefficient(if c == Category::Kitchen {
            TreatmentRoute::Digested
        } else {
            TreatmentRoute::Incinerated
        });
    }
    TreatmentRoute::ALL
        .iter()
        .map(|&route| row[route as usize] as f64 / total as f64 * coefficient(route))
        .sum()
}

/// Every metric fenlei computes, in report order.
pub const METRICS: &[Metric] = &[
    Metric {
        key: "participation_rate",
        version: 1,
        name_zh: "参与率",
        name_en: "Participation rate",
        numerator: "households with at least one put-in not judged incorrect in the period (distinct)",
        denominator: "households served",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        compute: |q| r(q.participating_households as f64, q.households as f64),
    },
    Metric {
        key: "putin_accuracy",
        version: 1,
        name_zh: "投放准确率",
        name_en: "Put-in accuracy",
        numerator: "put-ins judged correct",
        denominator: "put-ins judged",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        compute: |q| {
            let t = q.total();
            r(t.correct as f64, t.judged as f64)
        },
    },
    Metric {
        key: "purity_pass_rate",
        version: 1,
        name_zh: "容器纯净度达标率",
        name_en: "Container purity pass rate",
        numerator: "containers inspected more than 85 % pure",
        denominator: "containers inspected",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        compute: |q| {
            let t = q.total();
            r(t.containers_pass as f64, t.containers as f64)
        },
    },
    Metric {
        key: "kitchen_separation_rate",
        version: 1,
        name_zh: "厨余垃圾分出率",
        name_en: "Kitchen waste separation rate",
        numerator: "kitchen waste collected (t)",
        denominator: "all household waste collected (t)",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        compute: |q| r(collected(q, Category::Kitchen), collected_all(q)),
    },
    Metric {
        key: "wet_share",
        version: 1,
        name_zh: "湿垃圾占比",
        name_en: "Wet waste share",
        numerator: "wet (kitchen) waste collected (t)",
        denominator: "wet + dry (kitchen + other) waste collected (t)",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        compute: |q| {
            let wet = collected(q, Category::Kitchen);
            r(wet, wet + collected(q, Category::Other))
        },
    },
    Metric {
        key: "recycling_rate",
        version: 1,
        name_zh: "回收利用率",
        name_en: "Recycling rate",
        numerator: "recyclables + kitchen waste collected × share that avoided incineration and landfill (from treatment reports; 100 % without one)",
        denominator: "all household waste collected (t), standing in for generation",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        compute: |q| {
            let num = collected(q, Category::Recyclable) * recovered_share(q, Category::Recyclable)
                + collected(q, Category::Kitchen) * recovered_share(q, Category::Kitchen);
            r(num, collected_all(q))
        },
    },
    Metric {
        key: "resource_utilisation_rate",
        version: 1,
        name_zh: "资源化利用率",
        name_en: "Resource-utilisation rate",
        numerator: "recyclables + Σ treated tonnage (kitchen, other, hazardous) × route coefficient",
        denominator: "recyclables + kitchen, other and hazardous waste collected (t)",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        compute: |q| {
            let rec = collected(q, Category::Recyclable);
            let treated = [Category::Kitchen, Category::Other, Category::Hazardous];
            let num = rec
                + treated
                    .iter()
                    .map(|&c| collected(q, c) * utilisation_share(q, c))
                    .sum::<f64>();
            let den = rec + treated.iter().map(|&c| collected(q, c)).sum::<f64>();
            r(num, den)
        },
    },
    Metric {
        key: "coverage_rate",
        version: 1,
        name_zh: "分类覆盖率",
        name_en: "Coverage rate",
        numerator: "estates whose collection in the last month of the period was sorted (kitchen and other picked up) and transported sorted (no truck of another category)",
        denominator: "estates",
        measure: Measure::Ratio,
        direction: Direction::HigherIsBetter,
        compute: |q| r(q.estates_covered as f64, q.estates as f64),
    },
    Metric {
        key: "other_waste_per_capita",
        version: 1,
        name_zh: "人均其他垃圾",
        name_en: "Other waste per resident",
        numerator: "other waste collected (kg)",
        denominator: "residents × days",
        measure: Measure::KgPerResidentDay,
        direction: Direction::LowerIsBetter,
        compute: |q| {
            r(
                collected(q, Category::Other) / 1000.0,
                q.residents as f64 * q.range.len() as f64,
            )
        },
    },
    Metric {
        key: "tonnage_recyclable",
        version: 1,
        name_zh: "可回收物清运量",
        name_en: "Recyclables collected",
        numerator: "recyclables collected (g)",
        denominator: "grams per tonne",
        measure: Measure::Tonnes,
        direction: Direction::HigherIsBetter,
        compute: |q| r(collected(q, Category::Recyclable), 1e6),
    },
    Metric {
        key: "tonnage_hazardous",
        version: 1,
        name_zh: "有害垃圾清运量",
        name_en: "Hazardous waste collected",
        numerator: "hazardous waste collected (g)",
        denominator: "grams per tonne",
        measure: Measure::Tonnes,
        direction: Direction::HigherIsBetter,
        compute: |q| r(collected(q, Category::Hazardous), 1e6),
    },
    Metric {
        key: "tonnage_kitchen",
        version: 1,
        name_zh: "厨余垃圾清运量",
        name_en: "Kitchen waste collected",
        numerator: "kitchen waste collected (g)",
        denominator: "grams per tonne",
        measure: Measure::Tonnes,
        direction: Direction::HigherIsBetter,
        compute: |q| r(collected(q, Category::Kitchen), 1e6),
    },
    Metric {
        key: "tonnage_other",
        version: 1,
        name_zh: "其他垃圾清运量",
        name_en: "Other waste collected",
        numerator: "other waste collected (g)",
        denominator: "grams per tonne",
        measure: Measure::Tonnes,
        direction: Direction::LowerIsBetter,
        compute: |q| r(collected(q, Category::Other), 1e6),
    },
];

/// The metric with this key.
pub fn metric(key: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.key == key)
}

/// One metric evaluated for one unit and period.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// Metric key.
    pub metric: &'static str,
    /// Formula, `key@version`.
    pub formula: String,
    /// Label under the city's rules, Chinese.
    pub label_zh: String,
    /// Label, English.
    pub label_en: String,
    /// What the value measures.
    pub measure: Measure,
    /// Value, or `None` when the denominator is zero (nothing to measure).
    pub value: Option<f64>,
    /// Numerator.
    pub numerator: f64,
    /// Denominator.
    pub denominator: f64,
    /// Target, if one is set.
    pub target: Option<f64>,
    /// Distance to the target, positive when the target is met with that margin
    /// (value − target for floors, target − value for ceilings).
    pub gap: Option<f64>,
}

/// Evaluates every metric for `q`, naming categories the way `rules` does. The kitchen metric
/// the city does not report is still computed (both are listed in the domain) and comes after
/// the one it does.
pub fn evaluate(q: &Quantities, rules: &RuleSet, targets: &Targets) -> Vec<Evaluation> {
    let mut order: Vec<&Metric> = METRICS.iter().collect();
    if rules.kitchen_metric == KitchenMetric::WetShare {
        let a = order
            .iter()
            .position(|m| m.key == "kitchen_separation_rate")
            .expect("listed");
        let b = order
            .iter()
            .position(|m| m.key == "wet_share")
            .expect("listed");
        order.swap(a, b);
    }
    order
        .into_iter()
        .map(|m| {
            let Ratio {
                numerator,
                denominator,
            } = m.ratio(q);
            let value = (denominator > 0.0).then(|| numerator / denominator);
            let target = targets.get(&rules.city, m.key);
            let gap = match (value, target) {
                (Some(v), Some(t)) => Some(match m.direction {
                    Direction::HigherIsBetter => v - t,
                    Direction::LowerIsBetter => t - v,
                }),
                _ => None,
            };
            let (label_zh, label_en) = labels(m, rules);
            Evaluation {
                metric: m.key,
                formula: m.formula(),
                label_zh,
                label_en,
                measure: m.measure,
                value,
                numerator,
                denominator,
                target,
                gap,
            }
        })
        .collect()
}

/// Labels that use the city's category names (湿垃圾 in Shanghai, 易腐垃圾 in Hangzhou).
fn labels(m: &Metric, rules: &RuleSet) -> (String, String) {
    let tonnage = |c: Category| {
        (
            format!("{}清运量", rules.label_zh(c)),
            format!("{} collected", rules.label_en(c)),
        )
    };
    match m.key {
        "tonnage_recyclable" => tonnage(Category::Recyclable),
        "tonnage_hazardous" => tonnage(Category::Hazardous),
        "tonnage_kitchen" => tonnage(Category::Kitchen),
        "tonnage_other" => tonnage(Category::Other),
        "kitchen_separation_rate" => (
            format!("{}分出率", rules.label_zh(Category::Kitchen)),
            format!("{} separation rate", rules.label_en(Category::Kitchen)),
        ),
        "other_waste_per_capita" => (
            format!("人均{}", rules.label_zh(Category::Other)),
            format!("{} per resident", rules.label_en(Category::Other)),
        ),
        _ => (m.name_zh.to_owned(), m.name_en.to_owned()),
    }
}
