//! Rating rule sets as data: what a unit must show to earn a grade.
//!
//! A rule set is one TOML file (`data/rules/`): the level it rates, its items (a figure and
//! a requirement, or a scoring method and points) and how item results become a grade. Files
//! are validated on load; every error names the file, the line and the field. See `load` for
//! the format and `figure` for what an item can measure.

pub mod figure;
mod load;

pub use figure::Figure;
pub use load::{RuleError, load_dir_or_file, load_file, parse};

use fenlei_domain::Level;

/// A bound a figure must respect (both ends optional, at least one present).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Bound {
    /// The figure must be at least this.
    pub at_least: Option<f64>,
    /// The figure must be at most this.
    pub at_most: Option<f64>,
}

impl Bound {
    /// Whether `v` respects the bound.
    pub fn holds(&self, v: f64) -> bool {
        self.at_least.is_none_or(|t| v >= t) && self.at_most.is_none_or(|t| v <= t)
    }

    /// The requirement in words, e.g. `≥ 0.8`.
    pub fn describe(&self) -> String {
        match (self.at_least, self.at_most) {
            (Some(a), Some(b)) => format!("between {a} and {b}"),
            (Some(a), None) => format!("≥ {a}"),
            (None, Some(b)) => format!("≤ {b}"),
            (None, None) => "any".into(),
        }
    }
}

/// How an item turns its figure into a result.
#[derive(Clone, Debug, PartialEq)]
pub enum Scoring {
    /// Pass or fail against a bound (grading `all_pass`, and vetoes).
    Threshold(Bound),
    /// 全有全无: full points when the bound holds, none otherwise.
    AllOrNothing {
        /// The bound.
        bound: Bound,
        /// Points at stake.
        points: f64,
    },
    /// 扣分: full points less `deduct` per unit of the figure, never below zero.
    Deductions {
        /// Points at stake.
        points: f64,
        /// Points deducted per unit of the figure.
        deduct: f64,
    },
    /// 分档: the points of the first band whose floor the figure reaches.
    Bands {
        /// Points at stake (the best band).
        points: f64,
        /// `(at_least, points)`, best band first.
        bands: Vec<(f64, f64)>,
    },
    /// 说明: points awarded by a reviewer for a written explanation, supplied with the inputs.
    Explanation {
        /// Points at stake.
        points: f64,
    },
}

impl Scoring {
    /// Points at stake, for scored methods.
    pub fn points(&self) -> Option<f64> {
        match self {
            Scoring::Threshold(_) => None,
            Scoring::AllOrNothing { points, .. }
            | Scoring::Deductions { points, .. }
            | Scoring::Bands { points, .. }
            | Scoring::Explanation { points } => Some(*points),
        }
    }

    /// The method's key, as written in rule files.
    pub fn method(&self) -> &'static str {
        match self {
            Scoring::Threshold(_) => "threshold",
            Scoring::AllOrNothing { .. } => "all_or_nothing",
            Scoring::Deductions { .. } => "deductions",
            Scoring::Bands { .. } => "bands",
            Scoring::Explanation { .. } => "explanation",
        }
    }
}

/// One rating item.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Key, unique in its rule set.
    pub key: String,
    /// What it checks, in words.
    pub label: String,
    /// Scorecard area (五个方面), if any.
    pub area: Option<String>,
    /// What it measures (none for explanation items).
    pub figure: Option<Figure>,
    /// How it scores.
    pub scoring: Scoring,
    /// A failed veto item fails the unit whatever else it shows (一票否决).
    pub veto: bool,
}

/// How item results become a grade.
#[derive(Clone, Debug, PartialEq)]
pub enum Grading {
    /// Every item passes → `pass`; any fails → `fail`; otherwise (some without data) no grade.
    AllPass {
        /// Grade when every item passes.
        pass: String,
        /// Grade when an item fails.
        fail: String,
    },
    /// Sum of item points; the first band whose floor the total reaches. A failed veto gives
    /// the last band.
    Points {
        /// `(grade, at_least)`, best first; the last band's floor is 0.
        bands: Vec<(String, f64)>,
    },
    /// One figure graded by bands (e.g. a street by its share of compliant estates); threshold
    /// items, if any, are extra conditions that give the last band when they fail.
    Bands {
        /// The graded figure.
        figure: Figure,
        /// `(grade, at_least)`, best first.
        bands: Vec<(String, f64)>,
    },
}

