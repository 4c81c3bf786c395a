//! Divan micro-benchmarks of the sorting guide: one lookup per kind of query, and building the
//! index from the embedded data. `cargo bench -p fenlei-guide` (figures in BENCHMARKS.md).

use fenlei_guide::{EMBEDDED, Guide};

fn main() {
    // Build once outside the timed region.
    let _ = Guide::embedded();
    divan::main();
}

const QUERIES: &[(&str, &str)] = &[
    ("exact", "快餐盒"),
    ("traditional", "舊電池"),
    ("phrasing", "吃剩的鸡骨头"),
    ("pinyin", "kuaicanhe"),
    ("initials", "kch"),
    ("mixed", "kuai餐盒"),
    ("typo_char", "快吃盒子"),
    ("pinyin_typo", "kuaicnahe"),
    ("english", "banana peel"),
    ("english_typo", "bananna peel"),
    ("head_noun_guess", "南孚电池"),
    ("affix_guess", "进口榴莲皮壳"),
    ("fallback", "xqzv"),
];

#[divan::bench(args = QUERIES.iter().map(|q| q.0))]
fn lookup(bencher: divan::Bencher, kind: &str) {
    let guide = Guide::embedded();
    let query = QUERIES
        .iter()
        .find(|q| q.0 == kind)
        .map(|q| q.1)
        .unwrap_or_default();
    bencher.bench(|| guide.lookup(divan::black_box(query), "shanghai"));
}

#[divan::bench(sample_count = 10)]
fn build_index() -> Guide {
    Guide::build(&EMBEDDED)
}
