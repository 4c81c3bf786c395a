//! The answer to one query, shaped so that the CLI prints it and the HTTP API returns it as is
//! (serde, stable field names, category keys as strings).
//!
//! Only data types live here; `Guide::lookup` fills them in.

use serde::Serialize;

use crate::category::Category;
use crate::city::AppliedException;

/// How the answer was found. Everything from `head_noun` on is a best guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The query is a dictionary name.
    Exact,
    /// The query is another name of an item.
    Alias,
    /// The query is an English name of an item.
    English,
    /// The query's toneless pinyin (typed, or of homophone characters) is an item's.
    Pinyin,
    /// The query is the pinyin initials of an item.
    Initials,
    /// One or two typos or missing characters away from an item.
    Fuzzy,
    /// The query names a category (干垃圾, 可回收物, "recyclables").
    Category,
    /// Guess: the query ends with a dictionary item (its head noun).
    HeadNoun,
    /// Guess: from how dictionary names with the same ending (or start) are sorted.
    Affix,
    /// Guess: the closest dictionary name, not close enough to be a match.
    Similar,
    /// Guess: nothing to go by; the rule for unclassifiable waste.
    Fallback,
}

impl MatchKind {
    /// True for the kinds that are best guesses.
    pub fn is_guess(self) -> bool {
        matches!(
            self,
            MatchKind::HeadNoun | MatchKind::Affix | MatchKind::Similar | MatchKind::Fallback
        )
    }
}

/// The matched dictionary item.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemView {
    /// Stable within one build of the data (row of `items.csv`).
    pub id: u32,
    /// Dictionary name.
    pub name: String,
    /// The name, alias, pinyin or English phrase that matched.
    pub matched: String,
    /// Category in the queried city.
    pub category: Category,
    /// Category in the dictionary (Shanghai), before city exceptions.
    pub dictionary_category: Category,
    /// Other Chinese names.
    pub aliases: Vec<String>,
    /// English names.
    pub english: Vec<String>,
    /// Upstream files that list it.
    pub sources: Vec<String>,
}

/// A short reference to another item (alternatives, similar items).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ItemRef {
    /// Item id.
    pub id: u32,
    /// Dictionary name.
    pub name: String,
    /// Category in the queried city.
    pub category: Category,
    /// The city's word for it.
    pub city_label: String,
    /// First English name, if any.
    pub english: Option<String>,
}

/// What a category card shows: colour, icon, the city's word and definition.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Card {
    /// Category key.
    pub category: Category,
    /// The city's word (湿垃圾).
    pub label: String,
    /// English name of the stream.
    pub label_en: String,
    /// Bin colour: blue, red, green, grey (brown, orange, none for streams without a bin).
    pub colour: String,
    /// Icon name for the dashboard's icon set.
    pub icon: String,
    /// Emoji for plain text.
    pub emoji: String,
    /// Definition in the city (Chinese).
    pub definition: String,
    /// Definition (English).
    pub definition_en: String,
}

/// The answer to one query in one city.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Answer {
    /// The query as given.
    pub query: String,
    /// The query after normalisation (what was searched).
    pub normalized: String,
    /// City key of the rule set used.
    pub city: String,
    /// City name (上海).
    pub city_name: String,
    /// Category key.
    pub category: Category,
    /// The city's word for the category.
    pub city_label: String,
    /// The matched item, or null for guesses without one and category queries.
    pub item: Option<ItemView>,
    /// True when this is a best guess rather than a dictionary match.
    pub guess: bool,
    /// How it was found.
    pub match_kind: MatchKind,
    /// Rough confidence in `[0, 1]`, for ordering and display, not a probability.
    pub confidence: f32,
    /// Why this category (Chinese).
    pub reason: String,
    /// Why this category (English).
    pub reason_en: String,
    /// Handling tips (Chinese), item-specific first.
    pub tips: Vec<String>,
    /// Handling tips (English), in the same order.
    pub tips_en: Vec<String>,
    /// The category card.
    pub card: Card,
    /// The city exception that changed the dictionary's category, if any.
    pub exception: Option<AppliedException>,
    /// Other readings of an ambiguous or generic query (纸: 报纸 vs 纸巾).
    pub alternatives: Vec<ItemRef>,
    /// A few similar items in the same category.
    pub similar: Vec<ItemRef>,
}
