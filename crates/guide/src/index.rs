//! The in-memory search index over the dictionary: exact names and aliases, toneless pinyin and
//! initials (with heteronyms), character and pinyin-trigram postings for bounded fuzzy matching,
//! suffix statistics for head-noun guesses, and English words.
//!
//! It finds candidates and scores them; it does not know about cities or build answers (see
//! `Guide` in the crate root). Every search takes an optional excluded item so that the
//! evaluation can ask "what if this item were not in the dictionary" without rebuilding.

use foldhash::fast::FixedState;
use std::collections::HashMap;

use crate::data::Item;
use crate::distance;
use crate::py;
use crate::text::{Normalizer, english_words, is_cjk};

type Map<K, V> = HashMap<K, V, FixedState>;

/// Per-category item counts.
pub(crate) type Counts = [u16; 7];

/// Sort key of a candidate key: alias?, no English name?, length, item id.
type KeyRank = (bool, bool, usize, u32);

/// Longest suffix and prefix (in characters) kept in the statistics.
const MAX_AFFIX: usize = 4;
/// Fuzzy candidates verified with the edit distance, best-sharing first.
const MAX_VERIFY: usize = 48;

/// Whether a key is an item's own name or another name for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Name,
    Alias,
}

#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub item: u32,
    pub text: String,
    pub chars: Box<[char]>,
    pub kind: KeyKind,
    pub py: String,
}

/// How a candidate was found, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum HitKind {
    Exact,
    Alias,
    Pinyin,
    Initials,
    Fuzzy,
}

/// One candidate item.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub item: u32,
    pub key: u32,
    pub kind: HitKind,
    pub distance: u8,
}

/// An English candidate with how well it covers the query words.
#[derive(Debug, Clone)]
pub(crate) struct EnglishHit {
    pub item: u32,
    pub phrase: String,
    /// All query words present and the last word (the head noun) agrees.
    pub full: bool,
}

/// The index. Immutable after [`Index::build`]; searches take `&self` and are thread-safe.
#[derive(Debug)]
pub struct Index {
    pub(crate) items: Vec<Item>,
    pub(crate) keys: Vec<Key>,
    pub(crate) normalizer: Normalizer,
    exact: Map<String, Vec<u32>>,
    py_full: Map<String, Vec<u32>>,
    py_init: Map<String, Vec<u32>>,
    py_init_long: Map<String, Vec<u32>>,
    chars: Map<char, Vec<u32>>,
    py_tri: Map<[u8; 3], Vec<u32>>,
    suffix: Map<String, Counts>,
    prefix: Map<String, Counts>,
    suffix_items: Map<String, Vec<u32>>,
    contains: Map<char, Counts>,
    en_exact: Map<String, Vec<u32>>,
    en_words: Map<String, Vec<u32>>,
    en_phrases: Vec<Vec<(Vec<String>, String)>>,
    /// English vocabulary by first letter, for typo correction without a full scan.
    en_vocab: Vec<Vec<String>>,
    item_keys: Vec<Vec<u32>>,
}

impl Index {
    /// Builds the index over `items`.
    pub fn build(items: Vec<Item>, normalizer: Normalizer) -> Index {
        let mut ix = Index {
            item_keys: vec![Vec::new(); items.len()],
            en_phrases: vec![Vec::new(); items.len()],
            items,
            keys: Vec::new(),
            normalizer,
            exact: Map::default(),
            py_full: Map::default(),
            py_init: Map::default(),
            py_init_long: Map::default(),
            chars: Map::default(),
            py_tri: Map::default(),
            suffix: Map::default(),
            prefix: Map::default(),
            suffix_items: Map::default(),
            contains: Map::default(),
            en_exact: Map::default(),
            en_words: Map::default(),
            en_vocab: vec![Vec::new(); 37],
        };
        let names: std::collections::HashSet<String> = ix
            .items
            .iter()
            .map(|it| ix.normalizer.key(&it.name))
            .collect();
        for i in 0..ix.items.len() {
            ix.add_item(i, &names);
        }
        // Similar-item lists: common (English-named) and short names first.
        let items = &ix.items;
        for list in ix.suffix_items.values_mut() {
            list.sort_by_key(|&i| {
                let it = &items[i as usize];
                (it.english.is_empty(), it.name.chars().count(), i)
            });
        }
        let mut vocab: Vec<String> = ix.en_words.keys().cloned().collect();
        vocab.sort();
        for w in vocab {
            let b = vocab_bucket(&w);
            ix.en_vocab[b].push(w);
        }
        ix.shrink();
        ix
    }

