//! Rating every unit under rule sets: a pure function of the city, the rule sets and the
//! inputs (stored quantities, case counts, reviewers' explanations), giving a record that
//! explains every grade item by item and carries the digests that make it reproducible.

use crate::digest::{Sha, hex_digest};
use crate::rules::figure::{CaseCounts, FigureValue, trim};
use crate::rules::{Figure, Grading, Item, RuleSet, Scoring};
use fenlei_domain::{CityModel, DayRange, Level, Quantities, UnitId};
use std::collections::HashMap;

/// What one unit brings to an evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitInput {
    /// Stored quantities over the period.
    pub quantities: Quantities,
    /// Rectification cases.
    pub cases: CaseCounts,
}

/// Points a reviewer gave for an explanation item (说明).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Explanation {
    /// Rule set key.
    pub ruleset: String,
    /// Item key.
    pub item: String,
    /// Unit code.
    pub unit: String,
    /// Points given.
    pub points: f64,
    /// The reviewer's note.
    pub note: String,
}

/// Everything an evaluation reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inputs {
    /// Per unit rated (every unit at every level a rule set rates).
    pub units: HashMap<UnitId, UnitInput>,
    /// Reviewers' explanation points.
    pub explanations: Vec<Explanation>,
}

impl Inputs {
    /// SHA-256 over every input in a fixed order (units by id, explanations sorted): equal
    /// inputs give equal digests.
    pub fn digest(&self, model: &CityModel) -> String {
        let mut sha = Sha::default();
        let mut ids: Vec<&UnitId> = self.units.keys().collect();
        ids.sort();
        for id in ids {
            let input = &self.units[id];
            sha.field(&model.unit(*id).code);
            sha.json(&input.quantities);
            sha.json(&input.cases);
        }
        let mut ex: Vec<&Explanation> = self.explanations.iter().collect();
        ex.sort_by(|a, b| (&a.ruleset, &a.item, &a.unit).cmp(&(&b.ruleset, &b.item, &b.unit)));
        for e in ex {
            sha.json(e);
        }
        sha.finish()
    }
}

/// How an item came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Requirement met (full points).
    Pass,
    /// Some points, not all.
    Partial,
    /// Requirement missed (no points).
    Fail,
    /// Nothing to measure: never a pass.
    NoData,
}

impl Outcome {
    /// The stable key (`pass`, `partial`, `fail`, `no_data`).
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Partial => "partial",
            Outcome::Fail => "fail",
            Outcome::NoData => "no_data",
        }
    }
}

/// One item of one unit's rating, explained.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ItemResult {
    /// Item key (`grading` for the figure a bands grading grades).
    pub item: String,
    /// What it checks.
    pub label: String,
    /// The figure read.
    pub figure: String,
    /// Its value.
    pub value: Option<f64>,
    /// The requirement (threshold, bands, points).
    pub requirement: String,
    /// The source figure: numerator and denominator, count, or why there is no data.
    pub source: String,
    /// The outcome.
    pub outcome: Outcome,
    /// Points earned, for scored items.
    pub points: Option<f64>,
    /// A veto item.
    pub veto: bool,
}

/// One unit's rating under one rule set.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rating {
    /// Rule set, `key@version`.
    pub ruleset: String,
    /// Unit code.
    pub unit: String,
    /// Unit name.
    pub name: String,
    /// The grade, or none when the data do not allow one.
    pub grade: Option<String>,
    /// Total points, for points gradings.
    pub points: Option<f64>,
    /// Why this grade, in one line.
    pub reason: String,
    /// Item by item.
    pub items: Vec<ItemResult>,
}

/// A rule set an evaluation used.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RuleSetRef {
    /// `key@version`.
    pub id: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Level rated.
    pub level: Level,
    /// SHA-256 of the rule file.
    pub digest: String,
    /// Its grades, best first.
    pub grades: Vec<String>,
}

