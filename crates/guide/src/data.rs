//! The embedded data files and the item records parsed from them.
//!
//! Every file under `data/guide/` that the guide needs at run time is compiled into the binary
//! here, so `fenlei guide` works with no files around it. This module parses; it does not
//! index (see [`crate::index`]) and does not apply city rules (see [`crate::city`]).

use std::collections::HashMap;

use serde::Serialize;

use crate::category::Category;
use crate::csv::Table;

/// The texts of the data files ([`EMBEDDED`]: compiled into the binary; others in tests).
#[derive(Debug, Clone, Copy)]
pub struct DataFiles<'a> {
    /// `items.csv`: the merged dictionary.
    pub items: &'a str,
    /// `english.csv`: our English names.
    pub english: &'a str,
    /// `city_categories.csv`: each city's stream names.
    pub city_categories: &'a str,
    /// `category_definitions.csv`.
    pub definitions: &'a str,
    /// `category_tips.csv`.
    pub tips: &'a str,
    /// `city_exceptions.csv`.
    pub exceptions: &'a str,
    /// `item_tips.csv`.
    pub item_tips: &'a str,
    /// `head_nouns.csv`: wording of best-guess reasons.
    pub head_nouns: &'a str,
    /// `trad_pairs.txt`: traditional → simplified characters.
    pub trad_pairs: &'a str,
}

macro_rules! data_file {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../data/guide/",
            $name
        ))
    };
}

/// The files shipped in `data/guide/`.
pub const EMBEDDED: DataFiles<'static> = DataFiles {
    items: data_file!("items.csv"),
    english: data_file!("english.csv"),
    city_categories: data_file!("city_categories.csv"),
    definitions: data_file!("category_definitions.csv"),
    tips: data_file!("category_tips.csv"),
    exceptions: data_file!("city_exceptions.csv"),
    item_tips: data_file!("item_tips.csv"),
    head_nouns: data_file!("head_nouns.csv"),
    trad_pairs: data_file!("trad_pairs.txt"),
};

/// One dictionary entry.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Dense id, the row number in `items.csv`.
    pub id: u32,
    /// The name as the source spells it.
    pub name: String,
    /// The dictionary's category (Shanghai's rule set; cities may differ, see
    /// [`crate::city::Cities::resolve`]).
    pub category: Category,
    /// Other Chinese names.
    pub aliases: Vec<String>,
    /// English names (ours), most usual first.
    pub english: Vec<String>,
    /// Which upstream files list it.
    pub sources: Vec<String>,
}

/// Parses `items.csv` and joins `english.csv` by name or alias.
pub fn parse_items(files: &DataFiles<'_>) -> Vec<Item> {
    let mut items: Vec<Item> = Table::parse(files.items)
        .rows()
        .filter_map(|r| {
            Some(Item {
                id: 0,
                name: r.get("name").to_string(),
                category: Category::parse(r.get("category"))?,
                aliases: split_list(r.get("aliases")),
                english: Vec::new(),
                sources: split_list(r.get("sources")),
            })
        })
        .collect();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        by_name.insert(item.name.as_str(), i);
    }
    for (i, item) in items.iter().enumerate() {
        for a in &item.aliases {
            by_name.entry(a.as_str()).or_insert(i);
        }
    }
    let english: Vec<(usize, Vec<String>)> = Table::parse(files.english)
        .rows()
        .filter_map(|r| Some((*by_name.get(r.get("name"))?, split_list(r.get("english")))))
        .collect();
    for (i, names) in english {
        for n in names {
            let n = n.to_lowercase();
            if !items[i].english.contains(&n) {
                items[i].english.push(n);
            }
        }
    }
    for (i, item) in items.iter_mut().enumerate() {
        item.id = i as u32;
    }
    items
}

/// Splits a `|`-separated list, dropping empty parts.
pub fn split_list(s: &str) -> Vec<String> {
    s.split('|')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}
