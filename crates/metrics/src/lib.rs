//! The official metrics as named, versioned formulas over stored quantities.
//!
//! The same word is computed with different denominators by different bodies, so every metric
//! here names its formula (`participation_rate@1`), states its numerator and denominator with
//! their units, and is a pure function of [`Inputs`]: the unit's [`Quantities`] over the period,
//! those of a baseline period where one is needed, and the city's constants. Changing a formula
//! means a new version, never an edit: a published figure must stay reproducible. Targets and
//! constants are data (`data/cities/targets.csv`, `data/cities/constants.csv`).
//!
//! [`evaluate`] turns the formulas into figures that tell the truth about themselves: the
//! target with who set it, the share of the period's days that hold data, and, for shares
//! measured on a sample, whether the sample supports the comparison with the target.

pub mod formulas;
pub mod sample;
pub mod targets;

use fenlei_domain::{Authority, CityConstants, KitchenMetric, Quantities, RuleSet};
pub use formulas::{METRICS, metric};
pub use sample::{Sample, SampleMethod};
pub use targets::{Target, Targets};

/// What a metric's value measures, and so its unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A share, 0..=1, shown as a percentage.
    Ratio,
    /// Kilograms per resident per day.
    KgPerResidentDay,
    /// Kilograms (shown in tonnes from one tonne up).
    Kilograms,
}

impl Measure {
    /// The unit of the value as stored in JSON and CSV.
    pub fn unit(self) -> &'static str {
        match self {
            Measure::Ratio => "share",
            Measure::KgPerResidentDay => "kg/resident/day",
            Measure::Kilograms => "kg",
        }
    }
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

/// What a figure rests on, and so how its data coverage is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The days of the period that hold data (put-ins, pickups).
    Days,
    /// The days of the period and of the baseline period.
    DaysAndBaseline,
    /// Surveys taken in the period, whatever the days.
    Surveys,
}

/// A metric's numerator and denominator for one unit and period, in the formula's units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ratio {
    /// Numerator.
    pub numerator: f64,
    /// Denominator.
    pub denominator: f64,
}

/// Everything a formula reads.
#[derive(Clone, Copy, Debug)]
pub struct Inputs<'a> {
    /// The unit over the period.
    pub q: &'a Quantities,
    /// The same unit over the baseline period, where one is asked.
    pub baseline: Option<&'a Quantities>,
    /// The city's constants.
    pub constants: &'a CityConstants,
}

/// A named, versioned formula.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    /// Stable key.
    pub key: &'static str,
    /// Formula version; bumped whenever the computation changes.
    pub version: u32,
    /// Name in Chinese (national wording; city wording comes from the rule set).
    pub name_zh: &'static str,
    /// Name in English.
    pub name_en: &'static str,
    /// What the numerator counts; `{constant_key}` stands for a city constant's value.
    pub numerator: &'static str,
    /// The numerator's unit.
    pub numerator_unit: &'static str,
    /// What the denominator counts.
    pub denominator: &'static str,
    /// The denominator's unit.
    pub denominator_unit: &'static str,
    /// What the value measures.
    pub measure: Measure,
    /// Whether more is better.
    pub direction: Direction,
    /// How to judge the sample behind the value, if it is measured on one.
    pub sample: Option<SampleMethod>,
    /// What the figure rests on.
    pub basis: Basis,
    /// Only for cities that report this kitchen-waste variant (`None`: every city).
    pub only_for: Option<KitchenMetric>,
    /// Whether the figure rests on tonnages, which come from weigh tickets where the chain has
    /// been reconciled and from bin lifts elsewhere: its evaluation says which
    /// ([`Evaluation::tonnage_source`]).
    pub tonnage: bool,
    pub(crate) compute: fn(&Inputs<'_>) -> Ratio,
}

impl Metric {
    /// The formula's name, `key@version`.
    pub fn formula(&self) -> String {
        format!("{}@{}", self.key, self.version)
    }

    /// Numerator and denominator.
    pub fn ratio(&self, inputs: &Inputs<'_>) -> Ratio {
        (self.compute)(inputs)
    }

    /// The formula in words, with the city's constants written in:
    /// `numerator (unit) / denominator (unit)`.
    pub fn formula_text(&self, constants: &CityConstants) -> String {
        let text = format!(
            "{} ({}) / {} ({})",
            self.numerator, self.numerator_unit, self.denominator, self.denominator_unit
        );
        formulas::fill_constants(&text, constants)
    }

    /// Whether a city with these rules reports this metric.
    pub fn applies_to(&self, rules: &RuleSet) -> bool {
        self.only_for.is_none_or(|k| k == rules.kitchen_metric)
    }
}

/// The target a figure is compared with, and who set it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TargetRef {
    /// Target value, in the value's unit.
    pub value: f64,
    /// Who set it.
    pub status: Authority,
    /// Whether an official body set it (false for fenlei defaults).
    pub official: bool,
    /// The body that set it.
    pub set_by: String,
    /// Where it comes from.
    pub source: String,
}

/// How much of the period holds data.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct DataCoverage {
    /// Days with data (put-ins or pickups) in the period.
    pub days_with_data: u64,
    /// Days asked.
    pub days_asked: u64,
    /// `days_with_data / days_asked`.
    pub share: f64,
    /// Whether the share reaches the city's `min_data_coverage` (for figures from surveys:
    /// whether a survey was taken in the period; for reductions: in the baseline period too).
    pub complete: bool,
}