    fn add_item(&mut self, i: usize, names: &std::collections::HashSet<String>) {
        let item = &self.items[i];
        let mut texts: Vec<(String, KeyKind)> = Vec::new();
        let push = |t: String, k: KeyKind, texts: &mut Vec<(String, KeyKind)>| {
            if !t.is_empty() && !texts.iter().any(|(x, _)| *x == t) {
                texts.push((t, k));
            }
        };
        push(self.normalizer.key(&item.name), KeyKind::Name, &mut texts);
        // "干电池（无汞）" is also asked as "无汞干电池".
        if let Some((base, rest)) = item.name.split_once('（')
            && let Some(qual) = rest.strip_suffix('）')
        {
            push(
                self.normalizer.key(&format!("{qual}{base}")),
                KeyKind::Alias,
                &mut texts,
            );
            // "5号电池（无汞）" is what the dictionary means by "5号电池", unless it has its own
            // row for the bare name (干电池 vs 干电池（无汞）).
            let bare = self.normalizer.key(base);
            if !names.contains(&bare) {
                push(bare, KeyKind::Alias, &mut texts);
            }
        }
        for a in &item.aliases {
            push(self.normalizer.key(a), KeyKind::Alias, &mut texts);
        }
        let category = item.category;
        let english = item.english.clone();

        let mut affixes: Vec<(bool, String)> = Vec::new();
        for (text, kind) in texts {
            let id = self.keys.len() as u32;
            let chars: Box<[char]> = text.chars().collect();
            let variants = py::variants(&text);
            let primary = variants.first().map(|v| v.0.clone()).unwrap_or_default();
            self.exact.entry(text.clone()).or_default().push(id);
            for (full, ini) in &variants {
                push_unique(self.py_full.entry(full.clone()).or_default(), id);
                if chars.len() >= 2 {
                    push_unique(self.py_init.entry(ini.clone()).or_default(), id);
                }
            }
            // Some residents type zh/ch/sh in full when abbreviating (书桌 → shzh).
            if chars.len() >= 2
                && let Some(long) = py::initials_long(&text)
            {
                push_unique(self.py_init_long.entry(long).or_default(), id);
            }
            for &c in chars.iter() {
                push_unique(self.chars.entry(c).or_default(), id);
            }
            for t in trigrams(primary.as_bytes()) {
                push_unique(self.py_tri.entry(t).or_default(), id);
            }
            for n in 1..=MAX_AFFIX.min(chars.len()) {
                let suf: String = chars[chars.len() - n..].iter().collect();
                let pre: String = chars[..n].iter().collect();
                if !affixes.contains(&(true, suf.clone())) {
                    affixes.push((true, suf));
                }
                if n < chars.len() && !affixes.contains(&(false, pre.clone())) {
                    affixes.push((false, pre));
                }
            }
            self.item_keys[i].push(id);
            self.keys.push(Key {
                item: i as u32,
                text,
                chars,
                kind,
                py: primary,
            });
        }
        let mut seen_chars: Vec<char> = Vec::new();
        for k in &self.item_keys[i] {
            for &c in self.keys[*k as usize].chars.iter() {
                if !seen_chars.contains(&c) {
                    seen_chars.push(c);
                }
            }
        }
        for c in seen_chars {
            self.contains.entry(c).or_insert([0; 7])[category.index()] += 1;
        }
        for (is_suffix, a) in affixes {
            let map = if is_suffix {
                &mut self.suffix
            } else {
                &mut self.prefix
            };
            map.entry(a.clone()).or_insert([0; 7])[category.index()] += 1;
            if is_suffix && a.chars().count() <= 2 {
                self.suffix_items.entry(a).or_default().push(i as u32);
            }
        }
        for phrase in english {
            let words = english_words(&self.normalizer.normalize(&phrase));
            if words.is_empty() {
                continue;
            }
            let joined = words.join(" ");
            push_unique(self.en_exact.entry(joined).or_default(), i as u32);
            for w in &words {
                push_unique(self.en_words.entry(w.clone()).or_default(), i as u32);
            }
            self.en_phrases[i].push((words, phrase));
        }
    }

