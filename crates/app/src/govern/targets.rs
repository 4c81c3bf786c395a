//! `fenlei targets`: for every unit of a level and one metric, the target it inherits, the gap,
//! a projection of its weekly course to the target's deadline with an interval, its course
//! (on track, at risk, off track) and the units responsible.

use crate::AppError;
use crate::report::units_at;
use fenlei_domain::{DayRange, Level, UnitId};
use fenlei_governance::targets::{self, Course, Projection, Responsibility, UnitTarget};
use fenlei_metrics::Direction;
use fenlei_store::EmbeddedStore;
use std::path::Path;

const SHIPPED_TARGETS: &str = include_str!("../../../../data/rules/unit_targets.csv");
const SHIPPED_RESPONSIBILITY: &str = include_str!("../../../../data/rules/responsibility.csv");

/// One unit's standing against its target.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TargetRow {
    /// Unit code.
    pub unit: String,
    /// Unit name.
    pub name: String,
    /// Formula, `key@version`.
    pub formula: String,
    /// Value over the period.
    pub value: Option<f64>,
    /// The target, if any.
    pub target: Option<f64>,
    /// Where the target was set (the unit, an ancestor's code, or `*`).
    pub set_at: String,
    /// Its deadline.
    pub deadline: Option<String>,
    /// Value − target (target − value when lower is better).
    pub gap: Option<f64>,
    /// The weekly course projected to the deadline.
    pub projection: Option<Projection>,
    /// On track, at risk, off track.
    pub course: Course,
    /// Who answers for it.
    pub responsible: Vec<String>,
}

fn load<T>(
    file: Option<&Path>,
    shipped: (&str, &str),
    parse: fn(&str, &str) -> Result<T, targets::TargetError>,
) -> Result<T, AppError> {
    match file {
        Some(f) => {
            let text = std::fs::read_to_string(f).map_err(|e| AppError::io(f, e))?;
            parse(&f.display().to_string(), &text)
        }
        None => parse(shipped.0, shipped.1),
    }
    .map_err(|e| AppError::Usage(e.to_string()))
}

/// The targets (a file, or the shipped `data/rules/unit_targets.csv`).
pub fn load_targets(file: Option<&Path>) -> Result<Vec<UnitTarget>, AppError> {
    load(
        file,
        ("data/rules/unit_targets.csv", SHIPPED_TARGETS),
        targets::parse_targets,
    )
}

/// The registry of responsible units (shipped `data/rules/responsibility.csv`).
pub fn load_responsibility() -> Result<Vec<Responsibility>, AppError> {
    load(
        None,
        ("data/rules/responsibility.csv", SHIPPED_RESPONSIBILITY),
        targets::parse_responsibility,
    )
}

/// Weeks of history up to two years, the most [`status`] uses by default.
pub const MAX_HISTORY_WEEKS: usize = 104;

/// The weeks of history the store holds up to the end of `range` (at least 3, at most
/// [`MAX_HISTORY_WEEKS`]): what `fenlei targets` projects from unless told otherwise. From
/// [`targets::SEASONAL_SPAN_WEEKS`] on, projections fit a yearly seasonal pattern too.
pub fn history_weeks(store: &EmbeddedStore, range: DayRange) -> usize {
    let first = store.put_in_days().into_iter().min();
    let weeks = first.map_or(0, |f| ((range.to.0 - f.0).max(0) / 7 + 1) as usize);
    weeks.clamp(3, MAX_HISTORY_WEEKS)
}