impl DataCoverage {
    /// The coverage of `q`'s period under `constants`.
    pub fn of(q: &Quantities, constants: &CityConstants) -> DataCoverage {
        let share = q.data_coverage();
        DataCoverage {
            days_with_data: q.days_with_data,
            days_asked: u64::from(q.range.len()),
            share,
            complete: share >= constants.min_data_coverage(),
        }
    }
}

/// What a figure says about its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing to measure (zero denominator).
    NoValue,
    /// Too few days of the period hold data to judge it: never "met".
    InsufficientData,
    /// No target for this metric in this city.
    NoTarget,
    /// The sample does not support a comparison with the target.
    Inconclusive,
    /// The target is met.
    Met,
    /// The target is not met.
    NotMet,
}

impl Status {
    /// A short bilingual label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Status::NoValue => "无数据 no value",
            Status::InsufficientData => "数据不足 incomplete",
            Status::NoTarget => "",
            Status::Inconclusive => "样本不足 thin sample",
            Status::Met => "达标 met",
            Status::NotMet => "未达标 not met",
        }
    }
}

/// Where a tonnage-based figure's weights came from.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct TonnageSource {
    /// Kilograms given by weigh tickets (the reconciled chain).
    pub weighbridge_kg: f64,
    /// Kilograms given by the trucks' scales at the bins, for pickups no ticket covers.
    pub bin_lift_kg: f64,
    /// Share of the tonnage weighed at weighbridges, 0..=1.
    pub weighbridge_share: f64,
}

/// One metric evaluated for one unit and period.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// Metric key.
    pub metric: &'static str,
    /// Formula, `key@version`.
    pub formula: String,
    /// The formula in words with the city's constants written in.
    pub formula_text: String,
    /// Label under the city's rules, Chinese.
    pub label_zh: String,
    /// Label, English.
    pub label_en: String,
    /// What the value measures.
    pub measure: Measure,
    /// The value's unit (`share` is 0..=1).
    pub unit: &'static str,
    /// Value, or `None` when the denominator is zero (nothing to measure).
    pub value: Option<f64>,
    /// Numerator, in `numerator_unit`.
    pub numerator: f64,
    /// The numerator's unit.
    pub numerator_unit: &'static str,
    /// Denominator, in `denominator_unit`.
    pub denominator: f64,
    /// The denominator's unit.
    pub denominator_unit: &'static str,
    /// Target, with who set it, if one is set for the city.
    pub target: Option<TargetRef>,
    /// Distance to the target, positive when the target is met with that margin
    /// (value − target for floors, target − value for ceilings).
    pub gap: Option<f64>,
    /// How much of the period holds data.
    pub data: DataCoverage,
    /// Whether the sample supports the comparison, for shares measured on a sample.
    pub sample: Option<Sample>,
    /// What the figure says about its target.
    pub status: Status,
    /// For figures on tonnages: how much came from weigh tickets and how much from bin lifts.
    pub tonnage_source: Option<TonnageSource>,
}

/// Evaluates every metric the city reports, labelled in its words, against its targets.
pub fn evaluate(inputs: &Inputs<'_>, rules: &RuleSet, targets: &Targets) -> Vec<Evaluation> {
    METRICS
        .iter()
        .filter(|m| m.applies_to(rules))
        .map(|m| evaluate_one(m, inputs, rules, targets))
        .collect()
}

fn evaluate_one(m: &Metric, inputs: &Inputs<'_>, rules: &RuleSet, targets: &Targets) -> Evaluation {
    let Ratio {
        numerator,
        denominator,
    } = m.ratio(inputs);
    let value = (denominator > 0.0).then(|| numerator / denominator);
    let target = targets.get(&rules.city, m.key).map(|t| TargetRef {
        value: t.target,
        status: t.status,
        official: t.status.is_official(),
        set_by: t.set_by.clone(),
        source: t.source.clone(),
    });
    let gap = match (value, &target) {
        (Some(v), Some(t)) => Some(match m.direction {
            Direction::HigherIsBetter => v - t.value,
            Direction::LowerIsBetter => t.value - v,
        }),
        _ => None,
    };
    let constants = inputs.constants;
    let data = match m.basis {
        Basis::Surveys => DataCoverage {
            complete: inputs.q.survey_respondents > 0,
            ..DataCoverage::of(inputs.q, constants)
        },
        Basis::Days => DataCoverage::of(inputs.q, constants),
        Basis::DaysAndBaseline => {
            let mut d = DataCoverage::of(inputs.q, constants);
            d.complete &= inputs
                .baseline
                .is_some_and(|b| DataCoverage::of(b, constants).complete);
            d
        }
    };
    let sample = m.sample.map(|method| {
        Sample::judge(
            method,
            inputs.q,
            numerator,
            denominator,
            target.as_ref().map(|t| t.value),
            constants,
        )
    });
    let status = match (value, &gap) {
        (None, _) => Status::NoValue,
        _ if !data.complete => Status::InsufficientData,
        (_, None) => Status::NoTarget,
        _ if sample.as_ref().is_some_and(|s| !s.sufficient) => Status::Inconclusive,
        (_, Some(g)) if *g >= 0.0 => Status::Met,
        _ => Status::NotMet,
    };
    let (label_zh, label_en) = formulas::labels(m, rules);
    Evaluation {
        metric: m.key,
        formula: m.formula(),
        formula_text: m.formula_text(constants),
        label_zh,
        label_en,
        measure: m.measure,
        unit: m.measure.unit(),
        value,
        numerator,
        numerator_unit: m.numerator_unit,
        denominator,
        denominator_unit: m.denominator_unit,
        target,
        gap,
        data,
        sample,
        status,
        tonnage_source: m.tonnage.then(|| formulas::tonnage_source(inputs.q)),
    }
}
