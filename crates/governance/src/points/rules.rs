//! Per-city points rules, as TOML (`data/points/<city>.toml`):
//!
//! ```toml
//! city = "shanghai"
//! version = 1
//! basis = "where the numbers come from"
//! sources = ["smart_bin", "supervisor"]   # whose verdicts earn or cost points
//! daily_cap = 10                           # most points earned per household and day
//! wrong = 1                                # points lost per put-in judged incorrect
//! [correct]                                # points per put-in judged correct, by bin
//! recyclable = 2
//! hazardous = 2
//! kitchen = 1
//! other = 1
//! ```

use crate::rules::RuleError;
use fenlei_domain::{Category, Source};
use serde::Deserialize;

/// Points rules of one city.
#[derive(Clone, Debug, PartialEq)]
pub struct PointsRules {
    /// City key.
    pub city: String,
    /// Version: part of every earning posting's key.
    pub version: u32,
    /// Where the numbers come from.
    pub basis: String,
    /// Sources whose verdicts count.
    pub sources: Vec<Source>,
    /// Most points earned per household and day.
    pub daily_cap: i64,
    /// Points lost per incorrect put-in.
    pub wrong: i64,
    /// Points per correct put-in, indexed by [`Category::index`] (bins only).
    pub correct: [i64; 4],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    city: String,
    version: u32,
    basis: String,
    sources: toml::Spanned<Vec<String>>,
    daily_cap: u32,
    wrong: u32,
    correct: RawCorrect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorrect {
    recyclable: u32,
    hazardous: u32,
    kitchen: u32,
    other: u32,
}

impl PointsRules {
    /// Parses a rules file's text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<PointsRules, RuleError> {
        let line = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            RuleError {
                file: file.into(),
                line: line(span.start),
                field: e.message().split('`').nth(1).unwrap_or("").into(),
                message: e.message().into(),
            }
        })?;
        let sources = raw
            .sources
            .get_ref()
            .iter()
            .map(|s| {
                Source::parse(s).ok_or_else(|| RuleError {
                    file: file.into(),
                    line: line(raw.sources.span().start),
                    field: "sources".into(),
                    message: format!(
                        "unknown source {s:?}; expected smart_bin, supervisor, camera or manual"
                    ),
                })
            })
            .collect::<Result<_, _>>()?;
        let c = raw.correct;
        let mut correct = [0; 4];
        for (cat, v) in [
            (Category::Recyclable, c.recyclable),
            (Category::Hazardous, c.hazardous),
            (Category::Kitchen, c.kitchen),
            (Category::Other, c.other),
        ] {
            correct[cat.index()] = v as i64;
        }
        Ok(PointsRules {
            city: raw.city,
            version: raw.version,
            basis: raw.basis,
            sources,
            daily_cap: raw.daily_cap as i64,
            wrong: raw.wrong as i64,
            correct,
        })
    }

    /// `city@version`.
    pub fn id(&self) -> String {
        format!("{}@{}", self.city, self.version)
    }
}