    fn shrink(&mut self) {
        for v in self.exact.values_mut() {
            v.shrink_to_fit();
        }
        for v in self.py_full.values_mut() {
            v.shrink_to_fit();
        }
        for v in self.py_init.values_mut() {
            v.shrink_to_fit();
        }
        for v in self.chars.values_mut() {
            v.shrink_to_fit();
        }
        for v in self.py_tri.values_mut() {
            v.shrink_to_fit();
        }
    }

    /// Approximate heap bytes held by the index (strings, vectors and hash tables), for the
    /// benchmark report. Counts capacities, not allocator overhead.
    pub fn approx_bytes(&self) -> usize {
        fn map_bytes<K, V>(m: &Map<K, V>, per: impl Fn(&K, &V) -> usize) -> usize {
            m.capacity() * (size_of::<K>() + size_of::<V>() + 1)
                + m.iter().map(|(k, v)| per(k, v)).sum::<usize>()
        }
        let vec_u32 = |v: &Vec<u32>| v.capacity() * 4;
        let s = |s: &String| s.capacity();
        let items: usize = self
            .items
            .iter()
            .map(|it| {
                size_of::<Item>()
                    + it.name.capacity()
                    + it.aliases.iter().map(s).sum::<usize>()
                    + it.english.iter().map(s).sum::<usize>()
                    + it.sources.iter().map(s).sum::<usize>()
            })
            .sum();
        let keys: usize = self
            .keys
            .iter()
            .map(|k| size_of::<Key>() + k.text.capacity() + k.chars.len() * 4 + k.py.capacity())
            .sum();
        items
            + keys
            + map_bytes(&self.exact, |k, v| s(k) + vec_u32(v))
            + map_bytes(&self.py_full, |k, v| s(k) + vec_u32(v))
            + map_bytes(&self.py_init, |k, v| s(k) + vec_u32(v))
            + map_bytes(&self.py_init_long, |k, v| s(k) + vec_u32(v))
            + map_bytes(&self.chars, |_, v| vec_u32(v))
            + map_bytes(&self.py_tri, |_, v| vec_u32(v))
            + map_bytes(&self.suffix, |k, _| s(k))
            + map_bytes(&self.prefix, |k, _| s(k))
            + map_bytes(&self.suffix_items, |k, v| s(k) + vec_u32(v))
            + map_bytes(&self.en_exact, |k, v| s(k) + vec_u32(v))
            + map_bytes(&self.en_words, |k, v| s(k) + vec_u32(v))
            + self
                .en_phrases
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|(w, ph)| w.iter().map(s).sum::<usize>() + ph.capacity() + 48)
                        .sum::<usize>()
                })
                .sum::<usize>()
            + self.item_keys.iter().map(vec_u32).sum::<usize>()
    }

    /// The compact key of item `i`'s own name.
    pub(crate) fn name_key(&self, i: u32) -> &str {
        self.item_keys[i as usize]
            .first()
            .map(|&k| self.keys[k as usize].text.as_str())
            .unwrap_or("")
    }

    /// Number of searchable keys (names, aliases, derived names).
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    fn allowed(&self, key: u32, exclude: Option<u32>) -> bool {
        Some(self.keys[key as usize].item) != exclude
    }

    /// Orders candidate keys: own names before aliases, common (English-named) items first,
    /// then shorter names, then dictionary order.
    fn rank_key(&self, key: u32) -> KeyRank {
        let k = &self.keys[key as usize];
        let it = &self.items[k.item as usize];
        (
            k.kind != KeyKind::Name,
            it.english.is_empty(),
            k.chars.len(),
            k.item,
        )
    }

    fn best_of(&self, ids: &[u32], exclude: Option<u32>) -> Option<u32> {
        ids.iter()
            .copied()
            .filter(|&k| self.allowed(k, exclude))
            .min_by_key(|&k| self.rank_key(k))
    }

    /// All allowed keys of a posting list, ranked.
    pub(crate) fn ranked(&self, ids: &[u32], exclude: Option<u32>) -> Vec<u32> {
        let mut v: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|&k| self.allowed(k, exclude))
            .collect();
        v.sort_by_key(|&k| self.rank_key(k));
        v
    }

    /// Exact name or alias.
    pub(crate) fn exact(&self, key: &str, exclude: Option<u32>) -> Option<Hit> {
        let k = self.best_of(self.exact.get(key)?, exclude)?;
        let kind = match self.keys[k as usize].kind {
            KeyKind::Name => HitKind::Exact,
            KeyKind::Alias => HitKind::Alias,
        };
        Some(self.hit(k, kind, 0))
    }

    /// Keys whose toneless pinyin equals `full`.
    pub(crate) fn pinyin(&self, full: &str, exclude: Option<u32>) -> Vec<u32> {
        self.py_full
            .get(full)
            .map(|ids| self.ranked(ids, exclude))
            .unwrap_or_default()
    }

    /// Keys whose initials equal `ini` (one letter per character first; zh/ch/sh spelled in
    /// full only when nothing matches that way).
    pub(crate) fn initials(&self, ini: &str, exclude: Option<u32>) -> Vec<u32> {
        let short = self
            .py_init
            .get(ini)
            .map(|ids| self.ranked(ids, exclude))
            .unwrap_or_default();
        if !short.is_empty() {
            return short;
        }
        self.py_init_long
            .get(ini)
            .map(|ids| self.ranked(ids, exclude))
            .unwrap_or_default()
    }

    pub(crate) fn hit(&self, key: u32, kind: HitKind, distance: usize) -> Hit {
        Hit {
            item: self.keys[key as usize].item,
            key,
            kind,
            distance: distance.min(255) as u8,
        }
    }

    /// Keys within `bound` character edits of `query`, best first. Candidates come from the
    /// character postings; edits that change the last character (the head noun in Chinese)
    /// rank below edits elsewhere.
    pub(crate) fn fuzzy_chars(
        &self,
        query: &[char],
        bound: usize,
        exclude: Option<u32>,
    ) -> Vec<Hit> {
        // Dense counters: zeroing a few kilobytes is cheaper than hashing every posting.
        let mut counts = vec![0u8; self.keys.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut seen: Vec<char> = Vec::with_capacity(query.len());
        for &c in query {
            if seen.contains(&c) {
                continue;
            }
            seen.push(c);
            if let Some(ids) = self.chars.get(&c) {
                for &k in ids {
                    let n = &mut counts[k as usize];
                    if *n == 0 {
                        touched.push(k);
                    }
                    *n = n.saturating_add(1);
                }
            }
        }
        let need = seen.len().saturating_sub(bound).max(1) as u8;
        let mut cands: Vec<(u8, u32)> = touched
            .into_iter()
            .map(|k| (k, counts[k as usize]))
            .filter(|&(k, n)| {
                n >= need
                    && self.keys[k as usize].chars.len().abs_diff(query.len()) <= bound
                    && self.allowed(k, exclude)
            })
            .map(|(k, n)| (n, k))
            .collect();
        cands.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        cands.truncate(MAX_VERIFY);
        let last = query.last();
        let mut hits: Vec<(usize, KeyRank, Hit)> = Vec::new();
        let mut best = bound;
        for (n, k) in cands {
            // Each edit loses at most one shared character: stop when none can beat the best.
            if seen.len().saturating_sub(usize::from(n)) > best {
                break;
            }
            let kc = &self.keys[k as usize].chars;
            if let Some(d) = distance::bounded(query, kc, bound)
                && d > 0
            {
                let head_changed = kc.last() != last;
                best = best.min(d);
                hits.push((
                    d + usize::from(head_changed),
                    self.rank_key(k),
                    self.hit(k, HitKind::Fuzzy, d),
                ));
            }
        }
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        hits.into_iter().map(|h| h.2).collect()
    }

    /// Keys whose primary pinyin is within `bound` letter edits of `query`, best first.
    pub(crate) fn fuzzy_pinyin(&self, query: &str, bound: usize, exclude: Option<u32>) -> Vec<Hit> {
        let q = query.as_bytes();
        if q.len() < 3 {
            return Vec::new();
        }
        let mut counts = vec![0u8; self.keys.len()];
        let mut touched: Vec<u32> = Vec::new();
        let grams: Vec<[u8; 3]> = trigrams(q).collect();
        for g in &grams {
            if let Some(ids) = self.py_tri.get(g) {
                for &k in ids {
                    let n = &mut counts[k as usize];
                    if *n == 0 {
                        touched.push(k);
                    }
                    *n = n.saturating_add(1);
                }
            }
        }
        // Each edit destroys at most three trigrams.
        let need = grams.len().saturating_sub(3 * bound).max(1) as u8;
        let mut cands: Vec<(u8, u32)> = touched
            .into_iter()
            .map(|k| (k, counts[k as usize]))
            .filter(|&(k, n)| {
                n >= need
                    && self.keys[k as usize].py.len().abs_diff(q.len()) <= bound
                    && self.allowed(k, exclude)
            })
            .map(|(k, n)| (n, k))
            .collect();
        cands.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        cands.truncate(MAX_VERIFY);
        let mut hits: Vec<(usize, KeyRank, Hit)> = Vec::new();
        let mut best = bound;
        for (n, k) in cands {
            // Each edit loses at most three trigrams: stop when none can beat the best.
            if grams.len().saturating_sub(usize::from(n)) > 3 * best {
                break;
            }
            if let Some(d) = distance::bounded(q, self.keys[k as usize].py.as_bytes(), best) {
                best = best.min(d);
                hits.push((d, self.rank_key(k), self.hit(k, HitKind::Fuzzy, d)));
            }
        }
        hits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        hits.into_iter().map(|h| h.2).collect()
    }

    /// Per-category counts of items with a name ending in `suffix`, minus the excluded item.
    pub(crate) fn suffix_counts(&self, suffix: &str, exclude: Option<u32>) -> Counts {
        self.affix_counts(&self.suffix, suffix, exclude, true)
    }

    /// Per-category counts of items with a name starting with `prefix` (strictly longer than
    /// it), minus the excluded item.
    pub(crate) fn prefix_counts(&self, prefix: &str, exclude: Option<u32>) -> Counts {
        self.affix_counts(&self.prefix, prefix, exclude, false)
    }

    fn affix_counts(
        &self,
        map: &Map<String, Counts>,
        a: &str,
        exclude: Option<u32>,
        suffix: bool,
    ) -> Counts {
        let mut c = map.get(a).copied().unwrap_or([0; 7]);
        if let Some(ex) = exclude {
            let hit = self.item_keys[ex as usize].iter().any(|&k| {
                let t = &self.keys[k as usize].text;
                if suffix {
                    t.ends_with(a)
                } else {
                    t.starts_with(a) && t.len() > a.len()
                }
            });
            if hit {
                let i = self.items[ex as usize].category.index();
                c[i] = c[i].saturating_sub(1);
            }
        }
        c
    }

    /// Per-category counts of items with a name containing `c`, minus the excluded item.
    pub(crate) fn contains_counts(&self, c: char, exclude: Option<u32>) -> Counts {
        let mut n = self.contains.get(&c).copied().unwrap_or([0; 7]);
        if let Some(ex) = exclude
            && self.item_keys[ex as usize]
                .iter()
                .any(|&k| self.keys[k as usize].chars.contains(&c))
        {
            let i = self.items[ex as usize].category.index();
            n[i] = n[i].saturating_sub(1);
        }
        n
    }

    /// Items whose name ends with `suffix` (one or two characters), common first.
    pub(crate) fn items_with_suffix(&self, suffix: &str) -> &[u32] {
        self.suffix_items
            .get(suffix)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// English: exact phrase first, then the item covering most query words with the same last
    /// word. Words not in the vocabulary are corrected to a word within one or two edits.
    pub(crate) fn english(&self, words: &[String], exclude: Option<u32>) -> Option<EnglishHit> {
        if words.is_empty() {
            return None;
        }
        let words: Vec<String> = words.iter().map(|w| self.correct_word(w)).collect();
        if let Some(hit) = self.english_exact(&words, exclude) {
            return Some(hit);
        }
        let head = words.last()?;
        let mut best: Option<(i32, u32, String, bool)> = None;
        let mut cands: Vec<u32> = Vec::new();
        for w in &words {
            if let Some(ids) = self.en_words.get(w) {
                for &i in ids {
                    if Some(i) != exclude && !cands.contains(&i) {
                        cands.push(i);
                    }
                }
            }
        }
        for i in cands {
            for (pw, phrase) in &self.en_phrases[i as usize] {
                let matched = words.iter().filter(|w| pw.contains(w)).count() as i32;
                let is_head = pw.last() == Some(head);
                let extra = pw.len() as i32 - matched;
                let score = matched * 4 + if is_head { 6 } else { 0 } - extra;
                let full = is_head && matched as usize == words.len();
                if best.as_ref().is_none_or(|b| score > b.0) {
                    best = Some((score, i, phrase.clone(), full));
                }
            }
        }
        best.map(|(_, item, phrase, full)| EnglishHit { item, phrase, full })
    }

    /// An item with exactly this English name (words already folded by `english_words`).
    pub(crate) fn english_exact(
        &self,
        words: &[String],
        exclude: Option<u32>,
    ) -> Option<EnglishHit> {
        let ids = self.en_exact.get(&words.join(" "))?;
        let i = ids
            .iter()
            .copied()
            .filter(|&i| Some(i) != exclude)
            .min_by_key(|&i| self.items[i as usize].name.chars().count())?;
        let phrase = self.phrase_of(i, words);
        Some(EnglishHit {
            item: i,
            phrase,
            full: true,
        })
    }

    /// Per-category counts of items with an English name whose last word is `head`.
    pub(crate) fn english_head_counts(&self, head: &str, exclude: Option<u32>) -> Counts {
        let mut c = [0u16; 7];
        if let Some(ids) = self.en_words.get(head) {
            for &i in ids {
                if Some(i) == exclude {
                    continue;
                }
                if self.en_phrases[i as usize]
                    .iter()
                    .any(|(w, _)| w.last().map(String::as_str) == Some(head))
                {
                    c[self.items[i as usize].category.index()] += 1;
                }
            }
        }
        c
    }

    /// Per-category counts of items with an English name containing the word `w`.
    pub(crate) fn english_word_counts(&self, w: &str, exclude: Option<u32>) -> Counts {
        let mut c = [0u16; 7];
        for &i in self.en_words.get(w).map(Vec::as_slice).unwrap_or(&[]) {
            if Some(i) != exclude {
                c[self.items[i as usize].category.index()] += 1;
            }
        }
        c
    }

    /// Words corrected to the vocabulary where a close word exists.
    pub(crate) fn correct_words(&self, words: &[String]) -> Vec<String> {
        words.iter().map(|w| self.correct_word(w)).collect()
    }

    /// True when `w` is an English word of the dictionary.
    pub(crate) fn is_english_word(&self, w: &str) -> bool {
        self.en_words.contains_key(w)
    }

    fn correct_word(&self, w: &str) -> String {
        if w.len() < 4 || self.en_words.contains_key(w) {
            return w.to_string();
        }
        let bound = if w.len() >= 7 { 2 } else { 1 };
        let wb = w.as_bytes();
        let mut best: Option<(usize, &String)> = None;
        // Typos rarely hit the first letter; looking only there keeps this a few dozen words.
        for v in &self.en_vocab[vocab_bucket(w)] {
            if v.len().abs_diff(w.len()) > bound {
                continue;
            }
            if let Some(d) = distance::bounded(wb, v.as_bytes(), bound)
                && best.is_none_or(|b| d < b.0)
            {
                best = Some((d, v));
            }
        }
        best.map(|b| b.1.clone()).unwrap_or_else(|| w.to_string())
    }

    fn phrase_of(&self, item: u32, words: &[String]) -> String {
        self.en_phrases[item as usize]
            .iter()
            .find(|(w, _)| w.as_slice() == words)
            .map(|(_, p)| p.clone())
            .unwrap_or_else(|| words.join(" "))
    }

    /// True when the text has a CJK character.
    pub(crate) fn has_cjk(s: &str) -> bool {
        s.chars().any(is_cjk)
    }
}

fn vocab_bucket(w: &str) -> usize {
    match w.as_bytes().first() {
        Some(b @ b'a'..=b'z') => usize::from(b - b'a'),
        Some(b @ b'0'..=b'9') => 26 + usize::from(b - b'0'),
        _ => 36,
    }
}

fn push_unique(v: &mut Vec<u32>, id: u32) {
    if v.last() != Some(&id) {
        v.push(id);
    }
}

fn trigrams(b: &[u8]) -> impl Iterator<Item = [u8; 3]> + '_ {
    b.windows(3).map(|w| [w[0], w[1], w[2]])
}
