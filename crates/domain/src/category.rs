//! Waste categories and the cities' rule sets that name them.
//!
//! The national standard (GB/T 19095-2019) has four household categories; Shanghai calls two of
//! them 湿垃圾/干垃圾 and Hangzhou 易腐垃圾. The keys here never change; what a city calls them is
//! data (`data/cities/rulesets.csv`), chosen per deployment.

use std::fmt;

/// A waste category. The first four are the bin categories of sorted put-in.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Category {
    /// 可回收物: paper, plastics, glass, metal, textiles.
    Recyclable = 0,
    /// 有害垃圾: batteries, lamps, medicine, paint.
    Hazardous = 1,
    /// 厨余垃圾 / 湿垃圾 / 易腐垃圾: food and other perishable waste.
    Kitchen = 2,
    /// 其他垃圾 / 干垃圾: everything else.
    Other = 3,
    /// 大件垃圾: furniture and other bulky items, collected by appointment.
    Bulky = 4,
    /// 装修垃圾: renovation debris.
    Renovation = 5,
}

/// An unknown category name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown category {0:?} (expected recyclable, hazardous, kitchen, other, bulky or renovation)"
)]
pub struct UnknownCategory(pub String);

impl Category {
    /// Every category, in key order.
    pub const ALL: [Category; 6] = [
        Category::Recyclable,
        Category::Hazardous,
        Category::Kitchen,
        Category::Other,
        Category::Bulky,
        Category::Renovation,
    ];
    /// The four categories a collection point has bins for.
    pub const BINS: [Category; 4] = [
        Category::Recyclable,
        Category::Hazardous,
        Category::Kitchen,
        Category::Other,
    ];

    /// The stable key, as used in feeds and reports.
    pub fn key(self) -> &'static str {
        match self {
            Category::Recyclable => "recyclable",
            Category::Hazardous => "hazardous",
            Category::Kitchen => "kitchen",
            Category::Other => "other",
            Category::Bulky => "bulky",
            Category::Renovation => "renovation",
        }
    }

    /// The category for a key; also accepts the Chinese names every city uses.
    pub fn parse(s: &str) -> Result<Category, UnknownCategory> {
        Ok(match s {
            "recyclable" | "可回收物" => Category::Recyclable,
            "hazardous" | "有害垃圾" => Category::Hazardous,
            "kitchen" | "厨余垃圾" | "湿垃圾" | "易腐垃圾" | "餐厨垃圾" => {
                Category::Kitchen
            }
            "other" | "其他垃圾" | "干垃圾" => Category::Other,
            "bulky" | "大件垃圾" => Category::Bulky,
            "renovation" | "装修垃圾" => Category::Renovation,
            _ => return Err(UnknownCategory(s.to_owned())),
        })
    }

    /// The category with index `i` (its `repr`), if any.
    pub fn from_index(i: u8) -> Option<Category> {
        Category::ALL.get(i as usize).copied()
    }

    /// Index 0..6, usable for arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The bin colour of the national standard.
    pub fn colour(self) -> &'static str {
        match self {
            Category::Recyclable => "blue",
            Category::Hazardous => "red",
            Category::Kitchen => "green",
            Category::Other => "grey",
            Category::Bulky | Category::Renovation => "brown",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A set of categories, e.g. the bins a collection point has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct CategorySet(pub u8);

impl CategorySet {
    /// The four bin categories.
    pub const BINS: CategorySet = CategorySet(0b1111);

    /// The set holding only `c`.
    pub fn only(c: Category) -> CategorySet {
        CategorySet(1 << c as u8)
    }

    /// Whether `c` is in the set.
    pub fn contains(self, c: Category) -> bool {
        self.0 & (1 << c as u8) != 0
    }

    /// The set with `c` added.
    pub fn with(self, c: Category) -> CategorySet {
        CategorySet(self.0 | 1 << c as u8)
    }

    /// The categories in the set, in key order.
    pub fn iter(self) -> impl Iterator<Item = Category> {
        Category::ALL.into_iter().filter(move |&c| self.contains(c))
    }
}

/// Which kitchen-waste metric a city reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KitchenMetric {
    /// National 厨余垃圾分出率: kitchen collected / all collected.
    KitchenSeparation,
    /// Shanghai 湿垃圾占比: wet collected / (wet + dry) collected.
    WetShare,
}

