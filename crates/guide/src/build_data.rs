//! Builds the shipped dictionary (`data/guide/items.csv`, `conflicts.csv`) from the upstream
//! source files, so that the merge is reproducible and reviewable.
//!
//! Not used at run time: the binary embeds the generated CSV. `fenlei guide build-data` and the
//! `data_is_up_to_date` test call [`build`] with the texts of the source files.
//!
//! Merge rule for the two Shanghai sources (stated in `data/guide/SOURCES.md`):
//! 1. a hand resolution in `overrides.csv` wins;
//! 2. R1: when the mini-program file says `renovation` or `not_household`, it wins, because the
//!    crawled file has no such categories and files those items under the nearest of its five;
//! 3. R2: otherwise the crawled file (alexayan) wins: it is the later snapshot and was crawled
//!    from the official Shanghai query service.

use std::collections::BTreeMap;

use crate::category::Category;
use crate::csv::{Table, line};

/// The texts of the upstream files and of the hand resolutions.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// `shanghai_alexayan.csv`.
    pub alexayan: &'a str,
    /// `shanghai_weapp_aliases.csv`.
    pub weapp: &'a str,
    /// `shenzhen_huawei40.csv`.
    pub huawei: &'a str,
    /// `overrides.csv` (ours): `name,category,reason`.
    pub overrides: &'a str,
}

/// What [`build`] produces.
#[derive(Debug, Clone)]
pub struct Built {
    /// `items.csv`: `name,category,aliases,sources,rule`.
    pub items_csv: String,
    /// `conflicts.csv`: every name the sources disagree on, with how it was resolved.
    pub conflicts_csv: String,
    /// Number of items.
    pub items: usize,
    /// Number of disagreeing names.
    pub conflicts: usize,
}

#[derive(Default)]
struct Entry {
    alexayan: Option<Category>,
    weapp: Vec<Category>,
    huawei: Option<Category>,
    aliases: Vec<String>,
}

/// Merges the sources. Unknown category keys are skipped (and would show up as a smaller item
/// count in the test that compares against the committed file).
pub fn build(src: Sources<'_>) -> Built {
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for row in Table::parse(src.alexayan).rows() {
        if let Some(c) = Category::parse(row.get("category")) {
            entries.entry(clean(row.get("name"))).or_default().alexayan = Some(c);
        }
    }
    for row in Table::parse(src.weapp).rows() {
        let Some(c) = Category::parse(row.get("category")) else {
            continue;
        };
        let e = entries.entry(clean(row.get("name"))).or_default();
        if !e.weapp.contains(&c) {
            e.weapp.push(c);
        }
        for alias in row.get("aliases").split('|').map(clean) {
            if !alias.is_empty() && !e.aliases.contains(&alias) {
                e.aliases.push(alias);
            }
        }
    }
    // The contest labels add names the Shanghai files lack; a label that is already an alias
    // there (大骨头 → 大块骨头) is the same item and keeps the Shanghai category.
    let aliases: Vec<String> = entries.values().flat_map(|e| e.aliases.clone()).collect();
    for row in Table::parse(src.huawei).rows() {
        let name = clean(row.get("name"));
        if let Some(c) = Category::parse(row.get("category"))
            && (entries.contains_key(&name) || !aliases.contains(&name))
        {
            entries.entry(name).or_default().huawei = Some(c);
        }
    }
    let overrides: BTreeMap<String, (Category, String)> = Table::parse(src.overrides)
        .rows()
        .filter_map(|r| {
            let c = Category::parse(r.get("category"))?;
            Some((clean(r.get("name")), (c, r.get("reason").to_string())))
        })
        .collect();

    let mut items_csv = line(&["name", "category", "aliases", "sources", "rule"]);
    let mut conflicts_csv = line(&["name", "alexayan", "weapp", "resolved", "rule", "reason"]);
    let (mut items, mut conflicts) = (0, 0);
    for (name, e) in &entries {
        if name.is_empty() {
            continue;
        }
        let shanghai_disagree = match e.alexayan {
            Some(a) => !e.weapp.is_empty() && (e.weapp.len() > 1 || e.weapp[0] != a),
            None => e.weapp.len() > 1,
        };
        let (category, rule) = if let Some((c, _)) = overrides.get(name) {
            (*c, "hand")
        } else if shanghai_disagree {
            match e
                .weapp
                .iter()
                .find(|c| matches!(c, Category::Renovation | Category::NotHousehold))
            {
                Some(c) => (*c, "R1"),
                None => (e.alexayan.unwrap_or(e.weapp[0]), "R2"),
            }
        } else if let Some(a) = e.alexayan {
            (
                a,
                if e.weapp.is_empty() {
                    "alexayan"
                } else {
                    "agree"
                },
            )
        } else if let Some(w) = e.weapp.first() {
            (*w, "weapp")
        } else if let Some(h) = e.huawei {
            (h, "huawei40")
        } else {
            continue;
        };
        let mut sources = Vec::new();
        if e.alexayan.is_some() {
            sources.push("alexayan");
        }
        if !e.weapp.is_empty() {
            sources.push("weapp");
        }
        if e.huawei.is_some() {
            sources.push("huawei40");
        }
        items_csv.push_str(&line(&[
            name,
            category.key(),
            &e.aliases.join("|"),
            &sources.join("|"),
            rule,
        ]));
        items += 1;
        if shanghai_disagree {
            conflicts += 1;
            let weapp = e
                .weapp
                .iter()
                .map(|c| c.key())
                .collect::<Vec<_>>()
                .join("|");
            let reason = match (rule, overrides.get(name)) {
                ("hand", Some((_, reason))) => reason.as_str(),
                ("R1", _) => {
                    "R1: the mini-program file's finer category (no such key in the crawl)"
                }
                _ => "R2: the crawl of the official query service wins",
            };
            conflicts_csv.push_str(&line(&[
                name,
                e.alexayan.map(|c| c.key()).unwrap_or(""),
                &weapp,
                category.key(),
                rule,
                reason,
            ]));
        }
    }
    Built {
        items_csv,
        conflicts_csv,
        items,
        conflicts,
    }
}

/// Trims a name and folds the one kind of noise the sources have (half-width vs full-width
/// brackets) so that the same item spelled both ways merges.
fn clean(name: &str) -> String {
    name.trim().replace('(', "（").replace(')', "）")
}
