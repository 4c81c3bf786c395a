//! How participation bitmaps are stored, and how a period's bitmaps are unioned.
//!
//! Households are numbered in tree order, so the households of a unit form a dense run of
//! ids: an estate's participants fit in a few 64-bit words, where a roaring array container
//! spends two bytes per participant. Each blob is stored in whichever form is smaller:
//!
//! - `1` + roaring's portable serialization, for sparse sets;
//! - `2` + base `u32` (a multiple of 64) + little-endian `u64` words, bit `i` = household
//!   `base + i`.
//!
//! Counting the union of a period's blobs ORs words into one dense buffer and counts bits; no
//! set is materialised element by element.

use roaring::RoaringBitmap;

const ROARING: u8 = 1;
const DENSE: u8 = 2;

/// Why a blob could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("corrupt participation bitmap: {0}")]
pub struct BitmapError(String);

/// Encodes `set` in its smaller form, appending to `out`.
pub fn encode(set: &RoaringBitmap, out: &mut Vec<u8>) {
    let (Some(min), Some(max)) = (set.min(), set.max()) else {
        out.push(DENSE);
        out.extend_from_slice(&0u32.to_le_bytes());
        return;
    };
    let base = min & !63;
    let words = ((max - base) / 64 + 1) as usize;
    let dense_len = 5 + words * 8;
    let roaring_len = 1 + set.serialized_size();
    if roaring_len < dense_len {
        out.push(ROARING);
        set.serialize_into(&mut *out)
            .expect("writing to a Vec cannot fail");
        return;
    }
    out.push(DENSE);
    out.extend_from_slice(&base.to_le_bytes());
    let mut buf = vec![0u64; words];
    for h in set.iter() {
        let i = (h - base) as usize;
        buf[i / 64] |= 1 << (i % 64);
    }
    for w in buf {
        out.extend_from_slice(&w.to_le_bytes());
    }
}

/// Decodes a blob into a roaring bitmap.
pub fn decode(blob: &[u8]) -> Result<RoaringBitmap, BitmapError> {
    match blob.first() {
        Some(&ROARING) => {
            RoaringBitmap::deserialize_from(&blob[1..]).map_err(|e| BitmapError(e.to_string()))
        }
        Some(&DENSE) => {
            let (base, words) = dense(blob)?;
            let mut ids = Vec::new();
            for (i, w) in words.enumerate() {
                let mut w = w;
                while w != 0 {
                    ids.push(base + (i as u32) * 64 + w.trailing_zeros());
                    w &= w - 1;
                }
            }
            RoaringBitmap::from_sorted_iter(ids).map_err(|e| BitmapError(e.to_string()))
        }
        _ => Err(BitmapError("unknown encoding".into())),
    }
}

fn dense(blob: &[u8]) -> Result<(u32, impl Iterator<Item = u64> + '_), BitmapError> {
    let base = u32::from_le_bytes(
        blob.get(1..5)
            .ok_or_else(|| BitmapError("short header".into()))?
            .try_into()
            .expect("4 bytes"),
    );
    let body = &blob[5..];
    if !body.len().is_multiple_of(8) || !base.is_multiple_of(64) {
        return Err(BitmapError("misaligned dense bitmap".into()));
    }
    Ok((
        base,
        body.chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))),
    ))
}

/// Accumulates the union of blobs and counts its members.
#[derive(Default)]
pub struct Union {
    /// Dense words from `base` on.
    words: Vec<u64>,
    base: u32,
    sparse: RoaringBitmap,
}

impl Union {
    /// Adds one blob to the union.
    pub fn add(&mut self, blob: &[u8]) -> Result<(), BitmapError> {
        match blob.first() {
            Some(&DENSE) => {
                let (base, words) = dense(blob)?;
                let n = (blob.len() - 5) / 8;
                if n == 0 {
                    return Ok(());
                }
                self.reserve(base, base + n as u32 * 64);
                let offset = ((base - self.base) / 64) as usize;
                for (i, w) in words.enumerate() {
                    self.words[offset + i] |= w;
                }
                Ok(())
            }
            Some(&ROARING) => {
                self.sparse |= decode(blob)?;
                Ok(())
            }
            _ => Err(BitmapError("unknown encoding".into())),
        }
    }

