//! In-process latency benchmark over the evaluation queries: index build time, approximate
//! index memory, and per-lookup latency percentiles. Shared by `fenlei guide bench` and the
//! `bench` example so the figures in BENCHMARKS.md come from one implementation.
//!
//! Not a micro-benchmark harness (see `benches/lookup.rs` for divan) and not a timed test.

use std::time::{Duration, Instant};

use crate::{EMBEDDED, Guide, eval};

/// Figures of one run.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// Items in the dictionary.
    pub items: usize,
    /// Searchable keys (names, aliases, derived names).
    pub keys: usize,
    /// Median and minimum of five index builds.
    pub build_median: Duration,
    /// Fastest index build.
    pub build_min: Duration,
    /// Approximate heap bytes of the index.
    pub index_bytes: usize,
    /// Distinct queries.
    pub queries: usize,
    /// Rounds over the queries.
    pub rounds: usize,
    /// Lookups per second on one thread, all rounds.
    pub lookups_per_s: f64,
    /// Percentiles (µs) of every single lookup: p50, p90, p99, p99.9, max.
    pub all: [f64; 5],
    /// Percentiles (µs) of each query's fastest round: filters out other processes' noise
    /// on a shared machine.
    pub best_of_rounds: [f64; 5],
}

impl BenchReport {
    /// Human-readable lines.
    pub fn text(&self) -> String {
        let p = |v: &[f64; 5]| {
            format!(
                "p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.1} µs",
                v[0], v[1], v[2], v[3], v[4]
            )
        };
        format!(
            "items {}, searchable keys {}\n\
             index build: median {:.1} ms, min {:.1} ms (5 builds, includes parsing the embedded CSV)\n\
             index memory (approx. heap bytes): {:.2} MiB\n\
             lookups: {} queries x {} rounds, {:.0} lookups/s on one thread\n\
             latency, every lookup:         {}\n\
             latency, best round per query: {}\n",
            self.items,
            self.keys,
            self.build_median.as_secs_f64() * 1e3,
            self.build_min.as_secs_f64() * 1e3,
            self.index_bytes as f64 / (1024.0 * 1024.0),
            self.queries,
            self.rounds,
            self.lookups_per_s,
            p(&self.all),
            p(&self.best_of_rounds),
        )
    }
}

/// Runs the benchmark: five index builds, then `rounds` passes over the evaluation queries
/// (each a full [`Guide::lookup`], answer included).
pub fn run(rounds: usize) -> BenchReport {
    let rounds = rounds.max(1);
    let mut builds: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(Guide::build(&EMBEDDED));
            t.elapsed()
        })
        .collect();
    builds.sort();
    let guide = Guide::embedded();
    let set = eval::generate(guide);
    let queries: Vec<(&str, &str)> = set
        .cases
        .iter()
        .map(|c| (c.query.as_str(), c.city.as_str()))
        .collect();
    for (q, c) in queries.iter().take(2000) {
        std::hint::black_box(guide.lookup(q, c));
    }
    let mut best = vec![u64::MAX; queries.len()];
    let mut all: Vec<u64> = Vec::with_capacity(queries.len() * rounds);
    let start = Instant::now();
    for _ in 0..rounds {
        for (i, (q, c)) in queries.iter().enumerate() {
            let t = Instant::now();
            let a = guide.lookup(q, c);
            let ns = t.elapsed().as_nanos() as u64;
            std::hint::black_box(a);
            all.push(ns);
            best[i] = best[i].min(ns);
        }
    }
    let wall = start.elapsed();
    BenchReport {
        items: guide.items().len(),
        keys: guide.index().key_count(),
        build_median: builds[2],
        build_min: builds[0],
        index_bytes: guide.index().approx_bytes(),
        queries: queries.len(),
        rounds,
        lookups_per_s: all.len() as f64 / wall.as_secs_f64(),
        all: percentiles(&mut all),
        best_of_rounds: percentiles(&mut best),
    }
}

fn percentiles(v: &mut [u64]) -> [f64; 5] {
    v.sort_unstable();
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0;
    [at(0.5), at(0.9), at(0.99), at(0.999), at(1.0)]
}
