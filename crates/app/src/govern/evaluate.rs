//! `fenlei evaluate`: rates every unit under rule sets from the stored data, publishes the
//! record (immutable, versioned) and renders it; optionally opens a case per failed item.

use super::end_of;
use crate::AppError;
use crate::report::table;
use fenlei_domain::{DayRange, Level, Timestamp, UnitId};
use fenlei_governance::cases::{self, CaseBook, NewCase};
use fenlei_governance::evaluate::{Explanation, Inputs, Outcome, UnitInput};
use fenlei_governance::rules::{self, figure::CaseCounts};
use fenlei_governance::{GovernanceDb, Published, publish};
use fenlei_store::EmbeddedStore;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// What to evaluate.
#[derive(Clone, Debug)]
pub struct EvaluateRequest {
    /// Rule files or directories of them.
    pub rules: Vec<PathBuf>,
    /// The period.
    pub range: DayRange,
    /// Reviewers' explanation points (CSV: ruleset,item,unit,points,note).
    pub explanations: Option<PathBuf>,
}

/// The published evaluation and whether this run created it.
#[derive(Clone, Debug)]
pub struct EvaluateOutcome {
    /// The stored record.
    pub published: Published,
    /// False when the same record was already published (same data, same rules).
    pub new: bool,
}

/// Rates, records and returns.
pub fn evaluate(
    store: &mut EmbeddedStore,
    gov: &mut GovernanceDb,
    req: &EvaluateRequest,
    now: Timestamp,
) -> Result<EvaluateOutcome, AppError> {
    let usage = |e: String| AppError::Usage(e);
    let mut sets = Vec::new();
    for p in &req.rules {
        sets.extend(rules::load_dir_or_file(p).map_err(|e| usage(e.to_string()))?);
    }
    let sets = rules::order(sets).map_err(usage)?;
    if sets.is_empty() {
        return Err(usage("no rule set given (--rules FILE_OR_DIR)".into()));
    }
    let overdue = overdue_by_unit(store, gov, end_of(req.range))?;
    let mut inputs = Inputs::default();
    let levels: BTreeSet<Level> = sets.iter().map(|s| s.level).collect();
    for level in levels {
        let ids: Vec<UnitId> = store.model().at_level(level).map(|u| u.id).collect();
        let quantities = store.quantities_many(&ids, req.range)?;
        for (id, q) in ids.into_iter().zip(quantities) {
            let cases = CaseCounts {
                overdue: overdue.get(&id).copied().unwrap_or(0),
            };
            inputs.units.insert(
                id,
                UnitInput {
                    quantities: q,
                    cases,
                },
            );
        }
    }
    if let Some(path) = &req.explanations {
        inputs.explanations = read_explanations(path)?;
    }
    let record = fenlei_governance::evaluate(store.model(), &sets, req.range, &inputs)
        .map_err(|e| usage(e.to_string()))?;
    let (published, new) = publish(gov, &record, now.0)?;
    Ok(EvaluateOutcome { published, new })
}

/// Cases overdue at `at`, counted at their unit and every unit above it.
fn overdue_by_unit(
    store: &EmbeddedStore,
    gov: &GovernanceDb,
    at: Timestamp,
) -> Result<HashMap<UnitId, u64>, AppError> {
    let mut out = HashMap::new();
    for case in gov.all()? {
        if !case.overdue_at(at) {
            continue;
        }
        if let Some(unit) = store.registry().unit(&case.new.unit) {
            for up in store.model().ancestors(unit) {
                *out.entry(up).or_insert(0) += 1;
            }
        }
    }
    Ok(out)
}