    fn reserve(&mut self, from: u32, to: u32) {
        if self.words.is_empty() {
            self.base = from;
            self.words = vec![0; ((to - from) / 64) as usize];
            return;
        }
        if from < self.base {
            let extra = ((self.base - from) / 64) as usize;
            self.words.splice(0..0, std::iter::repeat_n(0, extra));
            self.base = from;
        }
        let need = ((to - self.base) / 64) as usize;
        if need > self.words.len() {
            self.words.resize(need, 0);
        }
    }

    /// Members of the union.
    pub fn len(&self) -> u64 {
        let dense: u64 = self.words.iter().map(|w| w.count_ones() as u64).sum();
        // Members present in both forms must count once.
        let mut both = 0;
        for h in self.sparse.iter() {
            if h >= self.base {
                let i = (h - self.base) as usize;
                if i / 64 < self.words.len() && self.words[i / 64] & (1 << (i % 64)) != 0 {
                    both += 1;
                }
            }
        }
        dense + self.sparse.len() - both
    }

    /// Members of the union in `lo..hi`.
    pub fn count_range(&self, lo: u32, hi: u32) -> u64 {
        let mut n = 0u64;
        if !self.words.is_empty() && hi > lo {
            let end = self.base as u64 + self.words.len() as u64 * 64;
            let (a, b) = ((lo as u64).max(self.base as u64), (hi as u64).min(end));
            let mut x = a;
            while x < b {
                let i = ((x - self.base as u64) / 64) as usize;
                let bit = (x - self.base as u64) % 64;
                let take = (64 - bit).min(b - x);
                let mask = if take == 64 {
                    u64::MAX
                } else {
                    ((1u64 << take) - 1) << bit
                };
                n += (self.words[i] & mask).count_ones() as u64;
                x += take;
            }
        }
        for h in self.sparse.range(lo..hi) {
            let dense_has = h >= self.base && {
                let i = (h - self.base) as usize;
                i / 64 < self.words.len() && self.words[i / 64] & (1 << (i % 64)) != 0
            };
            n += u64::from(!dense_has);
        }
        n
    }

    /// Whether the union is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(set: &RoaringBitmap) -> (RoaringBitmap, usize) {
        let mut blob = Vec::new();
        encode(set, &mut blob);
        (decode(&blob).expect("decodes"), blob.len())
    }

    #[test]
    fn dense_runs_are_stored_as_words_and_sparse_sets_as_roaring() {
        let estate: RoaringBitmap = (10_000..10_375).filter(|h| h % 4 != 0).collect();
        let (back, len) = round_trip(&estate);
        assert_eq!(back, estate);
        assert!(len < 70, "an estate's participants take {len} bytes");
        let sparse: RoaringBitmap = [3, 1_000_000, 9_000_000].into_iter().collect();
        let (back, len) = round_trip(&sparse);
        assert_eq!(back, sparse);
        assert!(len < 40, "{len}");
        assert_eq!(round_trip(&RoaringBitmap::new()).0, RoaringBitmap::new());
    }

    #[test]
    fn unions_count_each_member_once_across_forms() {
        let sets: Vec<RoaringBitmap> = vec![
            (100..500).collect(),
            (450..900).step_by(2).collect(),
            [5, 450, 1_000_000].into_iter().collect(),
            (64..70).collect(),
        ];
        let mut union = Union::default();
        let mut expected = RoaringBitmap::new();
        for s in &sets {
            let mut blob = Vec::new();
            encode(s, &mut blob);
            union.add(&blob).expect("adds");
            expected |= s;
        }
        assert_eq!(union.len(), expected.len());
        for (lo, hi) in [
            (0, 10),
            (64, 70),
            (100, 500),
            (63, 129),
            (450, 451),
            (0, 2_000_000),
            (7, 7),
        ] {
            assert_eq!(
                union.count_range(lo, hi),
                expected.range(lo..hi).count() as u64,
                "{lo}..{hi}"
            );
        }
    }
}
