//! Reading rule files. The format (one rule set per file):
//!
//! ```toml
//! key = "compliant_estate"        # stable key
//! version = 1                     # a changed rule is a new version
//! name_zh = "达标小区"
//! name_en = "Compliant estate"
//! level = "estate"                # city, district, street, community, estate
//! territory = "all"               # or "urban", "rural" (towns, villages, village groups)
//! basis = "where the rule comes from"
//!
//! [grading]
//! kind = "all_pass"               # all_pass (pass/fail), points (bands on the total), bands (on `figure`)
//! pass = "compliant"
//! fail = "not_compliant"
//!
//! [[item]]
//! key = "participation"
//! label = "参与率 ≥ 80 %"
//! figure = "metric:participation_rate"
//! at_least = 0.80                 # and/or at_most
//! # method = "threshold" (default) | all_or_nothing | deductions | bands | explanation
//! # points = 10, deduct = 1, bands = [{ at_least = 0.35, points = 10 }, …], veto = true, area = "…"
//! ```
//!
//! Unknown fields are errors; every error names the file, the line and the field.

use super::{Bound, Figure, Grading, Item, RuleSet, Scoring, Territory};
use crate::digest::hex_digest;
use fenlei_domain::Level;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A rule file that does not load.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}, line {line}, field `{field}`: {message}")]
pub struct RuleError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The field at fault.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleSet {
    key: Spanned<String>,
    version: u32,
    name_zh: String,
    name_en: String,
    level: Spanned<String>,
    territory: Option<Spanned<String>>,
    basis: String,
    grading: Spanned<RawGrading>,
    #[serde(default, rename = "item")]
    items: Vec<Spanned<RawItem>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrading {
    kind: Spanned<String>,
    pass: Option<String>,
    fail: Option<String>,
    figure: Option<Spanned<String>>,
    #[serde(default)]
    bands: Vec<RawGradeBand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGradeBand {
    grade: String,
    at_least: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    key: Spanned<String>,
    label: String,
    area: Option<String>,
    figure: Option<Spanned<String>>,
    method: Option<Spanned<String>>,
    at_least: Option<f64>,
    at_most: Option<f64>,
    #[serde(default)]
    veto: bool,
    points: Option<Spanned<f64>>,
    deduct: Option<f64>,
    #[serde(default)]
    bands: Vec<RawScoreBand>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoreBand {
    at_least: f64,
    points: f64,
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
            + 1
    }

    fn err(
        &self,
        span: std::ops::Range<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> RuleError {
        RuleError {
            file: self.file.to_owned(),
            line: self.line(span.start),
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Parses one rule file's text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<RuleSet, RuleError> {
    let cx = Ctx { file, text };
    let raw: RawRuleSet = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().to_owned();
        // serde names the field in backquotes ("missing field `at_least`").
        let field = message
            .split('`')
            .nth(1)
            .map_or_else(|| field_at(text, span.start), str::to_owned);
        cx.err(span, &field, message)
    })?;
    let level = Level::parse(raw.level.get_ref())
        .filter(|l| *l != Level::Point)
        .ok_or_else(|| {
            cx.err(
                raw.level.span(),
                "level",
                format!(
                    "unknown level {:?}; expected city, district, street, community or estate",
                    raw.level.get_ref()
                ),
            )
        })?;
    let territory = match &raw.territory {
        None => Territory::All,
        Some(t) => Territory::parse(t.get_ref()).ok_or_else(|| {
            cx.err(
                t.span(),
                "territory",
                format!(
                    "unknown territory {:?}; expected all, urban or rural",
                    t.get_ref()
                ),
            )
        })?,
    };
    if raw.key.get_ref().is_empty() || raw.key.get_ref().contains([':', '|', ' ']) {
        return Err(cx.err(
            raw.key.span(),
            "key",
            "a key is a non-empty word without ':', '|' or spaces",
        ));
    }
    let figure = |f: &Spanned<String>, field: &str| {
        Figure::parse(f.get_ref()).map_err(|m| cx.err(f.span(), field, m))
    };
    let grading_span = raw.grading.span();
    let g = raw.grading.into_inner();
    let grade_bands = |bands: &[RawGradeBand]| -> Result<Vec<(String, f64)>, RuleError> {
        if bands.is_empty() {
            return Err(cx.err(grading_span.clone(), "grading.bands", "no bands given"));
        }
        if bands.windows(2).any(|w| w[0].at_least <= w[1].at_least) {
            return Err(cx.err(
                grading_span.clone(),
                "grading.bands",
                "bands must be listed best first, with strictly falling at_least",
            ));
        }
        Ok(bands
            .iter()
            .map(|b| (b.grade.clone(), b.at_least))
            .collect())
    };
    let grading = match g.kind.get_ref().as_str() {
        "all_pass" => match (g.pass, g.fail) {
            (Some(pass), Some(fail)) if pass != fail => Grading::AllPass { pass, fail },
            _ => {
                return Err(cx.err(
                    g.kind.span(),
                    "grading.pass",
                    "all_pass grading needs distinct `pass` and `fail` grades",
                ));
            }
        },
        "points" => {
            let bands = grade_bands(&g.bands)?;
            if bands.last().is_some_and(|b| b.1 != 0.0) {
                return Err(cx.err(
                    grading_span,
                    "grading.bands",
                    "the last band of a points grading starts at 0",
                ));
            }
            Grading::Points { bands }
        }
        "bands" => {
            let f = g.figure.as_ref().ok_or_else(|| {
                cx.err(
                    g.kind.span(),
                    "grading.figure",
                    "bands grading needs a `figure`",
                )
            })?;
            Grading::Bands {
                figure: figure(f, "grading.figure")?,
                bands: grade_bands(&g.bands)?,
            }
        }
        other => {
            return Err(cx.err(
                g.kind.span(),
                "grading.kind",
                format!("unknown grading {other:?}; expected all_pass, points or bands"),
            ));
        }
    };
    let mut items: Vec<Item> = Vec::new();
    for spanned in raw.items {
        let span = spanned.span();
        let it = spanned.into_inner();
        let key = it.key.get_ref().clone();
        if items.iter().any(|i| i.key == key) {
            return Err(cx.err(
                it.key.span(),
                "item.key",
                format!("item {key:?} given twice"),
            ));
        }
        let field = |name: &str| format!("item.{key}.{name}");
        let bound = Bound {
            at_least: it.at_least,
            at_most: it.at_most,
        };
        let need_bound = || {
            if bound.at_least.is_none() && bound.at_most.is_none() {
                Err(cx.err(
                    span.clone(),
                    &field("at_least"),
                    "needs at_least or at_most",
                ))
            } else {
                Ok(bound)
            }
        };
        let points = || {
            it.points
                .as_ref()
                .map(|p| *p.get_ref())
                .filter(|p| *p > 0.0)
                .ok_or_else(|| {
                    cx.err(
                        span.clone(),
                        &field("points"),
                        "a scored item needs points > 0",
                    )
                })
        };
        let method = it
            .method
            .as_ref()
            .map_or("threshold", |m| m.get_ref().as_str());
        let scoring = match method {
            "threshold" => Scoring::Threshold(need_bound()?),
            "all_or_nothing" => Scoring::AllOrNothing {
                bound: need_bound()?,
                points: points()?,
            },
            "deductions" => Scoring::Deductions {
                points: points()?,
                deduct: it.deduct.filter(|d| *d > 0.0).ok_or_else(|| {
                    cx.err(span.clone(), &field("deduct"), "deductions need deduct > 0")
                })?,
            },
            "bands" => {
                let points = points()?;
                if it.bands.is_empty()
                    || it.bands.windows(2).any(|w| w[0].at_least <= w[1].at_least)
                    || it.bands.iter().any(|b| b.points > points || b.points < 0.0)
                {
                    return Err(cx.err(
                        span,
                        &field("bands"),
                        "bands: best first, strictly falling at_least, points between 0 and the item's points",
                    ));
                }
                Scoring::Bands {
                    points,
                    bands: it.bands.iter().map(|b| (b.at_least, b.points)).collect(),
                }
            }
            "explanation" => Scoring::Explanation { points: points()? },
            other => {
                let s = it.method.as_ref().map_or(span.clone(), |m| m.span());
                return Err(cx.err(
                    s,
                    &field("method"),
                    format!(
                        "unknown method {other:?}; expected threshold, all_or_nothing, deductions, bands or explanation"
                    ),
                ));
            }
        };
        let fig = match (&it.figure, &scoring) {
            (None, Scoring::Explanation { .. }) => None,
            (Some(f), Scoring::Explanation { .. }) => {
                return Err(cx.err(
                    f.span(),
                    &field("figure"),
                    "an explanation item has no figure",
                ));
            }
            (Some(f), _) => Some(figure(f, &field("figure"))?),
            (None, _) => {
                return Err(cx.err(span, &field("figure"), "missing figure"));
            }
        };
        let scored = scoring.points().is_some();
        let fits = match &grading {
            Grading::Points { .. } => scored || it.veto,
            Grading::AllPass { .. } | Grading::Bands { .. } => !scored,
        };
        if !fits {
            let s = it.method.as_ref().map_or(span.clone(), |m| m.span());
            return Err(cx.err(
                s,
                &field("method"),
                format!(
                    "method {method} does not fit grading {}: points gradings take scored items (and threshold vetoes), the others threshold items",
                    g.kind.get_ref()
                ),
            ));
        }
        items.push(Item {
            key,
            label: it.label,
            area: it.area,
            figure: fig,
            scoring,
            veto: it.veto,
        });
    }
    if items.is_empty() && !matches!(grading, Grading::Bands { .. }) {
        return Err(cx.err(0..0, "item", "a rule set needs at least one [[item]]"));
    }
    Ok(RuleSet {
        key: raw.key.into_inner(),
        version: raw.version,
        name_zh: raw.name_zh,
        name_en: raw.name_en,
        level,
        territory,
        basis: raw.basis,
        grading,
        items,
        digest: hex_digest(text.as_bytes()),
    })
}

/// The key on the line holding `offset`, for errors serde reports without a field name.
fn field_at(text: &str, offset: usize) -> String {
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = text[start..].lines().next().unwrap_or("");
    line.split('=').next().unwrap_or("").trim().to_owned()
}

/// Loads one rule file.
pub fn load_file(path: &Path) -> Result<RuleSet, RuleError> {
    let text = std::fs::read_to_string(path).map_err(|e| RuleError {
        file: path.display().to_string(),
        line: 0,
        field: String::new(),
        message: e.to_string(),
    })?;
    parse(&path.display().to_string(), &text)
}

/// Loads a rule file, or every `*.toml` file of a directory (sorted by name).
pub fn load_dir_or_file(path: &Path) -> Result<Vec<RuleSet>, RuleError> {
    if !path.is_dir() {
        return Ok(vec![load_file(path)?]);
    }
    let io = |e: std::io::Error| RuleError {
        file: path.display().to_string(),
        line: 0,
        field: String::new(),
        message: e.to_string(),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io)?;
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    files.iter().map(|p| load_file(p)).collect()
}
