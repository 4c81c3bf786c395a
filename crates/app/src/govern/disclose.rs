//! `fenlei disclose …`: red and black lists from a metric or a published rating, written as
//! snapshots and re-derived from stored data to check them byte for byte.

use crate::AppError;
use crate::report::{format_value, units_at};
use fenlei_domain::{DayRange, Level};
use fenlei_governance::disclose::{self, ListSpec, Ranked, Snapshot, Source};
use fenlei_governance::{EvaluationLog, GovernanceDb};
use fenlei_metrics::Direction;
use fenlei_store::EmbeddedStore;
use std::path::Path;

/// What to rank.
#[derive(Clone, Debug)]
pub enum Figure {
    /// A metric by key.
    Metric(String),
    /// The ratings of a rule set (by key) in the latest published evaluation of the period.
    Rating(String),
}

/// Resolves what to rank into a list spec: the metric's formula, or the exact evaluation
/// version the ratings come from.
pub fn spec(
    store: &EmbeddedStore,
    gov: &GovernanceDb,
    figure: &Figure,
    level: Level,
    within: Option<String>,
    range: DayRange,
    size: usize,
) -> Result<ListSpec, AppError> {
    let usage = |m: String| AppError::Usage(m);
    if let Some(w) = &within {
        store
            .registry()
            .unit(w)
            .ok_or_else(|| usage(format!("no unit with code {w:?}")))?;
    }
    let (from, to) = (range.from.to_string(), range.to.to_string());
    let (title, source) = match figure {
        Figure::Metric(key) => {
            let m = fenlei_metrics::metric(key)
                .ok_or_else(|| usage(format!("unknown metric {key:?}")))?;
            (
                format!("{} {from}..{to} {}红黑榜", level.label_zh(), m.name_zh),
                Source::Metric {
                    formula: m.formula(),
                    higher_is_better: m.direction == Direction::HigherIsBetter,
                },
            )
        }
        Figure::Rating(key) => {
            let period = format!("{from}..{to}");
            let found = gov
                .list()?
                .into_iter()
                .filter(|(scope, ..)| {
                    scope.ends_with(&period)
                        && scope
                            .split(' ')
                            .next()
                            .is_some_and(|k| k.split('+').any(|k| k == key))
                })
                .max_by_key(|(_, v, _, at)| (*at, *v))
                .ok_or_else(|| {
                    usage(format!(
                        "no published evaluation of {key} for {period}: run fenlei evaluate first"
                    ))
                })?;
            let p = gov.version(&found.0, found.1)?.expect("listed");
            let rs = p
                .record
                .rulesets
                .iter()
                .find(|r| r.id.split('@').next() == Some(key))
                .expect("scope names it");
            if rs.level != level {
                return Err(usage(format!(
                    "{} rates {} units, not {level}",
                    rs.id, rs.level
                )));
            }
            (
                format!("{} {from}..{to} {}红黑榜", level.label_zh(), rs.name_zh),
                Source::Rating {
                    scope: found.0,
                    version: found.1,
                    ruleset: rs.id.clone(),
                },
            )
        }
    };
    Ok(ListSpec {
        title,
        level,
        within,
        from,
        to,
        source,
        size,
    })
}

/// The lists for a spec, from stored data.
pub fn derive(
    store: &mut EmbeddedStore,
    gov: &GovernanceDb,
    spec: &ListSpec,
) -> Result<Snapshot, AppError> {
    let usage = |m: String| AppError::Usage(m);
    let within = spec
        .within
        .as_deref()
        .and_then(|w| store.registry().unit(w));
    let units = units_at(store, spec.level, within);
    let values = match &spec.source {
        Source::Metric {
            formula,
            higher_is_better,
        } => {
            let key = formula.split('@').next().unwrap_or(formula);
            let m = fenlei_metrics::metric(key)
                .filter(|m| &m.formula() == formula)
                .ok_or_else(|| usage(format!("this fenlei no longer computes {formula}")))?;
            let range = DayRange::new(
                fenlei_domain::Day::parse(&spec.from).map_err(|e| usage(e.to_string()))?,
                fenlei_domain::Day::parse(&spec.to).map_err(|e| usage(e.to_string()))?,
            )
            .ok_or_else(|| usage("empty period".into()))?;
            let qs = store.quantities_many(&units, range)?;
            let constants = fenlei_domain::CityConstants::shipped(&store.model().ruleset);
            units
                .iter()
                .zip(qs)
                .map(|(&u, q)| {
                    let r = m.ratio(&fenlei_metrics::Inputs {
                        q: &q,
                        baseline: None,
                        constants: &constants,
                    });
                    let value = (r.denominator > 0.0).then(|| r.numerator / r.denominator);
                    let unit = store.model().unit(u);
                    Ranked {
                        unit: unit.code.clone(),
                        name: unit.name.clone(),
                        score: value.map(|v| if *higher_is_better { v } else { -v }),
                        shown: format_value(m.measure, value),
                    }
                })
                .collect()
        }
        Source::Rating {
            scope,
            version,
            ruleset,
        } => {
            let p = gov
                .version(scope, *version)?
                .ok_or_else(|| usage(format!("no published evaluation {scope} v{version}")))?;
            let codes: std::collections::HashSet<&str> = units
                .iter()
                .map(|&u| store.model().unit(u).code.as_str())
                .collect();
            // Grades rank by their order in the rule set, best first.
            let grades = p
                .record
                .rulesets
                .iter()
                .find(|r| &r.id == ruleset)
                .map(|r| r.grades.clone())
                .unwrap_or_default();
            let grade_score = |g: &String| {
                grades
                    .iter()
                    .position(|x| x == g)
                    .map(|i| (grades.len() - i) as f64)
            };
            p.record
                .ratings
                .iter()
                .filter(|r| &r.ruleset == ruleset && codes.contains(r.unit.as_str()))
                .map(|r| Ranked {
                    unit: r.unit.clone(),
                    name: r.name.clone(),
                    score: r.points.or_else(|| r.grade.as_ref().and_then(grade_score)),
                    shown: match (r.points, &r.grade) {
                        (Some(pts), Some(g)) => format!("{pts} ({g})"),
                        (_, Some(g)) => g.clone(),
                        _ => "no grade".into(),
                    },
                })
                .collect()
        }
    };
    Ok(disclose::rank(spec.clone(), values))
}

/// Publishes a snapshot into `dir`.
pub fn publish(
    store: &mut EmbeddedStore,
    gov: &GovernanceDb,
    spec: &ListSpec,
    dir: &Path,
) -> Result<Snapshot, AppError> {
    let s = derive(store, gov, spec)?;
    disclose::publish(dir, &s).map_err(AppError::Usage)?;
    Ok(s)
}

/// Re-derives a published snapshot from stored data and compares it byte for byte.
pub fn verify(
    store: &mut EmbeddedStore,
    gov: &GovernanceDb,
    dir: &Path,
) -> Result<Vec<String>, AppError> {
    let manifest = disclose::read_manifest(dir).map_err(AppError::Usage)?;
    let s = derive(store, gov, &manifest.spec)?;
    disclose::verify(dir, &s).map_err(AppError::Usage)
}
