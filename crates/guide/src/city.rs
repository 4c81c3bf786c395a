//! City rule sets: each city's words for the streams, definitions, tips, and exceptions to the
//! dictionary's categories, all parsed from data files (nothing city-specific is in code).
//!
//! The dictionary is Shanghai's, so Shanghai's rule set is the dictionary plus its own
//! exceptions; every other city applies its own exceptions first, then the national ones
//! (where GB/T 19095-2019 reads differently from Shanghai), then the dictionary.
//! Not here: which item a query means (see [`crate::index`]).

use serde::Serialize;

use crate::category::Category;
use crate::csv::Table;
use crate::data::DataFiles;

/// The city whose rules the dictionary records.
pub const DICTIONARY_CITY: &str = "shanghai";
/// The rule set used when a query names no city.
pub const DEFAULT_CITY: &str = "national";

/// How an exception or tip names the items it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// The whole compact name.
    Name(String),
    /// The end of the name (its head noun).
    Suffix(String),
    /// Every part occurs somewhere in the name.
    Contains(Vec<String>),
}

impl Pattern {
    /// Parses a `match` kind (`name|suffix|contains`) and a pattern (`+` joins parts).
    pub fn parse(kind: &str, pattern: &str) -> Option<Pattern> {
        let p = pattern.trim();
        if p.is_empty() {
            return None;
        }
        match kind.trim() {
            "name" => Some(Pattern::Name(p.to_string())),
            "suffix" => Some(Pattern::Suffix(p.to_string())),
            "contains" => Some(Pattern::Contains(
                p.split('+').map(str::to_string).collect(),
            )),
            _ => None,
        }
    }

    /// True when the compact key matches.
    pub fn matches(&self, key: &str) -> bool {
        match self {
            Pattern::Name(n) => key == n,
            Pattern::Suffix(s) => key.ends_with(s.as_str()),
            Pattern::Contains(parts) => parts.iter().all(|p| key.contains(p.as_str())),
        }
    }
}

/// One exception of a city to the dictionary.
#[derive(Debug, Clone)]
pub struct Exception {
    /// Which names it covers.
    pub pattern: Pattern,
    /// Where they go in that city.
    pub category: Category,
    /// Why (Chinese).
    pub reason_zh: String,
    /// Why (English).
    pub reason_en: String,
    /// Where the rule comes from.
    pub source: String,
}

/// An exception that changed an answer, as shown to the user.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AppliedException {
    /// The city whose rule applied (the queried city or `national`).
    pub city: String,
    /// The dictionary's category before the exception.
    pub dictionary_category: Category,
    /// Why (Chinese).
    pub reason: String,
    /// Why (English).
    pub reason_en: String,
    /// Where the rule comes from.
    pub source: String,
}

/// A tip in both languages.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tip {
    /// Chinese text.
    pub zh: String,
    /// English text.
    pub en: String,
    /// Where it comes from.
    pub source: String,
}

/// One city's rule set.
#[derive(Debug, Clone)]
pub struct CityRules {
    /// Key (`shanghai`).
    pub key: String,
    /// Chinese name (上海).
    pub name: String,
    /// How sure the data is (`high`, `medium`).
    pub confidence: String,
    labels: [String; 7],
    definitions: [(String, String); 7],
    tips: [Vec<Tip>; 7],
    exceptions: Vec<Exception>,
}

impl CityRules {
    /// The city's word for a category (湿垃圾 in Shanghai).
    pub fn label(&self, c: Category) -> &str {
        &self.labels[c.index()]
    }

    /// The city's own exceptions.
    pub fn exceptions(&self) -> &[Exception] {
        &self.exceptions
    }
}

/// All rule sets.
#[derive(Debug, Clone)]
pub struct Cities {
    list: Vec<CityRules>,
}

/// Short forms residents and scripts use for the cities.
const CITY_ALIASES: &[(&str, &str)] = &[
    ("sh", "shanghai"),
    ("bj", "beijing"),
    ("sz", "shenzhen"),
    ("hz", "hangzhou"),
    ("gz", "guangzhou"),
    ("dl", "dalian"),
    ("cq", "chongqing"),
    ("cn", "national"),
    ("china", "national"),
    ("全国", "national"),
    ("国标", "national"),
];