/// A city's naming of the categories and its reporting choices.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RuleSet {
    /// Stable key, e.g. `shanghai`.
    pub city: String,
    /// City name in Chinese.
    pub name_zh: String,
    /// City name in English.
    pub name_en: String,
    /// Chinese label per category, indexed by [`Category::index`].
    pub labels_zh: [String; 6],
    /// English label per category.
    pub labels_en: [String; 6],
    /// The kitchen-waste metric this city reports.
    pub kitchen_metric: KitchenMetric,
    /// The regulation the naming comes from.
    pub basis: String,
}

/// A rule set that could not be found or read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleSetError {
    /// No rule set for this city.
    #[error("no rule set for city {0:?} (known: {1})")]
    UnknownCity(String, String),
    /// The embedded or given data is malformed.
    #[error("rule sets, line {line}: {message}")]
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

const RULESETS_CSV: &str = include_str!("../../../data/cities/rulesets.csv");

impl RuleSet {
    /// The Chinese label of `c` under this city's rules.
    pub fn label_zh(&self, c: Category) -> &str {
        &self.labels_zh[c.index()]
    }

    /// The English label of `c` under this city's rules.
    pub fn label_en(&self, c: Category) -> &str {
        &self.labels_en[c.index()]
    }

    /// The rule set of `city` from the shipped data.
    pub fn for_city(city: &str) -> Result<RuleSet, RuleSetError> {
        let all = RuleSet::all();
        let known = all
            .iter()
            .map(|r| r.city.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        all.iter()
            .find(|r| r.city == city)
            .cloned()
            .ok_or_else(|| RuleSetError::UnknownCity(city.to_owned(), known))
    }

    /// Every shipped rule set.
    pub fn all() -> Vec<RuleSet> {
        parse_rulesets(RULESETS_CSV).expect("shipped rule sets are well-formed")
    }
}

/// One row of `data/cities/rulesets.csv`.
#[derive(serde::Deserialize)]
struct RuleSetRow {
    city: String,
    name_zh: String,
    name_en: String,
    recyclable_zh: String,
    hazardous_zh: String,
    kitchen_zh: String,
    other_zh: String,
    recyclable_en: String,
    hazardous_en: String,
    kitchen_en: String,
    other_en: String,
    kitchen_metric: String,
    basis: String,
}

/// Parses rule sets from the CSV layout of `data/cities/rulesets.csv` (read with the `csv`
/// crate: quoted fields may hold commas).
pub fn parse_rulesets(text: &str) -> Result<Vec<RuleSet>, RuleSetError> {
    let rows = crate::constants::read_rows::<RuleSetRow>("rulesets.csv", text).map_err(|e| {
        RuleSetError::Malformed {
            line: e.line as usize,
            message: e.message,
        }
    })?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, f) in rows.into_iter().enumerate() {
        let kitchen_metric = match f.kitchen_metric.as_str() {
            "kitchen_separation" => KitchenMetric::KitchenSeparation,
            "wet_share" => KitchenMetric::WetShare,
            other => {
                return Err(RuleSetError::Malformed {
                    line: i + 2,
                    message: format!("unknown kitchen metric {other:?}"),
                });
            }
        };
        out.push(RuleSet {
            city: f.city,
            name_zh: f.name_zh,
            name_en: f.name_en,
            labels_zh: [
                f.recyclable_zh,
                f.hazardous_zh,
                f.kitchen_zh,
                f.other_zh,
                "大件垃圾".to_owned(),
                "装修垃圾".to_owned(),
            ],
            labels_en: [
                f.recyclable_en,
                f.hazardous_en,
                f.kitchen_en,
                f.other_en,
                "Bulky waste".to_owned(),
                "Renovation waste".to_owned(),
            ],
            kitchen_metric,
            basis: f.basis,
        });
    }
    Ok(out)
}
