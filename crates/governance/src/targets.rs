//! Targets per metric × unit × period, inherited down the tree; the units responsible for
//! each metric; and a projection of each unit's course to the target's deadline.
//!
//! `data/rules/unit_targets.csv` (`unit,metric,period,target,deadline,basis`): `unit` is a
//! unit code, `*rural` (every town, village and village group), `*urban` (every other unit)
//! or `*` (the whole city); `period` a year (`2026`), a month (`2026-11`) or `*`.
//! A unit without its own row takes the nearest ancestor's, then its territory's, then the
//! city-wide one; within a unit the most specific period wins. `data/rules/responsibility.csv` (`responsible,kind,level,metrics,basis`)
//! names who answers for which metric at which level.

use fenlei_domain::{CityModel, Day, Level, UnitId};

/// One target row.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct UnitTarget {
    /// Unit code, `*rural`, `*urban` or `*`.
    pub unit: String,
    /// Metric key.
    pub metric: String,
    /// `YYYY`, `YYYY-MM` or `*`.
    pub period: String,
    /// The target value.
    pub target: f64,
    /// When it must be reached.
    pub deadline: Day,
    /// Where it comes from.
    pub basis: String,
}

/// A malformed row.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}, line {line}, field `{field}`: {message}")]
pub struct TargetError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The column.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

#[derive(serde::Deserialize)]
struct RawTarget {
    unit: String,
    metric: String,
    period: String,
    target: String,
    deadline: String,
    basis: String,
}

/// Parses the targets file.
pub fn parse_targets(file: &str, text: &str) -> Result<Vec<UnitTarget>, TargetError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<RawTarget>().enumerate() {
        let line = i + 2;
        let err = |field: &str, message: String| TargetError {
            file: file.into(),
            line,
            field: field.into(),
            message,
        };
        let r = row.map_err(|e| err("", e.to_string()))?;
        if fenlei_metrics::metric(&r.metric).is_none() {
            return Err(err("metric", format!("unknown metric {:?}", r.metric)));
        }
        let period_ok = r.period == "*"
            || (r.period.len() == 4 && r.period.parse::<u16>().is_ok())
            || (r.period.len() == 7 && Day::parse(&format!("{}-01", r.period)).is_ok());
        if !period_ok {
            return Err(err(
                "period",
                format!("{:?}: expected YYYY, YYYY-MM or *", r.period),
            ));
        }
        out.push(UnitTarget {
            target: r
                .target
                .parse()
                .map_err(|_| err("target", format!("{:?} is not a number", r.target)))?,
            deadline: Day::parse(&r.deadline).map_err(|e| err("deadline", e.to_string()))?,
            unit: r.unit,
            metric: r.metric,
            period: r.period,
            basis: r.basis,
        });
    }
    Ok(out)
}

/// The target for `metric` at `unit` for the period ending `day`, and the unit it was set at
/// (the unit itself or the nearest ancestor; `*rural`/`*urban` for its territory's row; `*`
/// for the city-wide row).
pub fn resolve<'t>(
    model: &CityModel,
    targets: &'t [UnitTarget],
    unit: UnitId,
    metric: &str,
    day: Day,
) -> Option<(&'t UnitTarget, String)> {
    let (y, m, _) = day.ymd();
    let periods = [format!("{y:04}-{m:02}"), format!("{y:04}"), "*".into()];
    let codes = model
        .ancestors(unit)
        .map(|u| model.unit(u).code.clone())
        .chain([
            if model.is_rural(unit) {
                "*rural"
            } else {
                "*urban"
            }
            .to_owned(),
            "*".to_owned(),
        ]);
    for code in codes {
        for p in &periods {
            if let Some(t) = targets
                .iter()
                .find(|t| t.unit == code && t.metric == metric && &t.period == p)
            {
                return Some((t, code));
            }
        }
    }
    None
}

/// Who answers for a metric at a level.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Responsibility {
    /// The responsible body; `{unit}` is replaced by the unit's code.
    pub responsible: String,
    /// city_department, district_office, street_office, community, property_manager, hauler.
    pub kind: String,
    /// The level it answers at.
    pub level: Level,
    /// Metric keys, or `*`.
    pub metrics: Vec<String>,
    /// Where it comes from.
    pub basis: String,
}

#[derive(serde::Deserialize)]
struct RawResponsibility {
    responsible: String,
    kind: String,
    level: String,
    metrics: String,
    basis: String,
}

