//! fenlei-guide: the sorting guide (垃圾分类指南). Which bin does an item go in, under a given
//! city's rules, answered offline in microseconds from characters, pinyin, initials, typos,
//! traditional characters, resident phrasings or English, with a marked best guess when the
//! dictionary has nothing close.
//!
//! Not here: HTTP (the server returns [`Answer`] as is), terminal rendering (the CLI), or the
//! upstream data (the merge lives in [`build_data`]; the binary embeds `data/guide/`).
//!
//! ```
//! let guide = fenlei_guide::Guide::embedded();
//! let answer = guide.lookup("kuaicanhe", "shanghai");
//! assert_eq!(answer.city_label, "干垃圾");
//! ```

pub mod answer;
pub mod bench;
pub mod build_data;
pub mod category;
pub mod city;
pub mod csv;
pub mod data;
mod distance;
pub mod eval;
mod index;
mod py;
pub mod text;

use std::sync::OnceLock;

pub use answer::{Answer, Card, ItemRef, ItemView, MatchKind};
pub use category::Category;
pub use city::{AppliedException, Cities, CityRules, Tip};
pub use data::{DataFiles, EMBEDDED, Item};
pub use index::Index;

use city::Pattern;
use csv::Table;
use index::{Hit, HitKind};
use text::{Normalizer, english_words, strip_fillers};

/// Everything a lookup needs: the index, the city rule sets, tips and guess wording.
#[derive(Debug)]
pub struct Guide {
    index: Index,
    cities: Cities,
    item_tips: Vec<(Pattern, String, String)>,
    head_nouns: Vec<(String, Category, String, String)>,
    category_names: Vec<(String, Category)>,
    /// Category of every item in every city (same order as `cities.all()`), precomputed so
    /// that similar items and alternatives cost no pattern matching at query time.
    city_categories: Vec<Vec<Category>>,
}

/// What the search decided, before the city's words and rules are applied.
struct Decision {
    kind: MatchKind,
    item: Option<(u32, String)>,
    base: Category,
    confidence: f32,
    reason: String,
    reason_en: String,
    alternatives: Vec<u32>,
    /// The compact text the guess was made from (for city exceptions and tips).
    query_key: String,
}

impl Decision {
    fn new(kind: MatchKind, base: Category, confidence: f32, query_key: &str) -> Decision {
        Decision {
            kind,
            item: None,
            base,
            confidence,
            reason: String::new(),
            reason_en: String::new(),
            alternatives: Vec::new(),
            query_key: query_key.to_string(),
        }
    }
}

/// English and other extra names of the categories; the cities' own words come from data.
const CATEGORY_SYNONYMS: &[(&str, Category)] = &[
    ("可回收垃圾", Category::Recyclable),
    ("可回收", Category::Recyclable),
    ("回收物", Category::Recyclable),
    ("recyclable", Category::Recyclable),
    ("recyclables", Category::Recyclable),
    ("recycling", Category::Recyclable),
    ("recyclable waste", Category::Recyclable),
    ("有毒垃圾", Category::Hazardous),
    ("有害", Category::Hazardous),
    ("hazardous", Category::Hazardous),
    ("hazardous waste", Category::Hazardous),
    ("厨余", Category::Kitchen),
    ("餐厨垃圾", Category::Kitchen),
    ("厨房垃圾", Category::Kitchen),
    ("kitchen waste", Category::Kitchen),
    ("food waste", Category::Kitchen),
    ("wet waste", Category::Kitchen),
    ("organic waste", Category::Kitchen),
    ("其它垃圾", Category::Other),
    ("dry waste", Category::Other),
    ("residual waste", Category::Other),
    ("other waste", Category::Other),
    ("general waste", Category::Other),
    ("建筑垃圾", Category::Renovation),
    ("renovation waste", Category::Renovation),
    ("construction waste", Category::Renovation),
    ("bulky waste", Category::Bulky),
];

/// Weights of the guess experts: endings of 1..=4 characters, starts, single characters, and
/// the smoothing (spread evenly over the categories, so that features nobody has do not favour
/// the big categories). Chosen on the leave-one-out evaluation.
const SUFFIX_WEIGHTS: [f32; 4] = [1.0, 1.5, 2.0, 2.0];
const PREFIX_WEIGHT: f32 = 0.5;
const WHOLE_QUERY_WEIGHT: f32 = 2.0;
/// Longest query searched, in characters after normalisation.
const MAX_QUERY_CHARS: usize = 48;
/// How many votes a usual (English-named) item casts for ambiguous initials.
const INITIALS_COMMON_VOTE: u32 = 2;
const CHAR_WEIGHT: f32 = 0.2;
const AFFIX_ALPHA: f32 = 0.5;