/// Which units of its level a rule set rates: a city rates villages by other rules than
/// urban communities ([`fenlei_domain::CityModel::is_rural`] tells them apart).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Territory {
    /// Every unit of the level.
    #[default]
    All,
    /// Urban units only (streets, communities and estates).
    Urban,
    /// Rural units only (towns, villages and village groups).
    Rural,
}

impl Territory {
    /// The territory for a key.
    pub fn parse(s: &str) -> Option<Territory> {
        match s {
            "all" => Some(Territory::All),
            "urban" => Some(Territory::Urban),
            "rural" => Some(Territory::Rural),
            _ => None,
        }
    }

    /// Whether a unit (rural or not) lies in this territory.
    pub fn covers(self, rural: bool) -> bool {
        match self {
            Territory::All => true,
            Territory::Urban => !rural,
            Territory::Rural => rural,
        }
    }
}

/// A validated rule set.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSet {
    /// Stable key, e.g. `compliant_estate`.
    pub key: String,
    /// Version; a changed rule is a new version.
    pub version: u32,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// The level of the units it rates.
    pub level: Level,
    /// Which of those units it rates: urban, rural (towns and villages) or all.
    pub territory: Territory,
    /// Where the rule comes from.
    pub basis: String,
    /// How results become grades.
    pub grading: Grading,
    /// The items.
    pub items: Vec<Item>,
    /// SHA-256 of the file's bytes (hex): the exact rule an evaluation used.
    pub digest: String,
}

impl RuleSet {
    /// `key@version`.
    pub fn id(&self) -> String {
        format!("{}@{}", self.key, self.version)
    }

    /// Every figure the rule set reads.
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        let graded = match &self.grading {
            Grading::Bands { figure, .. } => Some(figure),
            _ => None,
        };
        graded
            .into_iter()
            .chain(self.items.iter().filter_map(|i| i.figure.as_ref()))
    }

    /// Grades ordered best first.
    pub fn grades(&self) -> Vec<&str> {
        match &self.grading {
            Grading::AllPass { pass, fail } => vec![pass, fail],
            Grading::Points { bands } | Grading::Bands { bands, .. } => {
                bands.iter().map(|(g, _)| g.as_str()).collect()
            }
        }
    }
}

/// Orders rule sets so that every rule set comes after those whose ratings it rolls up
/// (lower levels first), and checks that each referenced rule set and grade exists and rates
/// a level below the one that refers to it.
pub fn order(mut sets: Vec<RuleSet>) -> Result<Vec<RuleSet>, String> {
    sets.sort_by(|a, b| b.level.cmp(&a.level).then(a.key.cmp(&b.key)));
    for (i, s) in sets.iter().enumerate() {
        if let Some(j) = sets[..i].iter().position(|o| o.key == s.key) {
            return Err(format!(
                "rule set {} given twice ({} and {})",
                s.key,
                sets[j].id(),
                s.id()
            ));
        }
        for f in s.figures() {
            let Figure::Share { ruleset, grades } = f else {
                continue;
            };
            for ruleset in ruleset.split('+') {
                let Some(target) = sets.iter().find(|o| o.key == ruleset) else {
                    return Err(format!(
                        "rule set {} rolls up ratings of {ruleset}, which is not among the rule sets given",
                        s.id()
                    ));
                };
                if target.level <= s.level {
                    return Err(format!(
                        "rule set {} ({}) rolls up {} ({}), which is not a level below",
                        s.id(),
                        s.level,
                        target.id(),
                        target.level
                    ));
                }
                let known = target.grades();
                if let Some(g) = grades.iter().find(|g| !known.contains(&g.as_str())) {
                    return Err(format!(
                        "rule set {} counts grade {g:?} of {}, whose grades are {}",
                        s.id(),
                        target.id(),
                        known.join(", ")
                    ));
                }
            }
        }
    }
    Ok(sets)
}
