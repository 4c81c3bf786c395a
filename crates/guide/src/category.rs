//! The seven category keys and what never changes between cities: bin colour and icon.
//!
//! City-specific words (湿垃圾 vs 厨余垃圾), definitions and tips are data and live in
//! [`crate::city`]; this module only knows the keys.

use serde::{Deserialize, Serialize};

/// Where an item goes. The four household streams of GB/T 19095-2019 plus the streams collected
/// apart (bulky, renovation) and things that are not household waste at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 可回收物: paper, plastic, metal, glass, textiles, electronics.
    Recyclable,
    /// 有害垃圾: batteries, lamps, medicine, paint, pesticides.
    Hazardous,
    /// 厨余垃圾 / 湿垃圾 / 易腐垃圾: food and other perishable biomass.
    Kitchen,
    /// 其他垃圾 / 干垃圾: everything else.
    Other,
    /// 大件垃圾: furniture and other large items, booked pickup.
    Bulky,
    /// 装修垃圾: renovation debris.
    Renovation,
    /// 不属于日常生活垃圾: not household waste (e.g. animal droppings).
    NotHousehold,
}

impl Category {
    /// All categories, the four household streams first.
    pub const ALL: [Category; 7] = [
        Category::Recyclable,
        Category::Hazardous,
        Category::Kitchen,
        Category::Other,
        Category::Bulky,
        Category::Renovation,
        Category::NotHousehold,
    ];

    /// The stable key used in data files and JSON.
    pub fn key(self) -> &'static str {
        match self {
            Category::Recyclable => "recyclable",
            Category::Hazardous => "hazardous",
            Category::Kitchen => "kitchen",
            Category::Other => "other",
            Category::Bulky => "bulky",
            Category::Renovation => "renovation",
            Category::NotHousehold => "not_household",
        }
    }

    /// Parses a key (as written by [`Category::key`]).
    pub fn parse(key: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.key() == key.trim())
    }

    /// Position in [`Category::ALL`], for dense per-category arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Bin colour of the stream (GB/T 19095-2019); streams without a street bin get a neutral
    /// colour so that a card can still be drawn.
    pub fn colour(self) -> &'static str {
        match self {
            Category::Recyclable => "blue",
            Category::Hazardous => "red",
            Category::Kitchen => "green",
            Category::Other => "grey",
            Category::Bulky => "brown",
            Category::Renovation => "orange",
            Category::NotHousehold => "none",
        }
    }

    /// An icon name (for a dashboard icon set) and an emoji (for terminals and plain text).
    pub fn icon(self) -> (&'static str, &'static str) {
        match self {
            Category::Recyclable => ("recycle", "♻️"),
            Category::Hazardous => ("biohazard", "☣️"),
            Category::Kitchen => ("leaf", "🥬"),
            Category::Other => ("trash", "🗑️"),
            Category::Bulky => ("sofa", "🛋️"),
            Category::Renovation => ("brick", "🧱"),
            Category::NotHousehold => ("ban", "🚫"),
        }
    }

    /// The English name of the stream.
    pub fn english(self) -> &'static str {
        match self {
            Category::Recyclable => "Recyclables",
            Category::Hazardous => "Hazardous waste",
            Category::Kitchen => "Kitchen (food) waste",
            Category::Other => "Residual (other) waste",
            Category::Bulky => "Bulky waste",
            Category::Renovation => "Renovation waste",
            Category::NotHousehold => "Not household waste",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}
