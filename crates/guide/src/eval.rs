//! The guide's own evaluation set, generated from the shipped data, and the runner that reports
//! top-1 category accuracy per kind of query.
//!
//! Kinds: exact names; leave-one-out (the item removed from the index, so the answer must come
//! from its neighbours: generalisation, not memory); generated character typos (one and two
//! edits), homophone typos, full pinyin, pinyin typos, initials, mixed pinyin+characters,
//! traditional characters, English (and English with a typo, and English left out), and resident
//! phrasings (用过的X, 一个X, 吃剩的X, X是什么垃圾...), also left out. Everything is judged in the
//! dictionary's city (Shanghai) against the item's category there.
//!
//! Not an independent test set: names come from the dictionary, so these figures are an upper
//! bound for unseen queries except for the leave-one-out kinds.

// The generators walk item ids (the index is what each case records), so index loops read best.
#![allow(clippy::needless_range_loop)]

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng as _, SeedableRng};
use serde::Serialize;

use crate::Guide;
use crate::category::Category;
use crate::city::DICTIONARY_CITY;
use crate::py;
use crate::text::is_cjk;

/// One evaluation query.
#[derive(Debug, Clone)]
pub struct Case {
    /// Kind of query (`loo`, `typo_char`, ...).
    pub kind: &'static str,
    /// The query text.
    pub query: String,
    /// City the query is asked in.
    pub city: String,
    /// The category it should get.
    pub expected: Category,
    /// Item left out of the index for this query (leave-one-out kinds).
    pub exclude: Option<u32>,
}

/// The generated set.
#[derive(Debug, Clone, Default)]
pub struct EvalSet {
    /// All cases, grouped by kind in generation order.
    pub cases: Vec<Case>,
}

/// A wrong answer.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    /// Kind of query.
    pub kind: &'static str,
    /// The query.
    pub query: String,
    /// Expected category.
    pub expected: Category,
    /// Answered category.
    pub got: Category,
    /// The answer's reason.
    pub reason: String,
}

/// Accuracy of one kind.
#[derive(Debug, Clone, Serialize)]
pub struct KindScore {
    /// Kind of query.
    pub kind: &'static str,
    /// Number of queries.
    pub total: usize,
    /// Top-1 category right.
    pub correct: usize,
    /// Answers marked as guesses.
    pub guesses: usize,
    /// `correct / total`.
    pub accuracy: f64,
}

/// Results of a run.
#[derive(Debug, Clone)]
pub struct Report {
    /// Per kind, in generation order.
    pub kinds: Vec<KindScore>,
    /// Every wrong answer.
    pub misses: Vec<Miss>,
}

/// The JSON form of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Per kind.
    pub kinds: Vec<KindScore>,
    /// Over all queries.
    pub overall: f64,
}

impl Report {
    /// Accuracy of one kind (0 when absent).
    pub fn accuracy(&self, kind: &str) -> f64 {
        self.kinds
            .iter()
            .find(|k| k.kind == kind)
            .map_or(0.0, |k| k.accuracy)
    }

    /// Accuracy over all queries.
    pub fn overall(&self) -> f64 {
        let total: usize = self.kinds.iter().map(|k| k.total).sum();
        let correct: usize = self.kinds.iter().map(|k| k.correct).sum();
        correct as f64 / total.max(1) as f64
    }

    /// A Markdown table.
    pub fn table(&self) -> String {
        let mut s = String::from(
            "| kind | queries | top-1 category accuracy | answered as guess |\n|---|---:|---:|---:|\n",
        );
        for k in &self.kinds {
            s.push_str(&format!(
                "| {} | {} | {:.1} % | {:.1} % |\n",
                k.kind,
                k.total,
                100.0 * k.accuracy,
                100.0 * k.guesses as f64 / k.total.max(1) as f64
            ));
        }
        let total: usize = self.kinds.iter().map(|k| k.total).sum();
        s.push_str(&format!(
            "| all | {total} | {:.1} % | |\n",
            100.0 * self.overall()
        ));
        s
    }

    /// The JSON form.
    pub fn summary(&self) -> Summary {
        Summary {
            kinds: self.kinds.clone(),
            overall: self.overall(),
        }
    }
}