/// An evaluation: the rule sets, the period, the inputs' digest and every rating. Two runs on
/// the same data and rules give equal records (and equal [`EvaluationRecord::digest`]s).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EvaluationRecord {
    /// Rule sets, lower levels first.
    pub rulesets: Vec<RuleSetRef>,
    /// First day.
    pub from: String,
    /// Last day (inclusive).
    pub to: String,
    /// SHA-256 of the inputs.
    pub inputs_digest: String,
    /// Every rating, rule set by rule set, units in id order.
    pub ratings: Vec<Rating>,
}

impl EvaluationRecord {
    /// What a re-evaluation replaces: the rule sets (by key) and the period.
    pub fn scope(&self) -> String {
        let keys: Vec<&str> = self
            .rulesets
            .iter()
            .map(|r| r.id.split('@').next().unwrap_or(&r.id))
            .collect();
        format!("{} {}..{}", keys.join("+"), self.from, self.to)
    }

    /// SHA-256 of the record's canonical JSON (the stored text; numbers round-trip exactly).
    pub fn digest(&self) -> String {
        hex_digest(&serde_json::to_vec(self).expect("records serialize"))
    }

    /// Grade counts per rule set: `(rule set, grade or "no grade", units)`, best grade first.
    pub fn grade_counts(&self) -> Vec<(String, String, usize)> {
        let mut out: Vec<(String, String, usize)> = Vec::new();
        for r in &self.ratings {
            let g = r.grade.clone().unwrap_or_else(|| "no grade".into());
            match out.iter_mut().find(|(s, x, _)| *s == r.ruleset && *x == g) {
                Some(row) => row.2 += 1,
                None => out.push((r.ruleset.clone(), g, 1)),
            }
        }
        out
    }
}

/// Why an evaluation cannot run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EvaluateError(pub String);

/// Rates every unit at each rule set's level. `sets` must be ordered by
/// [`crate::rules::order`]; `inputs` must hold every unit at those levels.
pub fn evaluate(
    model: &CityModel,
    sets: &[RuleSet],
    range: DayRange,
    inputs: &Inputs,
) -> Result<EvaluationRecord, EvaluateError> {
    let constants = fenlei_domain::CityConstants::shipped(&model.ruleset);
    let mut ratings: Vec<Rating> = Vec::new();
    // Per rule set key: (unit, grade) of every unit rated, for roll-ups.
    let mut graded: HashMap<&str, Vec<(UnitId, Option<String>)>> = HashMap::new();
    for set in sets {
        let shares = share_tables(model, set, &graded);
        let mut mine = Vec::new();
        for unit in model
            .at_level(set.level)
            .filter(|u| set.territory.covers(model.is_rural(u.id)))
        {
            let input = inputs.units.get(&unit.id).ok_or_else(|| {
                EvaluateError(format!("no inputs for {} {}", unit.level, unit.code))
            })?;
            let value = |f: &Figure| match f {
                Figure::Share { .. } => shares
                    .get(&f.key())
                    .and_then(|t| t.get(&unit.id))
                    .map_or_else(
                        || FigureValue::none("no unit below is rated"),
                        |&(hit, all)| FigureValue {
                            value: Some(hit as f64 / all as f64),
                            source: format!("{hit} of {all} units below"),
                        },
                    ),
                _ => f.of_unit(&input.quantities, &constants, input.cases),
            };
            let explanation = |item: &str| {
                inputs
                    .explanations
                    .iter()
                    .find(|e| e.ruleset == set.key && e.item == item && e.unit == unit.code)
            };
            let rating = rate(set, &unit.code, &unit.name, value, explanation);
            mine.push((unit.id, rating.grade.clone()));
            ratings.push(rating);
        }
        graded.insert(&set.key, mine);
    }
    Ok(EvaluationRecord {
        rulesets: sets
            .iter()
            .map(|s| RuleSetRef {
                id: s.id(),
                name_zh: s.name_zh.clone(),
                level: s.level,
                digest: s.digest.clone(),
                grades: s.grades().into_iter().map(str::to_owned).collect(),
            })
            .collect(),
        from: range.from.to_string(),
        to: range.to.to_string(),
        inputs_digest: inputs.digest(model),
        ratings,
    })
}