fn read_explanations(path: &Path) -> Result<Vec<Explanation>, AppError> {
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| AppError::Usage(format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<Explanation>().enumerate() {
        out.push(row.map_err(|e| {
            AppError::Usage(format!(
                "{}, line {}: {e} (expected ruleset,item,unit,points,note)",
                path.display(),
                i + 2
            ))
        })?);
    }
    Ok(out)
}

/// Opens a case for every failed item of every rating in the published record (once per
/// record version, unit and item; replays open nothing new). Returns the cases opened.
pub fn open_cases_for_failures(
    gov: &mut GovernanceDb,
    published: &Published,
    deadline: Timestamp,
    now: Timestamp,
) -> Result<usize, AppError> {
    let registry = super::targets::load_responsibility()?;
    let mut opened = 0;
    for r in &published.record.ratings {
        let level = published
            .record
            .rulesets
            .iter()
            .find(|s| s.id == r.ruleset)
            .map(|s| s.level);
        for item in r.items.iter().filter(|i| i.outcome == Outcome::Fail) {
            // The body answering for the metric at that level, else the level's first body in
            // the registry (e.g. the estate's property manager), else the unit itself.
            let metric = item.figure.strip_prefix("metric:").unwrap_or(&item.figure);
            let responsible = level
                .and_then(|l| {
                    let answering =
                        fenlei_governance::targets::responsible_for(&registry, l, &r.unit, metric);
                    answering.into_iter().next().or_else(|| {
                        registry
                            .iter()
                            .find(|x| x.level == l)
                            .map(|x| x.responsible.replace("{unit}", &r.unit))
                    })
                })
                .unwrap_or_else(|| r.unit.clone());
            let new = NewCase {
                origin: format!(
                    "rating:{}@v{}:{}:{}:{}",
                    published.scope, published.version, r.ruleset, r.unit, item.item
                ),
                unit: r.unit.clone(),
                responsible,
                problem: format!(
                    "{} {}: {} = {} ({}), required {}",
                    r.ruleset,
                    item.label,
                    item.figure,
                    item.value.map_or("—".into(), |v| format!("{v:.4}")),
                    item.source,
                    item.requirement
                ),
                action: format!("bring {} to {}", item.figure, item.requirement),
                deadline,
            };
            let (_, created) = cases::open(gov, new, "evaluation", now)
                .map_err(|e| AppError::Usage(e.to_string()))?;
            opened += created as usize;
        }
    }
    Ok(opened)
}

fn value(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| {
        if v.fract() == 0.0 {
            format!("{v}")
        } else {
            format!("{v:.4}")
        }
    })
}

/// Grade counts per rule set, as a table.
pub fn render_summary(p: &Published) -> String {
    let header = vec![vec!["rule set".to_string(), "grade".into(), "units".into()]];
    let rows: Vec<Vec<String>> = p
        .record
        .grade_counts()
        .into_iter()
        .map(|(s, g, n)| vec![s, g, n.to_string()])
        .collect();
    format!(
        "evaluation {} v{} (record {}, inputs {})\n{}",
        p.scope,
        p.version,
        &p.record_digest[..16],
        &p.record.inputs_digest[..16],
        table(&header, &rows, 2)
    )
}

/// Every rating of one unit, item by item.
pub fn render_unit(p: &Published, unit: &str) -> Result<String, AppError> {
    let mut out = String::new();
    for r in p.record.ratings.iter().filter(|r| r.unit == unit) {
        out += &format!(
            "{} {} ({}): {} — {}\n",
            r.ruleset,
            r.unit,
            r.name,
            r.grade.as_deref().unwrap_or("no grade"),
            r.reason
        );
        let header = vec![
            [
                "item",
                "figure",
                "value",
                "requirement",
                "outcome",
                "points",
                "source",
            ]
            .map(String::from)
            .to_vec(),
        ];
        let rows: Vec<Vec<String>> = r
            .items
            .iter()
            .map(|i| {
                vec![
                    format!("{}{}", i.item, if i.veto { " (veto)" } else { "" }),
                    i.figure.clone(),
                    value(i.value),
                    i.requirement.clone(),
                    i.outcome.key().to_owned(),
                    value(i.points),
                    i.source.clone(),
                ]
            })
            .collect();
        out += &table(&header, &rows, 7);
        out += "\n";
    }
    if out.is_empty() {
        return Err(AppError::Usage(format!(
            "no rating of a unit {unit:?} in this evaluation"
        )));
    }
    Ok(out)
}