/// A seeded generator (xoshiro256++ from `rand_xoshiro`), so the set is the same on every
/// machine.
struct Rng(Xoshiro256PlusPlus);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Generates the evaluation set from the guide's own data.
pub fn generate(guide: &Guide) -> EvalSet {
    let mut rng = Rng::new(0x00fe_1e1a);
    let city = DICTIONARY_CITY.to_string();
    let norm = guide.normalizer();
    let items = guide.items();
    let names: Vec<Vec<char>> = items
        .iter()
        .map(|it| norm.key(&it.name).chars().collect())
        .collect();
    let cjk_names = |i: usize| names[i].iter().all(|c| is_cjk(*c));
    let mut charset: Vec<char> = names
        .iter()
        .flatten()
        .copied()
        .filter(|c| is_cjk(*c))
        .collect();
    charset.sort_unstable();
    charset.dedup();
    let mut by_reading: std::collections::BTreeMap<String, Vec<char>> = Default::default();
    for &c in &charset {
        by_reading.entry(py::first_reading(c)).or_default().push(c);
    }
    let mut simp_to_trad: std::collections::BTreeMap<char, char> = Default::default();
    for (t, s) in norm.trad_pairs() {
        let e = simp_to_trad.entry(s).or_insert(t);
        *e = (*e).min(t);
    }
    let mut cases = Vec::new();
    let mut add = |kind: &'static str, query: String, item: usize, exclude: bool| {
        let it = &items[item];
        let key = norm.key(&it.name);
        let rules = guide
            .cities()
            .get(&city)
            .unwrap_or_else(|| guide.cities().national());
        let expected = guide.cities().resolve(rules, it.category, &[&key]).0;
        cases.push(Case {
            kind,
            query,
            city: city.clone(),
            expected,
            exclude: exclude.then_some(item as u32),
        });
    };
    let n = items.len();
    for i in 0..n {
        add("exact", items[i].name.clone(), i, false);
    }
    for i in 0..n {
        add("leave_one_out", items[i].name.clone(), i, true);
    }
    for i in 0..n {
        let w = &names[i];
        if w.len() < 3 || !cjk_names(i) || !rng.chance(40) {
            continue;
        }
        let mut q = w.clone();
        match rng.below(3) {
            0 => q[rng.below(w.len())] = charset[rng.below(charset.len())],
            1 => {
                q.remove(rng.below(w.len()));
            }
            _ => {
                let p = rng.below(w.len() - 1);
                q.swap(p, p + 1);
            }
        }
        add("typo_one_char", q.into_iter().collect(), i, false);
    }
    for i in 0..n {
        let w = &names[i];
        if w.len() < 5 || !cjk_names(i) || !rng.chance(60) {
            continue;
        }
        let mut q = w.clone();
        for _ in 0..2 {
            if rng.chance(50) {
                let p = rng.below(q.len());
                q[p] = charset[rng.below(charset.len())];
            } else {
                q.remove(rng.below(q.len()));
            }
        }
        add("typo_two_chars", q.into_iter().collect(), i, false);
    }
    for i in 0..n {
        let w = &names[i];
        if w.len() < 2 || !cjk_names(i) || !rng.chance(30) {
            continue;
        }
        let p = rng.below(w.len());
        let same: Vec<char> = by_reading
            .get(&py::first_reading(w[p]))
            .map(|v| v.iter().copied().filter(|c| *c != w[p]).collect())
            .unwrap_or_default();
        if same.is_empty() {
            continue;
        }
        let mut q = w.clone();
        q[p] = same[rng.below(same.len())];
        add("homophone", q.into_iter().collect(), i, false);
    }
    for i in 0..n {
        if names[i].len() >= 2 && cjk_names(i) && rng.chance(35) {
            add("pinyin", py::full(&items[i].name), i, false);
        }
    }
    for i in 0..n {
        let p = py::full(&names[i].iter().collect::<String>());
        if p.len() < 6 || !cjk_names(i) || !rng.chance(25) {
            continue;
        }
        let mut b: Vec<u8> = p.into_bytes();
        let pos = rng.below(b.len());
        match rng.below(3) {
            0 => b[pos] = b'a' + rng.below(26) as u8,
            1 => {
                b.remove(pos);
            }
            _ => {
                let p = pos.min(b.len() - 2);
                b.swap(p, p + 1);
            }
        }
        add(
            "pinyin_typo",
            String::from_utf8_lossy(&b).into_owned(),
            i,
            false,
        );
    }
    for i in 0..n {
        let w = &names[i];
        if (2..=6).contains(&w.len()) && cjk_names(i) && rng.chance(35) {
            let ini: String = w
                .iter()
                .map(|c| py::first_reading(*c).chars().next().unwrap_or('x'))
                .collect();
            add("initials", ini, i, false);
        }
    }
    for i in 0..n {
        let w = &names[i];
        if w.len() >= 3 && cjk_names(i) && rng.chance(20) {
            let q = format!(
                "{}{}",
                py::first_reading(w[0]),
                w[1..].iter().collect::<String>()
            );
            add("mixed_pinyin_chars", q, i, false);
        }
    }
    for i in 0..n {
        let w = &names[i];
        if !cjk_names(i) || !w.iter().any(|c| simp_to_trad.contains_key(c)) || !rng.chance(40) {
            continue;
        }
        let q: String = w
            .iter()
            .map(|c| *simp_to_trad.get(c).unwrap_or(c))
            .collect();
        add("traditional", q, i, false);
    }
    for i in 0..n {
        for e in &items[i].english {
            add("english", e.clone(), i, false);
        }
    }
    for i in 0..n {
        for e in &items[i].english {
            let mut b: Vec<u8> = e.clone().into_bytes();
            let long: Vec<usize> = (0..b.len())
                .filter(|&p| b[p].is_ascii_lowercase())
                .collect();
            if b.len() < 6 || long.is_empty() || !rng.chance(50) {
                continue;
            }
            let p = long[rng.below(long.len())];
            if rng.chance(50) {
                b.remove(p);
            } else {
                b[p] = b'a' + rng.below(26) as u8;
            }
            add(
                "english_typo",
                String::from_utf8_lossy(&b).into_owned(),
                i,
                false,
            );
        }
    }
    for i in 0..n {
        if let Some(e) = items[i].english.first() {
            add("english_leave_one_out", e.clone(), i, true);
        }
    }
    const TEMPLATES: &[(&str, &str)] = &[
        ("用过的", ""),
        ("一个", ""),
        ("坏了的", ""),
        ("", "是什么垃圾"),
        ("废", ""),
        ("旧的", ""),
        ("我家的", ""),
        ("这个", "属于什么垃圾"),
    ];
    let mut phrasing = |kind: &'static str, exclude: bool, rng: &mut Rng, percent: u64| {
        for i in 0..n {
            if !cjk_names(i) || !rng.chance(percent) {
                continue;
            }
            let name = &items[i].name;
            let (pre, post) = if items[i].category == Category::Kitchen && rng.chance(50) {
                ("吃剩的", "")
            } else {
                TEMPLATES[rng.below(TEMPLATES.len())]
            };
            add(kind, format!("{pre}{name}{post}"), i, exclude);
        }
    };
    phrasing("resident_phrasing", false, &mut rng, 35);
    phrasing("resident_phrasing_leave_one_out", true, &mut rng, 35);
    EvalSet { cases }
}

/// Runs every case and scores it.
pub fn run(guide: &Guide, set: &EvalSet) -> Report {
    let mut kinds: Vec<KindScore> = Vec::new();
    let mut misses = Vec::new();
    for c in &set.cases {
        let a = guide.lookup_excluding(&c.query, &c.city, c.exclude);
        if kinds.last().is_none_or(|k| k.kind != c.kind) {
            kinds.push(KindScore {
                kind: c.kind,
                total: 0,
                correct: 0,
                guesses: 0,
                accuracy: 0.0,
            });
        }
        let Some(k) = kinds.last_mut() else { continue };
        k.total += 1;
        k.guesses += usize::from(a.guess);
        if a.category == c.expected {
            k.correct += 1;
        } else {
            misses.push(Miss {
                kind: c.kind,
                query: c.query.clone(),
                expected: c.expected,
                got: a.category,
                reason: a.reason,
            });
        }
    }
    for k in &mut kinds {
        k.accuracy = k.correct as f64 / k.total.max(1) as f64;
    }
    Report { kinds, misses }
}