/// For every share figure of `set`: per unit at `set`'s level, (units below with a counted
/// grade, units below rated).
fn share_tables(
    model: &CityModel,
    set: &RuleSet,
    graded: &HashMap<&str, Vec<(UnitId, Option<String>)>>,
) -> HashMap<String, HashMap<UnitId, (u64, u64)>> {
    let mut out = HashMap::new();
    for f in set.figures() {
        let Figure::Share { ruleset, grades } = f else {
            continue;
        };
        let mut table: HashMap<UnitId, (u64, u64)> = HashMap::new();
        let rated = ruleset
            .split('+')
            .flat_map(|r| graded.get(r).into_iter().flatten());
        for (unit, grade) in rated {
            if let Some(up) = model.ancestor_at(*unit, set.level) {
                let e = table.entry(up).or_default();
                e.1 += 1;
                if grade.as_ref().is_some_and(|g| grades.contains(g)) {
                    e.0 += 1;
                }
            }
        }
        out.insert(f.key(), table);
    }
    out
}

/// Rates one unit.
pub fn rate<'a>(
    set: &RuleSet,
    code: &str,
    name: &str,
    value: impl Fn(&Figure) -> FigureValue,
    explanation: impl Fn(&str) -> Option<&'a Explanation>,
) -> Rating {
    let items: Vec<ItemResult> = set
        .items
        .iter()
        .map(|item| score(item, &value, &explanation))
        .collect();
    let failed: Vec<String> = items
        .iter()
        .filter(|r| r.outcome == Outcome::Fail && (r.veto || r.points.is_none()))
        .map(|r| r.item.clone())
        .collect();
    let vetoed: Vec<String> = items
        .iter()
        .filter(|r| r.veto && r.outcome == Outcome::Fail)
        .map(|r| r.item.clone())
        .collect();
    let missing: Vec<String> = items
        .iter()
        .filter(|r| r.outcome == Outcome::NoData)
        .map(|r| r.item.clone())
        .collect();
    let mut graded_item = None;
    let (grade, points, reason) = match &set.grading {
        Grading::AllPass { pass, fail } => {
            if !failed.is_empty() {
                (
                    Some(fail.clone()),
                    None,
                    format!("failed: {}", failed.join(", ")),
                )
            } else if !missing.is_empty() {
                (
                    None,
                    None,
                    format!("no grade: no data for {}", missing.join(", ")),
                )
            } else {
                (Some(pass.clone()), None, "every item met".into())
            }
        }
        Grading::Points { bands } => {
            let total: f64 = items.iter().filter_map(|r| r.points).sum();
            let total = (total * 1e6).round() / 1e6;
            let mut reason = if vetoed.is_empty() {
                format!("{} points", trim(total))
            } else {
                format!(
                    "veto: {} failed ({} points)",
                    vetoed.join(", "),
                    trim(total)
                )
            };
            if !missing.is_empty() {
                reason += &format!("; no data (0 points) for {}", missing.join(", "));
            }
            let grade = if vetoed.is_empty() {
                bands.iter().find(|(_, floor)| total >= *floor)
            } else {
                bands.last()
            };
            (grade.map(|(g, _)| g.clone()), Some(total), reason)
        }
        Grading::Bands { figure, bands } => {
            let v = value(figure);
            let requirement = bands
                .iter()
                .map(|(g, t)| format!("{g} ≥ {t}"))
                .collect::<Vec<_>>()
                .join(", ");
            let band = v.value.map(|x| {
                bands
                    .iter()
                    .find(|(_, t)| x >= *t)
                    .unwrap_or(bands.last().expect("bands"))
            });
            let outcome = match band {
                None => Outcome::NoData,
                Some(b) if b.0 == bands[0].0 => Outcome::Pass,
                Some(b) if Some(b) == bands.last() => Outcome::Fail,
                Some(_) => Outcome::Partial,
            };
            let result = ItemResult {
                item: "grading".into(),
                label: format!("graded by {}", figure.key()),
                figure: figure.key(),
                value: v.value,
                requirement,
                source: v.source,
                outcome,
                points: None,
                veto: false,
            };
            graded_item = Some(result);
            let last = bands.last().expect("bands").0.clone();
            match band {
                _ if !failed.is_empty() => {
                    (Some(last), None, format!("failed: {}", failed.join(", ")))
                }
                None => (None, None, "no grade: no data for the graded figure".into()),
                Some((g, t)) => (
                    Some(g.clone()),
                    None,
                    format!("{} = {} ≥ {t}", figure.key(), trim(v.value.unwrap_or(0.0))),
                ),
            }
        }
    };
    Rating {
        items: graded_item.into_iter().chain(items).collect(),
        ruleset: set.id(),
        unit: code.to_owned(),
        name: name.to_owned(),
        grade,
        points,
        reason,
    }
}

