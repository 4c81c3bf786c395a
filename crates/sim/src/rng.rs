//! The simulator's deterministic random generator (xoshiro256++ from the `rand_xoshiro` crate,
//! one generator per stream) and the few distributions it draws from. Streams and per-household
//! traits are keyed by xxh3 hashes of their coordinates, so each estate-day draws independently
//! and a seed gives the same city for as long as those two crates' outputs stay fixed (both
//! promise value stability within a major version; the versions are pinned in Cargo.lock).

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng as _, SeedableRng};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// A seeded generator for one stream of a simulation.
#[derive(Clone, Debug)]
pub struct Rng(Xoshiro256PlusPlus);

/// The 64-bit hash of a stream's coordinates under `seed`.
fn key(seed: u64, parts: &[u64]) -> u64 {
    let mut bytes = [0u8; 32];
    for (chunk, p) in bytes.chunks_exact_mut(8).zip(parts) {
        chunk.copy_from_slice(&p.to_le_bytes());
    }
    xxh3_64_with_seed(&bytes[..parts.len() * 8], seed)
}

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// A generator for one stream of a simulation, e.g. `(seed, "putin", estate, day)`.
    pub fn for_stream(seed: u64, stream: u64, a: u64, b: u64) -> Rng {
        Rng::new(key(seed, &[stream, a, b]))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `[0, 1)`.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range_f64(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// Uniform integer in `[0, n)`; `n` must be positive.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform integer in `[lo, hi]`.
    pub fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as u64) as u32
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// Approximately normal (sum of four uniforms), mean `mu`, standard deviation `sigma`.
    pub fn normal(&mut self, mu: f64, sigma: f64) -> f64 {
        let s = self.f64() + self.f64() + self.f64() + self.f64() - 2.0;
        mu + sigma * s * (3.0f64).sqrt()
    }

    /// Poisson-distributed count with mean `lambda` (Knuth's method; small means only).
    pub fn poisson(&mut self, lambda: f64) -> u32 {
        let limit = (-lambda).exp();
        let mut k = 0;
        let mut p = self.f64();
        while p > limit && k < 1000 {
            k += 1;
            p *= self.f64();
        }
        k
    }

    /// A random element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A uniform `[0, 1)` value fixed by a key: a household's lasting traits without storing them.
pub fn unit_hash(seed: u64, stream: u64, key_value: u64) -> f64 {
    (key(seed, &[stream, key_value]) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}