static EMBEDDED_GUIDE: OnceLock<Guide> = OnceLock::new();

impl Guide {
    /// The guide over the embedded data, built on first use and shared afterwards.
    pub fn embedded() -> &'static Guide {
        EMBEDDED_GUIDE.get_or_init(|| Guide::build(&EMBEDDED))
    }

    /// Builds a guide from data files (the embedded ones, or others in tests).
    pub fn build(files: &DataFiles<'_>) -> Guide {
        let normalizer = Normalizer::new(files.trad_pairs);
        let items = data::parse_items(files);
        let index = Index::build(items, normalizer);
        let cities = Cities::parse(files);
        let item_tips = Table::parse(files.item_tips)
            .rows()
            .filter_map(|r| {
                Some((
                    Pattern::parse(r.get("match"), r.get("pattern"))?,
                    r.get("tip_zh").to_string(),
                    r.get("tip_en").to_string(),
                ))
            })
            .collect();
        let head_nouns = Table::parse(files.head_nouns)
            .rows()
            .filter_map(|r| {
                Some((
                    r.get("suffix").to_string(),
                    Category::parse(r.get("category"))?,
                    r.get("noun_zh").to_string(),
                    r.get("noun_en").to_string(),
                ))
            })
            .collect();
        let mut category_names: Vec<(String, Category)> = Vec::new();
        for city in cities.all() {
            for c in Category::ALL {
                let l = index.normalizer.normalize(city.label(c));
                if !category_names.iter().any(|(n, _)| *n == l) {
                    category_names.push((l, c));
                }
            }
        }
        for (n, c) in CATEGORY_SYNONYMS {
            category_names.push((n.to_string(), *c));
        }
        let city_categories = cities
            .all()
            .iter()
            .map(|c| {
                index
                    .items
                    .iter()
                    .map(|it| cities.resolve(c, it.category, &[index.name_key(it.id)]).0)
                    .collect()
            })
            .collect();
        Guide {
            index,
            cities,
            city_categories,
            item_tips,
            head_nouns,
            category_names,
        }
    }

    /// The dictionary.
    pub fn items(&self) -> &[Item] {
        &self.index.items
    }

    /// The city rule sets.
    pub fn cities(&self) -> &Cities {
        &self.cities
    }

    /// The search index (for sizes in benchmarks).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The normaliser (for generating evaluation queries).
    pub fn normalizer(&self) -> &Normalizer {
        &self.index.normalizer
    }

    /// Looks up `query` under `city`'s rules. An unknown city falls back to the national rules
    /// (the answer's `city` says which was used); validate user input with
    /// [`Cities::get`] first to report it instead.
    pub fn lookup(&self, query: &str, city: &str) -> Answer {
        self.lookup_excluding(query, city, None)
    }

    /// [`Guide::lookup`] as if item `exclude` were not in the dictionary: the evaluation's
    /// leave-one-out measure of how the guide does on names it has never seen.
    pub fn lookup_excluding(&self, query: &str, city: &str, exclude: Option<u32>) -> Answer {
        let rules = self
            .cities
            .get(city)
            .unwrap_or_else(|| self.cities.national());
        // Item names are short; a cap keeps a pasted paragraph from costing milliseconds.
        let mut normalized = self.index.normalizer.normalize(query);
        if let Some((cut, _)) = normalized.char_indices().nth(MAX_QUERY_CHARS) {
            normalized.truncate(cut);
        }
        let d = self.decide(&normalized, exclude);
        self.answer(query, normalized, rules, d, exclude)
    }

    /// A category card in a city's words.
    pub fn card(&self, category: Category, city: &CityRules) -> Card {
        let (icon, emoji) = category.icon();
        let (def, def_en) = self.cities.definition(city, category);
        Card {
            category,
            label: city.label(category).to_string(),
            label_en: category.english().to_string(),
            colour: category.colour().to_string(),
            icon: icon.to_string(),
            emoji: emoji.to_string(),
            definition: def.clone(),
            definition_en: def_en.clone(),
        }
    }

    /// Up to `n` items like `item`: same category in the city, sharing its ending (the head
    /// noun) where possible, then its characters. For the dashboard's "similar items".
    pub fn similar(&self, item: u32, city: &CityRules, n: usize) -> Vec<ItemRef> {
        let Some(it) = self.index.items.get(item as usize) else {
            return Vec::new();
        };
        let cat = self.category_in(it, city);
        self.similar_to_key(self.index.name_key(item), cat, city, Some(item), n)
    }

    fn similar_to_key(
        &self,
        key: &str,
        cat: Category,
        city: &CityRules,
        skip: Option<u32>,
        n: usize,
    ) -> Vec<ItemRef> {
        let chars: Vec<char> = key.chars().collect();
        let mut out: Vec<u32> = Vec::new();
        for len in [2usize, 1] {
            if chars.len() < len {
                continue;
            }
            let suf: String = chars[chars.len() - len..].iter().collect();
            for &i in self.index.items_with_suffix(&suf) {
                if out.len() >= n {
                    break;
                }
                let it = &self.index.items[i as usize];
                if Some(i) != skip
                    && !out.contains(&i)
                    && it.name != key
                    && self.category_in(it, city) == cat
                {
                    out.push(i);
                }
            }
        }
        out.into_iter().map(|i| self.item_ref(i, city)).collect()
    }

    fn category_in(&self, it: &Item, city: &CityRules) -> Category {
        match self.cities.all().iter().position(|c| c.key == city.key) {
            Some(ci) => self.city_categories[ci][it.id as usize],
            None => {
                self.cities
                    .resolve(city, it.category, &[self.index.name_key(it.id)])
                    .0
            }
        }
    }

    fn item_ref(&self, i: u32, city: &CityRules) -> ItemRef {
        let it = &self.index.items[i as usize];
        let c = self.category_in(it, city);
        ItemRef {
            id: i,
            name: it.name.clone(),
            category: c,
            city_label: city.label(c).to_string(),
            english: it.english.first().cloned(),
        }
    }

    fn decide(&self, normalized: &str, exclude: Option<u32>) -> Decision {
        let ix = &self.index;
        let key: String = normalized.chars().filter(|c| *c != ' ').collect();
        if key.is_empty() {
            let mut d = Decision::new(MatchKind::Fallback, Category::Other, 0.0, "");
            d.reason = "空查询：请输入物品名称".into();
            d.reason_en = "Empty query: type an item's name".into();
            return d;
        }
        if let Some(c) = self.category_name(normalized, &key) {
            let mut d = Decision::new(MatchKind::Category, c, 1.0, &key);
            d.reason = format!("“{key}”是类别名称");
            d.reason_en = format!("'{normalized}' names a category");
            return d;
        }
        let stripped = strip_fillers(&key);
        if let Some(h) = ix.exact(&key, exclude) {
            return self.decide_hit(h, &key, &key, exclude);
        }
        if stripped != key
            && let Some(h) = ix.exact(&stripped, exclude)
        {
            return self.decide_hit(h, &key, &stripped, exclude);
        }
        let has_cjk = Index::has_cjk(&key);
        if !has_cjk {
            return self.decide_latin(normalized, &key, exclude);
        }
        let q: Vec<char> = stripped.chars().collect();
        let q_py = py::full(&stripped);
        if key.chars().any(|c| c.is_ascii_alphabetic()) {
            // Mixed input (kuai餐盒): compare as pinyin.
            if let Some(&k) = ix.pinyin(&q_py, exclude).first() {
                return self.decide_hit(ix.hit(k, HitKind::Pinyin, 0), &key, &q_py, exclude);
            }
            let bound = if q_py.len() >= 8 { 2 } else { 1 };
            if let Some(h) = ix.fuzzy_pinyin(&q_py, bound, exclude).first() {
                return self.decide_hit(*h, &key, &q_py, exclude);
            }
        }
        // Homophones: an input method picked the wrong character. Keep at least half of the
        // characters, so that a different word that sounds the same (橡胶 rubber vs 香蕉
        // banana) is not taken for a typo.
        if q.len() >= 2
            && let Some(&k) = ix
                .pinyin(&q_py, exclude)
                .iter()
                .find(|&&k| 2 * shared_chars(&q, &ix.keys[k as usize].chars) >= q.len())
        {
            return self.decide_hit(ix.hit(k, HitKind::Pinyin, 0), &key, &stripped, exclude);
        }
        if q.len() >= 3 {
            let bound = if q.len() >= 5 { 2 } else { 1 };
            let hits = ix.fuzzy_chars(&q, bound, exclude);
            // The best candidate, or else an unfinished word (纽扣电 → 纽扣电池).
            let pick = hits.first().filter(|h| self.fuzzy_ok(h, &q)).or_else(|| {
                hits.iter()
                    .find(|h| ix.keys[h.key as usize].chars.starts_with(&q) && self.fuzzy_ok(h, &q))
            });
            if let Some(h) = pick {
                return self.decide_hit(*h, &key, &stripped, exclude);
            }
        }
        // The head noun gives the richer answer (an item, its tips); when the statistics of
        // the whole name disagree with it, they are right more often (leave-one-out).
        let affix = self.affix_guess(&q, &stripped, exclude);
        if let Some(d) = self.head_noun(&q, &stripped, exclude)
            && affix.as_ref().is_none_or(|a| a.base == d.base)
        {
            return d;
        }
        if q.len() >= 3
            && let Some(h) = ix.fuzzy_pinyin(&q_py, 1, exclude).first()
        {
            return self.decide_hit(*h, &key, &stripped, exclude);
        }
        affix.unwrap_or_else(|| self.fallback(&stripped))
    }

    /// A fuzzy character match is accepted when the edit keeps the last character (the head
    /// noun) or the query is long enough that one changed character is a typo, not a new word.
    /// A query that ends with the whole candidate (小米充电电池 → 充电电池) is a more specific
    /// thing, not a typo: the head-noun guess handles it. A query that is the start of the
    /// candidate (纽扣电 → 纽扣电池) is an unfinished word and is accepted.
    fn fuzzy_ok(&self, h: &Hit, q: &[char]) -> bool {
        let k = &self.index.keys[h.key as usize].chars;
        if k.len() < q.len() && q.ends_with(k) {
            return false;
        }
        // In a short name one different character is a different word (化妆品 vs 化学品) unless it
        // sounds alike (an input-method slip): keep only near-homophone substitutions.
        if q.len() <= 3 && k.len() == q.len() {
            let diff: Vec<(char, char)> = q
                .iter()
                .zip(k.iter())
                .filter(|(a, b)| a != b)
                .map(|(a, b)| (*a, *b))
                .collect();
            if let [(a, b)] = diff.as_slice()
                && !py::sounds_alike(*a, *b)
            {
                return false;
            }
        }
        let head_same = k.last() == q.last();
        let unfinished = q.len() >= 3 && k.starts_with(q);
        match h.distance {
            1 => head_same || unfinished || q.len() >= 5,
            2 => head_same && q.len() >= 5,
            _ => false,
        }
    }

    fn decide_latin(&self, normalized: &str, key: &str, exclude: Option<u32>) -> Decision {
        let ix = &self.index;
        let words = english_words(normalized);
        let english_decision = |e: &index::EnglishHit| {
            let name = &self.index.items[e.item as usize].name;
            let mut d = self.item_decision(MatchKind::English, e.item, &e.phrase, 0.9, key);
            d.reason = format!("英文名“{}”→“{name}”", e.phrase);
            d.reason_en = format!("English name '{}' → {name}", e.phrase);
            d
        };
        if let Some(e) = ix.english_exact(&words, exclude) {
            return english_decision(&e);
        }
        let letters: String = key.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if let Some(&k) = ix.pinyin(&letters, exclude).first() {
            return self.decide_hit(ix.hit(k, HitKind::Pinyin, 0), key, &letters, exclude);
        }
        if (2..=8).contains(&letters.len()) {
            let keys = ix.initials(&letters, exclude);
            // Initials are ambiguous; when the usual (English-named) items disagree, the
            // category most of them share is the safer answer.
            let pick = self.initials_pick(&keys);
            if let Some(k) = pick {
                let mut d =
                    self.decide_hit(ix.hit(k, HitKind::Initials, 0), key, &letters, exclude);
                d.alternatives = self.distinct_alternatives(&keys[1..], d.base);
                if keys.len() > 1 {
                    d.confidence = 0.5;
                    d.reason
                        .push_str(&format!("（另有 {} 个同首字母条目）", keys.len() - 1));
                    d.reason_en.push_str(&format!(
                        " ({} more items share these initials)",
                        keys.len() - 1
                    ));
                }
                return d;
            }
        }
        let english = ix.english(&words, exclude);
        if let Some(e) = english.as_ref().filter(|e| e.full) {
            return english_decision(e);
        }
        // Pinyin with a typo. English words in the query make that less likely, so then only
        // one edit is allowed (quai can he → kuaicanhe, not "can").
        let known_word = words.iter().any(|w| ix.is_english_word(w));
        if letters.len() >= 4 {
            let bound = match (known_word, letters.len() >= 8) {
                (true, _) => 1,
                (false, true) => 2,
                (false, false) => 1,
            };
            if let Some(h) = ix.fuzzy_pinyin(&letters, bound, exclude).first() {
                return self.decide_hit(*h, key, &letters, exclude);
            }
        }
        if let Some(d) = self.english_guess(&words, english.as_ref(), key, exclude) {
            return d;
        }
        if let Some(e) = english {
            let mut d = self.item_decision(MatchKind::Similar, e.item, &e.phrase, 0.35, key);
            d.reason = format!("最佳猜测：与英文名“{}”最相近", e.phrase);
            d.reason_en = format!("Best guess: closest English name is '{}'", e.phrase);
            return d;
        }
        self.fallback(key)
    }

    /// Best guess for English words that name no item: every known word's category
    /// distribution is an expert (the last word, the head noun, weighs double), as for Chinese
    /// endings in [`Guide::affix_guess`]; `pesticide bottle` is then hazardous although most
    /// bottles are recyclable.
    fn english_guess(
        &self,
        words: &[String],
        best: Option<&index::EnglishHit>,
        key: &str,
        exclude: Option<u32>,
    ) -> Option<Decision> {
        let ix = &self.index;
        let words = ix.correct_words(words);
        words.last()?;
        let mut score = [0f32; 7];
        let mut evidence: Vec<(String, bool, index::Counts)> = Vec::new();
        for (pos, w) in words.iter().enumerate() {
            let is_head = pos + 1 == words.len();
            let c = if is_head {
                ix.english_head_counts(w, exclude)
            } else {
                ix.english_word_counts(w, exclude)
            };
            let total: u16 = c.iter().sum();
            if total == 0 {
                continue;
            }
            let weight = if is_head { 2.0 } else { 1.0 };
            for i in 0..7 {
                score[i] += weight
                    * ((f32::from(c[i]) + AFFIX_ALPHA / 7.0) / (f32::from(total) + AFFIX_ALPHA))
                        .ln();
            }
            evidence.push((w.clone(), is_head, c));
        }
        if evidence.is_empty() {
            return None;
        }
        let (i, _) = score
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))?;
        let cat = Category::ALL[i];
        let head_known = evidence.iter().any(|e| e.1);
        let kind = if head_known {
            MatchKind::HeadNoun
        } else {
            MatchKind::Affix
        };
        let (w, is_head, c) = evidence
            .iter()
            .max_by(|a, b| {
                let share =
                    |c: &index::Counts| f32::from(c[i]) / f32::from(c.iter().sum::<u16>().max(1));
                share(&a.2).total_cmp(&share(&b.2)).then(a.1.cmp(&b.1))
            })?
            .clone();
        let total: u16 = c.iter().sum();
        let k = c[i];
        let mut d = Decision::new(kind, cat, 0.6 * f32::from(k) / f32::from(total.max(1)), key);
        d.item = best
            .filter(|e| self.index.items[e.item as usize].category == cat)
            .map(|e| (e.item, e.phrase.clone()));
        if is_head {
            d.reason = format!(
                "最佳猜测：按英文中心词“{w}”判断，词典中 {total} 个以“{w}”结尾的英文名里 {k} 个属于此类"
            );
            d.reason_en = format!(
                "Best guess from the head noun '{w}': {k} of {total} English names ending in '{w}' are in this category"
            );
        } else {
            d.reason = format!("最佳猜测：词典中含“{w}”的 {total} 个英文名里 {k} 个属于此类");
            d.reason_en =
                format!("Best guess: {k} of {total} English names with '{w}' are in this category");
        }
        Some(d)
    }

    /// The query ends with a dictionary name (南孚电池 → 电池): that name is its head noun.
    fn head_noun(&self, q: &[char], stripped: &str, exclude: Option<u32>) -> Option<Decision> {
        for start in 1..q.len().saturating_sub(1) {
            let suffix: String = q[start..].iter().collect();
            if let Some(h) = self.index.exact(&suffix, exclude) {
                let name = self.index.items[h.item as usize].name.clone();
                let mut d = self.item_decision(MatchKind::HeadNoun, h.item, &suffix, 0.7, stripped);
                d.reason =
                    format!("最佳猜测：词典中没有“{stripped}”，按中心词“{suffix}”（{name}）判断");
                d.reason_en = format!(
                    "Best guess: '{stripped}' is not in the dictionary; judged by its head noun '{suffix}' ({name})"
                );
                return Some(d);
            }
        }
        None
    }

    /// Best guess from how dictionary names that share the query's ending (its head noun), its
    /// start or its characters are sorted: each feature's category distribution is an expert,
    /// and the experts' log-probabilities add up (longer endings weigh more). LOO-tuned on the
    /// evaluation set; the reason quotes the strongest evidence in words.
    fn affix_guess(&self, q: &[char], stripped: &str, exclude: Option<u32>) -> Option<Decision> {
        let ix = &self.index;
        let mut score = [0f32; 7];
        let mut evidence = 0usize;
        let add = |c: &index::Counts, weight: f32, score: &mut [f32; 7]| {
            let total: u16 = c.iter().sum();
            if total == 0 {
                return false;
            }
            for i in 0..7 {
                score[i] += weight
                    * ((f32::from(c[i]) + AFFIX_ALPHA / 7.0) / (f32::from(total) + AFFIX_ALPHA))
                        .ln();
            }
            true
        };
        let mut best_suffix: Option<(String, index::Counts)> = None;
        // 子 after a noun (柜子, 瓶子) is a suffix, not the head: look at the noun before it too.
        let mut words: Vec<&[char]> = vec![q];
        if let Some(('子', rest)) = q.split_last()
            && !rest.is_empty()
        {
            words.push(rest);
        }
        for w in words {
            for len in (1..=w.len().min(4)).rev() {
                let suf: String = w[w.len() - len..].iter().collect();
                let c = ix.suffix_counts(&suf, exclude);
                // Names that end with the whole query (坏马桶 for 马桶) say the most.
                let whole = if len == w.len() {
                    WHOLE_QUERY_WEIGHT
                } else {
                    1.0
                };
                if add(&c, whole * SUFFIX_WEIGHTS[len - 1], &mut score) {
                    evidence += 1;
                    best_suffix.get_or_insert((suf, c));
                }
            }
        }
        let mut best_prefix: Option<(String, index::Counts)> = None;
        for len in (1..q.len().min(3)).rev() {
            let pre: String = q[..len].iter().collect();
            let c = ix.prefix_counts(&pre, exclude);
            if add(&c, PREFIX_WEIGHT, &mut score) {
                evidence += 1;
                best_prefix.get_or_insert((pre, c));
            }
        }
        let mut best_char: Option<(String, index::Counts)> = None;
        let mut seen: Vec<char> = Vec::new();
        for &ch in q {
            if seen.contains(&ch) {
                continue;
            }
            seen.push(ch);
            let c = ix.contains_counts(ch, exclude);
            if add(&c, CHAR_WEIGHT, &mut score) {
                evidence += 1;
                let total: u16 = c.iter().sum();
                if best_char
                    .as_ref()
                    .is_none_or(|b| total < b.1.iter().sum::<u16>())
                {
                    best_char = Some((ch.to_string(), c));
                }
            }
        }
        if evidence == 0 {
            return None;
        }
        let (i, _) = score
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))?;
        let cat = Category::ALL[i];
        // Softmax of the scores as a rough confidence, damped: these are guesses.
        let m = score[i];
        let z: f32 = score.iter().map(|s| (s - m).exp()).sum();
        let mut d = Decision::new(MatchKind::Affix, cat, 0.7 / z, stripped);
        let describe = |(a, c): &(String, index::Counts), pos: u8| {
            let total: u16 = c.iter().sum();
            let k = c[cat.index()];
            let noun = self
                .head_nouns
                .iter()
                .find(|h| pos == 0 && a.ends_with(h.0.as_str()))
                .map(|h| (h.2.clone(), h.3.clone()));
            let (zh_pos, en_pos) = match pos {
                0 => ("以“", "ending in"),
                1 => ("以“", "starting with"),
                _ => ("含“", "containing"),
            };
            let zh_end = match pos {
                0 => "”结尾",
                1 => "”开头",
                _ => "”",
            };
            let zh = format!(
                "最佳猜测：词典中{zh_pos}{a}{zh_end}的 {total} 个物品里 {k} 个属于此类{}",
                noun.as_ref()
                    .map(|n| format!("（“{a}”表示{}）", n.0))
                    .unwrap_or_default()
            );
            let en = format!(
                "Best guess: {k} of {total} dictionary items {en_pos} '{a}'{} are in this category",
                noun.as_ref()
                    .map(|n| format!(" ({})", n.1))
                    .unwrap_or_default()
            );
            (zh, en, k)
        };
        let options = [
            best_suffix.as_ref().map(|b| describe(b, 0)),
            best_prefix.as_ref().map(|b| describe(b, 1)),
            best_char.as_ref().map(|b| describe(b, 2)),
        ];
        // Quote the evidence that backs the answer best: the largest share for the chosen
        // category, endings first on ties.
        let chosen = options
            .iter()
            .flatten()
            .zip(
                [&best_suffix, &best_prefix, &best_char]
                    .into_iter()
                    .flatten(),
            )
            .max_by(|(a, ca), (b, cb)| {
                let share = |k: u16, c: &index::Counts| {
                    f32::from(k) / f32::from(c.iter().sum::<u16>().max(1))
                };
                share(a.2, &ca.1)
                    .total_cmp(&share(b.2, &cb.1))
                    .then(std::cmp::Ordering::Greater)
            })
            .map(|(o, _)| o)?;
        d.reason = chosen.0.clone();
        d.reason_en = chosen.1.clone();
        Some(d)
    }

    fn fallback(&self, key: &str) -> Decision {
        let mut d = Decision::new(MatchKind::Fallback, Category::Other, 0.2, key);
        d.reason = "最佳猜测：词典里没有相近的物品，也无法从字面判断；按规定，难以分辨类别的生活垃圾投入其他垃圾（干垃圾）".into();
        d.reason_en = "Best guess: nothing close in the dictionary and nothing to go by in the words; waste that is hard to classify goes to other (residual) waste".into();
        d
    }

    fn item_decision(
        &self,
        kind: MatchKind,
        item: u32,
        matched: &str,
        confidence: f32,
        key: &str,
    ) -> Decision {
        let mut d = Decision::new(
            kind,
            self.index.items[item as usize].category,
            confidence,
            key,
        );
        d.item = Some((item, matched.to_string()));
        d
    }

    fn decide_hit(&self, h: Hit, key: &str, searched: &str, exclude: Option<u32>) -> Decision {
        let ix = &self.index;
        let k = &ix.keys[h.key as usize];
        let name = ix.items[h.item as usize].name.clone();
        let (kind, conf) = match h.kind {
            HitKind::Exact => (MatchKind::Exact, 1.0),
            HitKind::Alias => (MatchKind::Alias, 0.95),
            HitKind::Pinyin => (
                MatchKind::Pinyin,
                if Index::has_cjk(searched) { 0.8 } else { 0.9 },
            ),
            HitKind::Initials => (MatchKind::Initials, 0.7),
            HitKind::Fuzzy => (MatchKind::Fuzzy, if h.distance <= 1 { 0.75 } else { 0.6 }),
        };
        let mut d = self.item_decision(kind, h.item, &k.text, conf, searched);
        let stripped_note =
            (searched != key && Index::has_cjk(searched) && kind <= MatchKind::Alias).then(|| {
                (
                    format!("（忽略修饰词，按“{searched}”查）"),
                    format!(" (extra words dropped: searched '{searched}')"),
                )
            });
        let (zh, en) = match kind {
            MatchKind::Exact => (
                format!("词典条目“{name}”"),
                format!("Dictionary entry {name}"),
            ),
            MatchKind::Alias => (
                format!("“{}”是“{name}”的别名", k.text),
                format!("'{}' is another name for {name}", k.text),
            ),
            MatchKind::Pinyin
                if Index::has_cjk(searched)
                    && !searched.is_ascii()
                    && searched.chars().all(text::is_cjk) =>
            {
                (
                    format!("同音：“{searched}”读作 {}，按“{name}”处理", k.py),
                    format!("Homophone: '{searched}' reads {}, treated as {name}", k.py),
                )
            }
            MatchKind::Pinyin => (
                format!("拼音 {searched} →“{name}”"),
                format!("Pinyin '{searched}' → {name}"),
            ),
            MatchKind::Initials => (
                format!("拼音首字母 {searched} →“{name}”"),
                format!("Pinyin initials '{searched}' → {name}"),
            ),
            _ => (
                format!("近似匹配：按“{name}”处理（{} 处差异）", h.distance),
                format!(
                    "Close match: treated as {name} ({} edit{})",
                    h.distance,
                    if h.distance == 1 { "" } else { "s" }
                ),
            ),
        };
        d.reason = zh;
        d.reason_en = en;
        if let Some((zh, en)) = stripped_note {
            d.reason.push_str(&zh);
            d.reason_en.push_str(&en);
        }
        // A one-character generic name (纸, 碗, 床): say so and show the other readings.
        if kind == MatchKind::Exact && k.chars.len() == 1 {
            let alts = self.generic_alternatives(&k.text, d.base, exclude);
            if !alts.is_empty() {
                d.reason.push_str(&format!(
                    "；“{}”比较笼统，具体物品去向可能不同，见其他可能",
                    k.text
                ));
                d.reason_en.push_str(&format!(
                    "; '{}' is generic, specific items may differ (see alternatives)",
                    k.text
                ));
                d.confidence = 0.6;
                d.alternatives = alts;
            }
        }
        d
    }

    fn generic_alternatives(&self, suffix: &str, cat: Category, exclude: Option<u32>) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        let mut cats = vec![cat];
        for &i in self.index.items_with_suffix(suffix) {
            let it = &self.index.items[i as usize];
            if Some(i) != exclude && !cats.contains(&it.category) && it.name != suffix {
                cats.push(it.category);
                out.push(i);
            }
        }
        out
    }

    /// The answer to ambiguous initials: the category most candidates share (usual,
    /// English-named items count more), shown through its best-ranked item.
    fn initials_pick(&self, keys: &[u32]) -> Option<u32> {
        let ix = &self.index;
        let item = |k: u32| &ix.items[ix.keys[k as usize].item as usize];
        let mut votes = [0u32; 7];
        for &k in keys {
            votes[item(k).category.index()] += if item(k).english.is_empty() {
                1
            } else {
                INITIALS_COMMON_VOTE
            };
        }
        let best = (0..7).max_by_key(|&i| (votes[i], std::cmp::Reverse(i)))?;
        keys.iter()
            .copied()
            .find(|&k| item(k).category.index() == best)
    }

    fn distinct_alternatives(&self, keys: &[u32], cat: Category) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for &k in keys {
            let i = self.index.keys[k as usize].item;
            if !out.contains(&i) && (self.index.items[i as usize].category != cat || out.len() < 2)
            {
                out.push(i);
            }
            if out.len() >= 4 {
                break;
            }
        }
        out
    }

    fn category_name(&self, normalized: &str, key: &str) -> Option<Category> {
        self.category_names
            .iter()
            .find(|(n, _)| n == normalized || n == key)
            .map(|(_, c)| *c)
    }

    fn answer(
        &self,
        query: &str,
        normalized: String,
        city: &CityRules,
        d: Decision,
        exclude: Option<u32>,
    ) -> Answer {
        let ix = &self.index;
        let item_key = d.item.as_ref().map(|(i, _)| ix.name_key(*i).to_string());
        let guess = d.kind.is_guess();
        // Exceptions: a match is judged by the item's name; a guess by the query first.
        let mut keys: Vec<&str> = Vec::new();
        if guess || d.kind == MatchKind::Category {
            keys.push(&d.query_key);
        }
        if let Some(k) = &item_key {
            keys.push(k);
        }
        let (category, exception) = if d.kind == MatchKind::Category {
            (d.base, None)
        } else {
            self.cities.resolve(city, d.base, &keys)
        };
        let mut reason = d.reason;
        let mut reason_en = d.reason_en;
        if d.kind == MatchKind::Category {
            let label = city.label(category);
            if label != d.query_key {
                let users: Vec<&str> = self
                    .cities
                    .all()
                    .iter()
                    .filter(|c| ix.normalizer.normalize(c.label(category)) == d.query_key)
                    .map(|c| c.name.as_str())
                    .collect();
                if !users.is_empty() {
                    reason.push_str(&format!("：{}的叫法", users.join("、")));
                }
                reason.push_str(&format!("，{}叫“{label}”", city.name));
            } else {
                reason.push_str(&format!("，即{}的“{label}”", city.name));
            }
            reason_en.push_str(&format!(": {} in {}", category.english(), city.key));
        }
        if let Some(e) = &exception {
            reason.push_str(&format!("；{}", e.reason));
            reason_en.push_str(&format!("; {}", e.reason_en));
        }
        let mut tips = Vec::new();
        let mut tips_en = Vec::new();
        let tip_keys: Vec<&str> = item_key
            .iter()
            .map(String::as_str)
            .chain([d.query_key.as_str()])
            .collect();
        if d.kind != MatchKind::Category
            && let Some((_, zh, en)) = self
                .item_tips
                .iter()
                .find(|(p, _, _)| tip_keys.iter().any(|k| p.matches(k)))
        {
            tips.push(zh.clone());
            tips_en.push(en.clone());
        }
        for t in self.cities.tips(city, category) {
            tips.push(t.zh.clone());
            tips_en.push(t.en.clone());
        }
        let item = d.item.as_ref().map(|(i, matched)| {
            let it = &ix.items[*i as usize];
            ItemView {
                id: it.id,
                name: it.name.clone(),
                matched: matched.clone(),
                category,
                dictionary_category: it.category,
                aliases: it.aliases.clone(),
                english: it.english.clone(),
                sources: it.sources.clone(),
            }
        });
        let similar_key = item_key.clone().unwrap_or_else(|| d.query_key.clone());
        let skip = d.item.as_ref().map(|(i, _)| *i).or(exclude);
        let similar = if d.kind == MatchKind::Category {
            Vec::new()
        } else {
            let mut s = self.similar_to_key(&similar_key, category, city, skip, 5);
            s.retain(|r| Some(r.id) != exclude);
            s
        };
        Answer {
            query: query.to_string(),
            normalized,
            city: city.key.clone(),
            city_name: city.name.clone(),
            category,
            city_label: city.label(category).to_string(),
            item,
            guess,
            match_kind: d.kind,
            confidence: d.confidence,
            reason,
            reason_en,
            tips,
            tips_en,
            card: self.card(category, city),
            exception,
            alternatives: d
                .alternatives
                .iter()
                .filter(|&&i| Some(i) != exclude)
                .map(|&i| self.item_ref(i, city))
                .collect(),
            similar,
        }
    }
}

/// Characters of `a` found at the same position in `b`.
fn shared_chars(a: &[char], b: &[char]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x == y).count()
}
