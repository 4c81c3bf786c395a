//! Whether the sample behind a share supports its comparison with the target.
//!
//! Two rules, each named in the output:
//! - `wilson`: for shares measured on a sample (put-ins judged, containers inspected, residents
//!   surveyed), the Wilson score interval at the city's `sample_z`; the sample supports the
//!   comparison when the target lies outside the interval (the figure is surely above or surely
//!   below it).
//! - `identification`: participation counts identified households only, so it supports a
//!   comparison only where at least the city's `min_identification_rate` of put-ins identify a
//!   household; below that it is a lower bound.

use fenlei_domain::{CityConstants, Quantities};

/// How a sample is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleMethod {
    /// Wilson score interval of a share.
    Wilson,
    /// A minimum identification rate of put-ins.
    Identification,
}

/// The judgement of one figure's sample.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Sample {
    /// The rule applied.
    pub method: SampleMethod,
    /// Sample size: items judged (`wilson`) or put-ins (`identification`).
    pub n: u64,
    /// Lower end of the interval (`wilson`), or the identification rate (`identification`).
    pub low: Option<f64>,
    /// Upper end of the interval (`wilson`).
    pub high: Option<f64>,
    /// The minimum the rule asks for (`identification`: the identification rate).
    pub minimum: Option<f64>,
    /// Whether the sample supports comparing the figure with its target.
    pub sufficient: bool,
}

/// The Wilson score interval of `successes` out of `n` at normal quantile `z`.
pub fn wilson(successes: f64, n: f64, z: f64) -> Option<(f64, f64)> {
    if n <= 0.0 {
        return None;
    }
    let p = successes / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Some((centre - half, centre + half))
}

impl Sample {
    /// Judges the sample behind `numerator / denominator` under `method`.
    pub fn judge(
        method: SampleMethod,
        q: &Quantities,
        numerator: f64,
        denominator: f64,
        target: Option<f64>,
        k: &CityConstants,
    ) -> Sample {
        match method {
            SampleMethod::Wilson => {
                let interval = wilson(numerator, denominator, k.sample_z());
                let sufficient = match (interval, target) {
                    (None, _) => false,
                    (Some(_), None) => true,
                    (Some((low, high)), Some(t)) => t < low || t > high,
                };
                Sample {
                    method,
                    n: denominator as u64,
                    low: interval.map(|i| i.0),
                    high: interval.map(|i| i.1),
                    minimum: None,
                    sufficient,
                }
            }
            SampleMethod::Identification => {
                let putins = q.total().putins;
                let rate = (putins > 0).then(|| q.identified_putins as f64 / putins as f64);
                let minimum = k.min_identification_rate();
                Sample {
                    method,
                    n: putins,
                    low: rate,
                    high: None,
                    minimum: Some(minimum),
                    sufficient: rate.is_some_and(|r| r >= minimum),
                }
            }
        }
    }
}