/// Parses the registry of responsible units.
pub fn parse_responsibility(file: &str, text: &str) -> Result<Vec<Responsibility>, TargetError> {
    const KINDS: [&str; 6] = [
        "city_department",
        "district_office",
        "street_office",
        "community",
        "property_manager",
        "hauler",
    ];
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, row) in reader.deserialize::<RawResponsibility>().enumerate() {
        let err = |field: &str, message: String| TargetError {
            file: file.into(),
            line: i + 2,
            field: field.into(),
            message,
        };
        let r = row.map_err(|e| err("", e.to_string()))?;
        if !KINDS.contains(&r.kind.as_str()) {
            return Err(err(
                "kind",
                format!("{:?}: expected one of {}", r.kind, KINDS.join(", ")),
            ));
        }
        let level = Level::parse(&r.level)
            .ok_or_else(|| err("level", format!("unknown level {:?}", r.level)))?;
        let metrics: Vec<String> = r.metrics.split_whitespace().map(str::to_owned).collect();
        if let Some(m) = metrics
            .iter()
            .find(|m| *m != "*" && fenlei_metrics::metric(m).is_none())
        {
            return Err(err("metrics", format!("unknown metric {m:?}")));
        }
        out.push(Responsibility {
            responsible: r.responsible,
            kind: r.kind,
            level,
            metrics,
            basis: r.basis,
        });
    }
    Ok(out)
}

/// The bodies answering for `metric` at a unit of `level` with `code`.
pub fn responsible_for(
    registry: &[Responsibility],
    level: Level,
    code: &str,
    metric: &str,
) -> Vec<String> {
    registry
        .iter()
        .filter(|r| r.level == level && r.metrics.iter().any(|m| m == "*" || m == metric))
        .map(|r| r.responsible.replace("{unit}", code))
        .collect()
}

/// Where a unit's course leads by the deadline.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Projection {
    /// The value the trend reaches at the deadline.
    pub value: f64,
    /// Lower end of the 90 % prediction interval.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Change per week.
    pub slope_per_week: f64,
    /// Weeks of history used.
    pub weeks: usize,
}

/// Two-sided 90 % quantiles of Student's t for 1..=30 degrees of freedom (then 1.645).
const T90: [f64; 30] = [
    6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812, 1.796, 1.782, 1.771,
    1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706,
    1.703, 1.701, 1.699, 1.697,
];

/// Projects weekly values `(week index, value)` (weeks aggregate the weekday pattern) with a
/// least-squares line to week `at`, with a 90 % prediction interval. Needs 3 weeks or more.
pub fn project(history: &[(f64, f64)], at: f64) -> Option<Projection> {
    let n = history.len();
    if n < 3 {
        return None;
    }
    let nf = n as f64;
    let mx = history.iter().map(|p| p.0).sum::<f64>() / nf;
    let my = history.iter().map(|p| p.1).sum::<f64>() / nf;
    let sxx: f64 = history.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let slope = history.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / sxx;
    let intercept = my - slope * mx;
    let sse: f64 = history
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let s = (sse / (nf - 2.0)).sqrt();
    let t = T90.get(n - 3).copied().unwrap_or(1.645);
    let half = t * s * (1.0 + 1.0 / nf + (at - mx).powi(2) / sxx).sqrt();
    let value = intercept + slope * at;
    Some(Projection {
        value,
        low: value - half,
        high: value + half,
        slope_per_week: slope,
        weeks: n,
    })
}

/// Whether a unit will reach its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Course {
    /// The whole interval reaches the target.
    OnTrack,
    /// The interval straddles the target.
    AtRisk,
    /// The whole interval misses it.
    OffTrack,
    /// Too little history to project.
    Unknown,
}

/// The course for a projection against a target (`higher_is_better` says which side meets).
pub fn course(p: Option<&Projection>, target: f64, higher_is_better: bool) -> Course {
    let Some(p) = p else { return Course::Unknown };
    let meets = |v: f64| {
        if higher_is_better {
            v >= target
        } else {
            v <= target
        }
    };
    let (worst, best) = if higher_is_better {
        (p.low, p.high)
    } else {
        (p.high, p.low)
    };
    if meets(worst) {
        Course::OnTrack
    } else if meets(best) {
        Course::AtRisk
    } else {
        Course::OffTrack
    }
}
