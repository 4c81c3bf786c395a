//! Targets per city and metric, from `data/cities/targets.csv`, each with who set it and its
//! source (a `national` row applies where a city has none of its own).

use fenlei_domain::Authority;
use fenlei_domain::constants::{DataError, read_rows};
use std::collections::HashMap;

/// One target row.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct Target {
    /// City key, or `national` (a row every city falls back on, whoever set it).
    pub city: String,
    /// Metric key.
    pub metric: String,
    /// Target value, in the metric's unit.
    pub target: f64,
    /// Who set it: national, city, local or fenlei_default (not official).
    pub status: Authority,
    /// The body that set it.
    pub set_by: String,
    /// Where it comes from.
    pub source: String,
}

/// Targets by city and metric.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Targets {
    rows: HashMap<(String, String), Target>,
}

const SHIPPED: &str = include_str!("../../../data/cities/targets.csv");

impl Targets {
    /// The targets fenlei ships.
    pub fn shipped() -> Targets {
        Targets::parse(SHIPPED).expect("shipped targets are well-formed")
    }

    /// Parses `city,metric,target,status,set_by,source` rows (quoted fields may hold commas).
    pub fn parse(text: &str) -> Result<Targets, DataError> {
        let mut rows = HashMap::new();
        for (i, t) in read_rows::<Target>("targets.csv", text)?
            .into_iter()
            .enumerate()
        {
            if crate::metric(&t.metric).is_none() {
                return Err(DataError {
                    file: "targets.csv".into(),
                    line: i as u64 + 2,
                    message: format!("unknown metric {:?}", t.metric),
                });
            }
            rows.insert((t.city.clone(), t.metric.clone()), t);
        }
        Ok(Targets { rows })
    }

    /// The target for `metric` in `city` (falling back to the national row).
    pub fn get(&self, city: &str, metric: &str) -> Option<&Target> {
        self.rows
            .get(&(city.to_owned(), metric.to_owned()))
            .or_else(|| self.rows.get(&("national".to_owned(), metric.to_owned())))
    }
}