fn score<'a>(
    item: &Item,
    value: &impl Fn(&Figure) -> FigureValue,
    explanation: &impl Fn(&str) -> Option<&'a Explanation>,
) -> ItemResult {
    let v = match &item.figure {
        Some(f) => value(f),
        None => match explanation(&item.key) {
            Some(e) => FigureValue {
                value: Some(e.points),
                source: format!("explanation reviewed: {}", e.note),
            },
            None => FigureValue::none("no explanation submitted"),
        },
    };
    let full = item.scoring.points();
    let (outcome, points, requirement) = match (&item.scoring, v.value) {
        (_, None) => (
            Outcome::NoData,
            full.map(|_| 0.0),
            requirement(&item.scoring),
        ),
        (Scoring::Threshold(b), Some(x)) => (pass_fail(b.holds(x)), None, b.describe()),
        (Scoring::AllOrNothing { bound, points }, Some(x)) => {
            let ok = bound.holds(x);
            (
                pass_fail(ok),
                Some(if ok { *points } else { 0.0 }),
                requirement(&item.scoring),
            )
        }
        (Scoring::Deductions { points, deduct }, Some(x)) => {
            let got = (points - deduct * x).max(0.0);
            (graded(got, *points), Some(got), requirement(&item.scoring))
        }
        (Scoring::Bands { points, bands }, Some(x)) => {
            let got = bands.iter().find(|(t, _)| x >= *t).map_or(0.0, |b| b.1);
            (graded(got, *points), Some(got), requirement(&item.scoring))
        }
        (Scoring::Explanation { points }, Some(x)) => {
            let got = x.clamp(0.0, *points);
            (graded(got, *points), Some(got), requirement(&item.scoring))
        }
    };
    ItemResult {
        item: item.key.clone(),
        label: item.label.clone(),
        figure: item
            .figure
            .as_ref()
            .map_or_else(|| "explanation".into(), Figure::key),
        value: v.value,
        requirement,
        source: v.source,
        outcome,
        points,
        veto: item.veto,
    }
}

fn pass_fail(ok: bool) -> Outcome {
    if ok { Outcome::Pass } else { Outcome::Fail }
}

fn graded(got: f64, full: f64) -> Outcome {
    if got >= full {
        Outcome::Pass
    } else if got <= 0.0 {
        Outcome::Fail
    } else {
        Outcome::Partial
    }
}

fn requirement(s: &Scoring) -> String {
    match s {
        Scoring::Threshold(b) => b.describe(),
        Scoring::AllOrNothing { bound, points } => {
            format!("{} points if {}, else 0", trim(*points), bound.describe())
        }
        Scoring::Deductions { points, deduct } => {
            format!(
                "{} points less {} per unit, not below 0",
                trim(*points),
                trim(*deduct)
            )
        }
        Scoring::Bands { bands, .. } => bands
            .iter()
            .map(|(t, p)| format!("≥ {t}: {}", trim(*p)))
            .collect::<Vec<_>>()
            .join("; "),
        Scoring::Explanation { points } => {
            format!("up to {} points for a reviewed explanation", trim(*points))
        }
    }
}