/// Standing of every unit of `level` (under `within`) for `metric` over `range`, projected
/// from `weeks` weeks ending with the period.
pub fn status(
    store: &mut EmbeddedStore,
    metric: &str,
    level: Level,
    within: Option<UnitId>,
    range: DayRange,
    weeks: usize,
    unit_targets: &[UnitTarget],
) -> Result<Vec<TargetRow>, AppError> {
    let m = fenlei_metrics::metric(metric)
        .ok_or_else(|| AppError::Usage(format!("unknown metric {metric:?}")))?;
    let higher = m.direction == Direction::HigherIsBetter;
    let registry = load_responsibility()?;
    let units = units_at(store, level, within);
    let constants = fenlei_domain::CityConstants::shipped(&store.model().ruleset);
    let value = |q: &fenlei_domain::Quantities| {
        let r = m.ratio(&fenlei_metrics::Inputs {
            q,
            baseline: None,
            constants: &constants,
        });
        (r.denominator > 0.0).then(|| r.numerator / r.denominator)
    };
    let current: Vec<Option<f64>> = store
        .quantities_many(&units, range)?
        .iter()
        .map(value)
        .collect();
    // Weekly values, oldest first: whole weeks absorb the weekday pattern.
    let mut history: Vec<Vec<(f64, f64)>> = vec![Vec::new(); units.len()];
    for k in 0..weeks {
        let end = range.to.plus(-7 * (weeks - 1 - k) as i32);
        let week = DayRange {
            from: end.plus(-6),
            to: end,
        };
        for (h, q) in history.iter_mut().zip(store.quantities_many(&units, week)?) {
            if let Some(v) = value(&q) {
                h.push((k as f64, v));
            }
        }
    }
    let model = store.model();
    let mut out = Vec::with_capacity(units.len());
    for ((&u, value), hist) in units.iter().zip(current).zip(history) {
        let unit = model.unit(u);
        let found = targets::resolve(model, unit_targets, u, metric, range.to);
        let target = found.as_ref().map(|(t, _)| t.target);
        let deadline = found.as_ref().map(|(t, _)| t.deadline);
        let projection = deadline.and_then(|d| {
            let weeks_ahead = (d.0 - range.to.0) as f64 / 7.0;
            targets::project(&hist, (weeks - 1) as f64 + weeks_ahead)
        });
        let course = match target {
            Some(t) => targets::course(projection.as_ref(), t, higher),
            None => Course::Unknown,
        };
        out.push(TargetRow {
            unit: unit.code.clone(),
            name: unit.name.clone(),
            formula: m.formula(),
            value,
            target,
            set_at: found.map(|(_, at)| at).unwrap_or_default(),
            deadline: deadline.map(|d| d.to_string()),
            gap: value
                .zip(target)
                .map(|(v, t)| if higher { v - t } else { t - v }),
            projection,
            course,
            responsible: targets::responsible_for(&registry, level, &unit.code, metric),
        });
    }
    Ok(out)
}

/// Rows as a table.
pub fn render(rows: &[TargetRow]) -> String {
    let header = vec![
        [
            "unit",
            "name",
            "value",
            "target",
            "set at",
            "deadline",
            "gap",
            "projected",
            "90% interval",
            "model",
            "course",
            "responsible",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let f = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.3}"));
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.unit.clone(),
                r.name.clone(),
                f(r.value),
                f(r.target),
                r.set_at.clone(),
                r.deadline.clone().unwrap_or_default(),
                r.gap.map_or(String::new(), |g| format!("{g:+.3}")),
                f(r.projection.map(|p| p.value)),
                r.projection
                    .map_or(String::new(), |p| format!("{:.3}..{:.3}", p.low, p.high)),
                r.projection.map_or(String::new(), |p| {
                    if p.seasonal {
                        format!("trend{:+.3} season", p.season)
                    } else {
                        "trend".into()
                    }
                }),
                serde_json::to_value(r.course)
                    .expect("serializes")
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                r.responsible.join(", "),
            ]
        })
        .collect();
    let at_risk = rows
        .iter()
        .filter(|r| matches!(r.course, Course::AtRisk | Course::OffTrack))
        .count();
    format!(
        "{}{} units, {at_risk} at risk or off track\n",
        crate::report::table(&header, &body, 2),
        rows.len()
    )
}
