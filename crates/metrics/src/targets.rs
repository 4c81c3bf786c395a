//! Targets per city and metric, from `data/cities/targets.csv` (a `national` row applies where
//! a city has none of its own).

use std::collections::HashMap;

/// One target row.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// City key, or `national`.
    pub city: String,
    /// Metric key.
    pub metric: String,
    /// Target value.
    pub value: f64,
    /// Where it comes from.
    pub basis: String,
}

/// Targets by city and metric.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Targets {
    rows: HashMap<(String, String), Target>,
}

/// A malformed targets file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("targets, line {line}: {message}")]
pub struct TargetsError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

const SHIPPED: &str = include_str!("../../../data/cities/targets.csv");

impl Targets {
    /// The targets fenlei ships.
    pub fn shipped() -> Targets {
        Targets::parse(SHIPPED).expect("shipped targets are well-formed")
    }

    /// Parses `city,metric,target,basis` lines (header first; the basis may hold commas).
    pub fn parse(text: &str) -> Result<Targets, TargetsError> {
        let mut rows = HashMap::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let mut f = line.splitn(4, ',');
            let (Some(city), Some(metric), Some(value)) = (f.next(), f.next(), f.next()) else {
                return Err(TargetsError {
                    line: i + 1,
                    message: "expected city,metric,target,basis".into(),
                });
            };
            if crate::metric(metric).is_none() {
                return Err(TargetsError {
                    line: i + 1,
                    message: format!("unknown metric {metric:?}"),
                });
            }
            let value = value.parse::<f64>().map_err(|_| TargetsError {
                line: i + 1,
                message: format!("{value:?} is not a number"),
            })?;
            let t = Target {
                city: city.into(),
                metric: metric.into(),
                value,
                basis: f.next().unwrap_or("").into(),
            };
            rows.insert((t.city.clone(), t.metric.clone()), t);
        }
        Ok(Targets { rows })
    }

    /// The target for `metric` in `city` (falling back to the national one).
    pub fn get(&self, city: &str, metric: &str) -> Option<f64> {
        self.rows
            .get(&(city.to_owned(), metric.to_owned()))
            .or_else(|| self.rows.get(&("national".to_owned(), metric.to_owned())))
            .map(|t| t.value)
    }
}
