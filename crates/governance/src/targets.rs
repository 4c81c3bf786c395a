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
    /// The value the course reaches at the deadline.
    pub value: f64,
    /// Lower end of the 90 % prediction interval.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Change per week (the trend, without the season).
    pub slope_per_week: f64,
    /// Weeks of history used.
    pub weeks: usize,
    /// Whether a yearly seasonal pattern was fitted (a year and two months of history or
    /// more); `season` is then the pattern's part of `value`.
    pub seasonal: bool,
    /// The seasonal pattern's offset at the deadline's week of the year (0 without one).
    pub season: f64,
}

/// Two-sided 90 % quantiles of Student's t for 1..=30 degrees of freedom (then 1.645).
const T90: [f64; 30] = [
    6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812, 1.796, 1.782, 1.771,
    1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706,
    1.703, 1.701, 1.699, 1.697,
];

/// Weeks in a year: the seasonal cycle.
pub const YEAR_WEEKS: f64 = 365.2425 / 7.0;

/// History needed before a seasonal pattern is fitted: a year, and eight weeks to see the
/// same season twice.
pub const SEASONAL_SPAN_WEEKS: f64 = YEAR_WEEKS + 8.0;

/// A least-squares line through `(x, y)` points.
struct Line {
    intercept: f64,
    slope: f64,
    mean_x: f64,
    sxx: f64,
    /// Residual standard deviation.
    sd: f64,
}

impl Line {
    fn fit(points: &[(f64, f64)]) -> Option<Line> {
        let n = points.len() as f64;
        if points.len() < 3 {
            return None;
        }
        let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
        if sxx == 0.0 {
            return None;
        }
        let slope = points
            .iter()
            .map(|p| (p.0 - mean_x) * (p.1 - mean_y))
            .sum::<f64>()
            / sxx;
        let intercept = mean_y - slope * mean_x;
        let sse: f64 = points
            .iter()
            .map(|p| (p.1 - intercept - slope * p.0).powi(2))
            .sum();
        Some(Line {
            intercept,
            slope,
            mean_x,
            sxx,
            sd: (sse / (n - 2.0)).sqrt(),
        })
    }

    fn at(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }

    /// Half-width of the 90 % prediction interval at `x` from `n` points, with `extra` added
    /// to the variance factor (the uncertainty of a seasonal offset).
    fn half_width(&self, n: usize, x: f64, extra: f64) -> f64 {
        let t = T90.get(n - 3).copied().unwrap_or(1.645);
        t * self.sd * (1.0 + 1.0 / n as f64 + (x - self.mean_x).powi(2) / self.sxx + extra).sqrt()
    }
}

/// Projects weekly values `(week index, value)` (whole weeks absorb the weekday pattern) to
/// week `at`, with a 90 % prediction interval. Needs 3 weeks or more. With history spanning
/// [`SEASONAL_SPAN_WEEKS`] or more, the course is a trend plus a yearly seasonal pattern
/// ([`project_seasonal`]); otherwise a straight line ([`project_trend`]).
pub fn project(history: &[(f64, f64)], at: f64) -> Option<Projection> {
    let span = match (history.first(), history.last()) {
        (Some(a), Some(b)) => b.0 - a.0,
        _ => return None,
    };
    if span >= SEASONAL_SPAN_WEEKS
        && let Some(p) = project_seasonal(history, at)
    {
        return Some(p);
    }
    project_trend(history, at)
}

/// A least-squares line through the weekly values, projected to week `at`.
pub fn project_trend(history: &[(f64, f64)], at: f64) -> Option<Projection> {
    let line = Line::fit(history)?;
    let value = line.at(at);
    let half = line.half_width(history.len(), at, 0.0);
    Some(Projection {
        value,
        low: value - half,
        high: value + half,
        slope_per_week: line.slope,
        weeks: history.len(),
        seasonal: false,
        season: 0.0,
    })
}

/// Trend plus a yearly pattern (classical additive decomposition): a line is fitted, each
/// week of the year's offset is the mean residual of that week and its two neighbours over
/// every year of history (centred to sum to zero), the line is refitted to the values less
/// their offsets, and the projection is the refitted line plus the offset of `at`'s week of
/// the year. The interval widens with the offset's own uncertainty (one over the number of
/// weeks it rests on). `None` when no history falls near `at`'s week of the year.
pub fn project_seasonal(history: &[(f64, f64)], at: f64) -> Option<Projection> {
    const BUCKETS: usize = 52;
    // Backfitting rounds: a line over a whole number of years is nearly free of the season,
    // over a year and a half it is not, so the line and the offsets are refined in turn.
    const ROUNDS: usize = 8;
    let bucket = |x: f64| (x.rem_euclid(YEAR_WEEKS).floor() as usize).min(BUCKETS - 1);
    let mut line = Line::fit(history)?;
    let mut offsets: Vec<Option<(f64, u32)>> = vec![None; BUCKETS];
    for _ in 0..ROUNDS {
        let mut sum = [0.0f64; BUCKETS];
        let mut count = [0u32; BUCKETS];
        for &(x, y) in history {
            sum[bucket(x)] += y - line.at(x);
            count[bucket(x)] += 1;
        }
        offsets = (0..BUCKETS)
            .map(|k| {
                let (mut s, mut c) = (0.0, 0);
                for j in [k + BUCKETS - 1, k, k + 1] {
                    s += sum[j % BUCKETS];
                    c += count[j % BUCKETS];
                }
                (c > 0).then(|| (s / c as f64, c))
            })
            .collect();
        let known: Vec<f64> = offsets.iter().flatten().map(|o| o.0).collect();
        let centre = known.iter().sum::<f64>() / known.len().max(1) as f64;
        for o in offsets.iter_mut().flatten() {
            o.0 -= centre;
        }
        let adjusted: Vec<(f64, f64)> = history
            .iter()
            .map(|&(x, y)| (x, y - offsets[bucket(x)].map_or(0.0, |o| o.0)))
            .collect();
        line = Line::fit(&adjusted)?;
    }
    let (season, weeks_behind) = offsets[bucket(at)]?;
    let value = line.at(at) + season;
    let half = line.half_width(history.len(), at, 1.0 / weeks_behind as f64);
    Some(Projection {
        value,
        low: value - half,
        high: value + half,
        slope_per_week: line.slope,
        weeks: history.len(),
        seasonal: true,
        season,
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