impl Cities {
    /// Parses the city files.
    pub fn parse(files: &DataFiles<'_>) -> Cities {
        let mut list: Vec<CityRules> = Table::parse(files.city_categories)
            .rows()
            .map(|r| {
                let name = r.get("city_name");
                let name = name.split(" (").next().unwrap_or(name).to_string();
                let labels = Category::ALL.map(|c| {
                    let col = format!("{}_label", c.key());
                    let l = r.get(&col);
                    if l.is_empty() {
                        default_label(c).to_string()
                    } else {
                        l.to_string()
                    }
                });
                CityRules {
                    key: r.get("city").to_string(),
                    name,
                    confidence: r.get("confidence").to_string(),
                    labels,
                    definitions: Default::default(),
                    tips: Default::default(),
                    exceptions: Vec::new(),
                }
            })
            .collect();
        if list.is_empty() {
            // Every lookup falls back to a national rule set: keep one even without the file.
            list.push(CityRules {
                key: DEFAULT_CITY.to_string(),
                name: "全国".to_string(),
                confidence: String::new(),
                labels: Category::ALL.map(|c| default_label(c).to_string()),
                definitions: Default::default(),
                tips: Default::default(),
                exceptions: Vec::new(),
            });
        }
        let find = |list: &mut Vec<CityRules>, key: &str| list.iter().position(|c| c.key == key);
        for r in Table::parse(files.definitions).rows() {
            if let (Some(i), Some(c)) = (
                find(&mut list, r.get("city")),
                Category::parse(r.get("category")),
            ) {
                list[i].definitions[c.index()] = (
                    r.get("definition_zh").to_string(),
                    r.get("definition_en").to_string(),
                );
            }
        }
        for r in Table::parse(files.tips).rows() {
            if let (Some(i), Some(c)) = (
                find(&mut list, r.get("city")),
                Category::parse(r.get("category")),
            ) {
                list[i].tips[c.index()].push(Tip {
                    zh: r.get("text").to_string(),
                    en: r.get("text_en").to_string(),
                    source: r.get("source").to_string(),
                });
            }
        }
        for r in Table::parse(files.exceptions).rows() {
            let (Some(i), Some(c), Some(p)) = (
                find(&mut list, r.get("city")),
                Category::parse(r.get("category")),
                Pattern::parse(r.get("match"), r.get("pattern")),
            ) else {
                continue;
            };
            list[i].exceptions.push(Exception {
                pattern: p,
                category: c,
                reason_zh: r.get("reason_zh").to_string(),
                reason_en: r.get("reason_en").to_string(),
                source: r.get("source").to_string(),
            });
        }
        Cities { list }
    }

    /// All rule sets, national first.
    pub fn all(&self) -> &[CityRules] {
        &self.list
    }

    /// Finds a city by key (`shanghai`), Chinese name (上海, 上海市) or short form (`sh`).
    pub fn get(&self, name: &str) -> Option<&CityRules> {
        let n = name.trim().to_lowercase();
        let n = n.strip_suffix('市').unwrap_or(&n);
        let n = CITY_ALIASES
            .iter()
            .find(|(a, _)| *a == n)
            .map(|(_, k)| *k)
            .unwrap_or(n);
        self.list.iter().find(|c| c.key == n || c.name == n)
    }

    /// The national rule set (always present: it is the fallback for definitions and tips).
    pub fn national(&self) -> &CityRules {
        self.get(DEFAULT_CITY).unwrap_or(&self.list[0])
    }

    /// The category of an item (or of a query, for guesses) in `city`: the city's exceptions
    /// first, then the national ones (except in the dictionary's own city), then `base`.
    /// `keys` are the compact names the exceptions are matched against, most specific first.
    pub fn resolve(
        &self,
        city: &CityRules,
        base: Category,
        keys: &[&str],
    ) -> (Category, Option<AppliedException>) {
        let national = self.national();
        let mut layers: Vec<&CityRules> = vec![city];
        if city.key != DICTIONARY_CITY && city.key != national.key {
            layers.push(national);
        }
        for layer in layers {
            for key in keys {
                if let Some(e) = layer.exceptions.iter().find(|e| e.pattern.matches(key)) {
                    let applied = (e.category != base).then(|| AppliedException {
                        city: layer.key.clone(),
                        dictionary_category: base,
                        reason: e.reason_zh.clone(),
                        reason_en: e.reason_en.clone(),
                        source: e.source.clone(),
                    });
                    return (e.category, applied);
                }
            }
        }
        (base, None)
    }

    /// The definition of a category in a city (falling back to the national one).
    pub fn definition<'a>(&'a self, city: &'a CityRules, c: Category) -> &'a (String, String) {
        let d = &city.definitions[c.index()];
        if d.0.is_empty() {
            &self.national().definitions[c.index()]
        } else {
            d
        }
    }

    /// The tips for a category in a city (falling back to the national ones).
    pub fn tips<'a>(&'a self, city: &'a CityRules, c: Category) -> &'a [Tip] {
        let t = &city.tips[c.index()];
        if t.is_empty() {
            &self.national().tips[c.index()]
        } else {
            t
        }
    }
}

fn default_label(c: Category) -> &'static str {
    match c {
        Category::Recyclable => "可回收物",
        Category::Hazardous => "有害垃圾",
        Category::Kitchen => "厨余垃圾",
        Category::Other => "其他垃圾",
        Category::Bulky => "大件垃圾",
        Category::Renovation => "装修垃圾",
        Category::NotHousehold => "不属于生活垃圾",
    }
}
