//! A small deterministic random generator (SplitMix64) and the few distributions the simulator
//! draws from. Hand-written so that output never changes with a dependency's version: a seed
//! must give the same city forever.

/// SplitMix64: fast, statistically solid for simulation, seedable from any `u64`.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A generator for one stream of a simulation, e.g. `(seed, "putin", estate, day)`.
    pub fn for_stream(seed: u64, stream: u64, a: u64, b: u64) -> Rng {
        Rng(mix(mix(mix(seed ^ 0x9e37_79b9_7f4a_7c15) ^ stream) ^ a) ^ b)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
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

/// The SplitMix64 finaliser: a good 64-bit mixing function.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform `[0, 1)` value fixed by a key: a household's lasting traits without storing them.
pub fn unit_hash(seed: u64, stream: u64, key: u64) -> f64 {
    (mix(mix(seed ^ stream.rotate_left(17)) ^ key) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}
