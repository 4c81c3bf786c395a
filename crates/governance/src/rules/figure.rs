//! What a rating item measures, written in rule files as a short string:
//!
//! | figure | value |
//! |---|---|
//! | `metric:<key>` | a formula of `fenlei_metrics::METRICS` (e.g. `metric:putin_accuracy`) |
//! | `inspection_score` | mean inspection score (0–100) over the period |
//! | `incidents:<kind>` | incidents of one kind (e.g. `incidents:mixed_put_in`) in the period |
//! | `cases_overdue` | rectification cases of the unit open past their deadline at the period's end |
//! | `share:<rule set>:<grade>[\|<grade>…]` | share of the units below rated with one of the grades by another rule set of the same evaluation (ratings roll up) |
//!
//! A metric without data in the period (no survey for awareness, no judged put-in for
//! accuracy) yields "no data" with the reason: never a pass.

use fenlei_domain::{CityConstants, IncidentKind, Quantities};

/// A figure of a unit over a period.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Figure {
    /// A metric formula by key.
    Metric(String),
    /// Mean inspection score.
    InspectionScore,
    /// Incidents of one kind.
    Incidents(IncidentKind),
    /// Rectification cases past their deadline at the period's end.
    CasesOverdue,
    /// Share of the units below rated with one of `grades` by `ruleset`.
    Share {
        /// The rule set whose ratings are counted, or several joined by `+` (an urban and a
        /// rural rule set of the same tier: `chongqing_pioneer_community+chongqing_pioneer_village`).
        ruleset: String,
        /// The grades that count.
        grades: Vec<String>,
    },
}

/// A figure's value with where it came from.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FigureValue {
    /// The value, or `None` when there is nothing to measure.
    pub value: Option<f64>,
    /// The source figure: numerator and denominator, a count, or why there is no data.
    pub source: String,
}

impl FigureValue {
    /// No data, for `reason`.
    pub fn none(reason: impl Into<String>) -> FigureValue {
        FigureValue {
            value: None,
            source: format!("no data: {}", reason.into()),
        }
    }
}

/// What a figure needs from outside the stored quantities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CaseCounts {
    /// Cases open past their deadline at the period's end.
    pub overdue: u64,
}

impl Figure {
    /// Reads a figure string; the error says what is wrong.
    pub fn parse(s: &str) -> Result<Figure, String> {
        let (head, rest) = s.split_once(':').unwrap_or((s, ""));
        match head {
            "metric" => {
                if fenlei_metrics::metric(rest).is_some() {
                    Ok(Figure::Metric(rest.to_owned()))
                } else {
                    let keys: Vec<&str> = fenlei_metrics::METRICS.iter().map(|m| m.key).collect();
                    Err(format!(
                        "unknown metric {rest:?}; known: {}",
                        keys.join(", ")
                    ))
                }
            }
            "inspection_score" if rest.is_empty() => Ok(Figure::InspectionScore),
            "cases_overdue" if rest.is_empty() => Ok(Figure::CasesOverdue),
            "incidents" => IncidentKind::parse(rest)
                .map(Figure::Incidents)
                .ok_or_else(|| {
                    let kinds: Vec<&str> = IncidentKind::ALL.iter().map(|k| k.key()).collect();
                    format!(
                        "unknown incident kind {rest:?}; known: {}",
                        kinds.join(", ")
                    )
                }),
            "share" => {
                let (ruleset, grades) = rest
                    .split_once(':')
                    .filter(|(r, g)| !g.is_empty() && r.split('+').all(|one| !one.is_empty()))
                    .ok_or("expected share:<rule set>[+<rule set>…]:<grade>[|<grade>…]")?;
                Ok(Figure::Share {
                    ruleset: ruleset.to_owned(),
                    grades: grades.split('|').map(str::to_owned).collect(),
                })
            }
            _ => Err(format!(
                "unknown figure {s:?}; expected metric:<key>, inspection_score, incidents:<kind>, cases_overdue or share:<rule set>:<grades>"
            )),
        }
    }

    /// The figure as written in rule files.
    pub fn key(&self) -> String {
        match self {
            Figure::Metric(k) => format!("metric:{k}"),
            Figure::InspectionScore => "inspection_score".into(),
            Figure::Incidents(k) => format!("incidents:{}", k.key()),
            Figure::CasesOverdue => "cases_overdue".into(),
            Figure::Share { ruleset, grades } => format!("share:{ruleset}:{}", grades.join("|")),
        }
    }

    /// The value for one unit from its stored quantities and case counts. Shares are computed
    /// by the evaluator from other ratings, not here.
    pub fn of_unit(
        &self,
        q: &Quantities,
        constants: &CityConstants,
        cases: CaseCounts,
    ) -> FigureValue {
        match self {
            Figure::Metric(key) => metric_value(key, q, constants),
            Figure::InspectionScore => {
                if q.inspections == 0 {
                    FigureValue::none("no inspection in the period")
                } else {
                    FigureValue {
                        value: Some(q.inspection_score_sum / q.inspections as f64),
                        source: format!(
                            "score sum {} / {} inspections",
                            trim(q.inspection_score_sum),
                            q.inspections
                        ),
                    }
                }
            }
            Figure::Incidents(kind) => {
                let n = q.incidents.get(*kind as usize).copied().unwrap_or(0);
                FigureValue {
                    value: Some(n as f64),
                    source: format!("{n} {} incidents", kind.key()),
                }
            }
            Figure::CasesOverdue => FigureValue {
                value: Some(cases.overdue as f64),
                source: format!("{} cases overdue at the period's end", cases.overdue),
            },
            Figure::Share { .. } => FigureValue::none("a share is computed from other ratings"),
        }
    }
}

fn metric_value(key: &str, q: &Quantities, constants: &CityConstants) -> FigureValue {
    let Some(m) = fenlei_metrics::metric(key) else {
        return FigureValue::none(format!("{key}: not computed by this fenlei"));
    };
    let r = m.ratio(&fenlei_metrics::Inputs {
        q,
        baseline: None,
        constants,
    });
    if r.denominator > 0.0 {
        FigureValue {
            value: Some(r.numerator / r.denominator),
            source: format!(
                "{} / {} ({} / {}; {})",
                trim(r.numerator),
                trim(r.denominator),
                m.numerator,
                m.denominator,
                m.formula()
            ),
        }
    } else {
        FigureValue::none(format!(
            "{}: the denominator ({}) is zero",
            m.formula(),
            m.denominator
        ))
    }
}

/// A number without a trailing `.0` when it is whole.
pub(crate) fn trim(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.4}")
    }
}
