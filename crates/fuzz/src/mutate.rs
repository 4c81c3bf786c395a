//! Structure-aware mutations of a seed: bytes, tokens, lines and fields.
//!
//! Positions are proptest [`Index`]es, scaled to the input's current length when applied, so a
//! mutation list stays meaningful while proptest shrinks it. "Fields" are the runs between
//! separators (`,` tab space `:` `|` `;` `=`), which covers CSV cells, JSON members and the
//! whitespace-separated columns of routing files alike.

use crate::corpus::Seed;
use proptest::prelude::*;
use proptest::sample::Index;
use std::ops::Range;

/// Bytes that separate fields.
const SEPARATORS: &[u8] = b",\t :|;=";

/// One edit of an input.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// Flip one bit.
    FlipBit {
        /// Where.
        at: Index,
        /// Which bit, 0..8.
        bit: u8,
    },
    /// Overwrite one byte.
    SetByte {
        /// Where.
        at: Index,
        /// The new byte.
        byte: u8,
    },
    /// Insert a dictionary token.
    Insert {
        /// Where.
        at: Index,
        /// Which token.
        token: Index,
    },
    /// Insert a token many times over (long lines, deep nesting, huge numbers).
    Repeat {
        /// Where.
        at: Index,
        /// Which token.
        token: Index,
        /// How many copies.
        times: u16,
    },
    /// Delete a run of bytes.
    Delete {
        /// Where it starts.
        at: Index,
        /// How many bytes.
        len: u16,
    },
    /// Copy a run of bytes elsewhere.
    Duplicate {
        /// Where the run starts.
        from: Index,
        /// Its length.
        len: u16,
        /// Where the copy goes.
        to: Index,
    },
    /// Insert a run of bytes from another seed.
    Splice {
        /// Which seed.
        seed: Index,
        /// Where the run starts in it.
        from: Index,
        /// Its length.
        len: u16,
        /// Where it goes.
        at: Index,
    },
    /// Cut the input short.
    Truncate {
        /// Where.
        at: Index,
    },
    /// Delete one line.
    DeleteLine {
        /// Which.
        line: Index,
    },
    /// Copy one line before another.
    DuplicateLine {
        /// Which.
        line: Index,
        /// Before which line.
        to: Index,
    },
    /// Swap two lines.
    SwapLines {
        /// One.
        a: Index,
        /// The other.
        b: Index,
    },
    /// Swap two fields of a line.
    SwapFields {
        /// Which line.
        line: Index,
        /// One field.
        a: Index,
        /// The other.
        b: Index,
    },
    /// Replace a field of a line by a dictionary token.
    ReplaceField {
        /// Which line.
        line: Index,
        /// Which field.
        field: Index,
        /// Which token.
        token: Index,
    },
    /// Overwrite four bytes with a little-endian number (lengths and counts in binary files).
    PutU32 {
        /// Where.
        at: Index,
        /// The number.
        value: u32,
    },
}

/// Interesting 32-bit values for [`Mutation::PutU32`].
fn interesting_u32() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(2),
        Just(0x7f),
        Just(0xff),
        Just(0xffff),
        Just(0x0100_0000),
        Just(0x7fff_ffff),
        Just(0x8000_0000),
        Just(u32::MAX),
        Just(u32::MAX - 15),
        any::<u32>(),
    ]
}

/// The strategy for one mutation.
pub fn mutation() -> impl Strategy<Value = Mutation> {
    let i = || any::<Index>();
    prop_oneof![
        1 => (i(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        1 => (i(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte { at, byte }),
        3 => (i(), i()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        1 => (i(), i(), 1u16..3000).prop_map(|(at, token, times)| Mutation::Repeat { at, token, times }),
        1 => (i(), 1u16..64).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => (i(), 1u16..256, i()).prop_map(|(from, len, to)| Mutation::Duplicate { from, len, to }),
        1 => (i(), i(), 1u16..256, i())
            .prop_map(|(seed, from, len, at)| Mutation::Splice { seed, from, len, at }),
        1 => (i()).prop_map(|at| Mutation::Truncate { at }),
        1 => (i()).prop_map(|line| Mutation::DeleteLine { line }),
        1 => (i(), i()).prop_map(|(line, to)| Mutation::DuplicateLine { line, to }),
        1 => (i(), i()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        2 => (i(), i(), i()).prop_map(|(line, a, b)| Mutation::SwapFields { line, a, b }),
        3 => (i(), i(), i())
            .prop_map(|(line, field, token)| Mutation::ReplaceField { line, field, token }),
        1 => (i(), interesting_u32()).prop_map(|(at, value)| Mutation::PutU32 { at, value }),
    ]
}

/// A position in `0..=len` (insertion points include the end).
fn point(at: &Index, len: usize) -> usize {
    at.index(len + 1)
}

/// A position in `0..len`, if there is one.
fn position(at: &Index, len: usize) -> Option<usize> {
    (len > 0).then(|| at.index(len))
}

/// The byte ranges of the lines (without their newline).
fn lines(data: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' {
            out.push(start..i);
            start = i + 1;
        }
    }
    if start < data.len() {
        out.push(start..data.len());
    }
    out
}

/// The byte ranges of the fields in `range` of `data`.
fn fields(data: &[u8], range: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for i in range.clone() {
        match (SEPARATORS.contains(&data[i]), start) {
            (true, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..range.end);
    }
    out
}

/// Swaps two non-overlapping ranges of `data` (`a` before `b`).
fn swap_ranges(data: &mut Vec<u8>, a: Range<usize>, b: Range<usize>) {
    let (a, b) = if a.start <= b.start { (a, b) } else { (b, a) };
    if a.end > b.start {
        return;
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&data[..a.start]);
    out.extend_from_slice(&data[b.clone()]);
    out.extend_from_slice(&data[a.end..b.start]);
    out.extend_from_slice(&data[a]);
    out.extend_from_slice(&data[b.end..]);
    *data = out;
}

/// Applies `mutations` to a copy of `seed`, drawing tokens from `tokens` and splices from
/// `seeds`; the result is cut to `max_len` bytes.
pub fn apply(
    seed: &[u8],
    mutations: &[Mutation],
    seeds: &[Seed],
    tokens: &[Vec<u8>],
    max_len: usize,
) -> Vec<u8> {
    let mut data = seed.to_vec();
    for m in mutations {
        let len = data.len();
        match m {
            Mutation::FlipBit { at, bit } => {
                if let Some(i) = position(at, len) {
                    data[i] ^= 1 << bit;
                }
            }
            Mutation::SetByte { at, byte } => {
                if let Some(i) = position(at, len) {
                    data[i] = *byte;
                }
            }
            Mutation::Insert { at, token } => {
                let i = point(at, len);
                data.splice(i..i, token.get(tokens).iter().copied());
            }
            Mutation::Repeat { at, token, times } => {
                let i = point(at, len);
                let t = token.get(tokens);
                let run: Vec<u8> = t.repeat(*times as usize);
                data.splice(i..i, run);
            }
            Mutation::Delete { at, len: n } => {
                if let Some(i) = position(at, len) {
                    data.drain(i..(i + *n as usize).min(len));
                }
            }
            Mutation::Duplicate { from, len: n, to } => {
                if let Some(i) = position(from, len) {
                    let run = data[i..(i + *n as usize).min(len)].to_vec();
                    let j = point(to, len);
                    data.splice(j..j, run);
                }
            }
            Mutation::Splice {
                seed,
                from,
                len: n,
                at,
            } => {
                let other = &seed.get(seeds).bytes;
                if let Some(i) = position(from, other.len()) {
                    let j = point(at, len);
                    let run = &other[i..(i + *n as usize).min(other.len())];
                    data.splice(j..j, run.iter().copied());
                }
            }
            Mutation::Truncate { at } => data.truncate(point(at, len)),
            Mutation::DeleteLine { line } => {
                let ls = lines(&data);
                if let Some(k) = position(line, ls.len()) {
                    let end = (ls[k].end + 1).min(len);
                    data.drain(ls[k].start..end);
                }
            }
            Mutation::DuplicateLine { line, to } => {
                let ls = lines(&data);
                if let (Some(k), Some(t)) = (position(line, ls.len()), position(to, ls.len())) {
                    let mut copy = data[ls[k].clone()].to_vec();
                    copy.push(b'\n');
                    let at = ls[t].start;
                    data.splice(at..at, copy);
                }
            }
            Mutation::SwapLines { a, b } => {
                let ls = lines(&data);
                if let (Some(x), Some(y)) = (position(a, ls.len()), position(b, ls.len()))
                    && x != y
                {
                    swap_ranges(&mut data, ls[x].clone(), ls[y].clone());
                }
            }
            Mutation::SwapFields { line, a, b } => {
                let ls = lines(&data);
                if let Some(k) = position(line, ls.len()) {
                    let fs = fields(&data, ls[k].clone());
                    if let (Some(x), Some(y)) = (position(a, fs.len()), position(b, fs.len()))
                        && x != y
                    {
                        swap_ranges(&mut data, fs[x].clone(), fs[y].clone());
                    }
                }
            }
            Mutation::ReplaceField { line, field, token } => {
                let ls = lines(&data);
                if let Some(k) = position(line, ls.len()) {
                    let fs = fields(&data, ls[k].clone());
                    if let Some(x) = position(field, fs.len()) {
                        data.splice(fs[x].clone(), token.get(tokens).iter().copied());
                    }
                }
            }
            Mutation::PutU32 { at, value } => {
                let i = point(at, len);
                let end = (i + 4).min(len);
                data.splice(i..end, value.to_le_bytes());
            }
        }
        data.truncate(max_len);
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_lines_are_found() {
        let data = b"a,bb,,c\nx y\n".to_vec();
        assert_eq!(lines(&data), vec![0..7, 8..11]);
        assert_eq!(fields(&data, 0..7), vec![0..1, 2..4, 6..7]);
        let mut swapped = data.clone();
        swap_ranges(&mut swapped, 0..1, 6..7);
        assert_eq!(swapped, b"c,bb,,a\nx y\n");
    }

    #[test]
    fn mutations_edit_the_seed() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let mut any_index = || {
            any::<Index>()
                .new_tree(&mut runner)
                .expect("index")
                .current()
        };
        // One line, one field, one token: every index lands on them.
        let seeds = [Seed::new("s", "abc")];
        let tokens = vec![b"NaN".to_vec()];
        let replace = Mutation::ReplaceField {
            line: any_index(),
            field: any_index(),
            token: any_index(),
        };
        assert_eq!(
            apply(&seeds[0].bytes, &[replace], &seeds, &tokens, 64),
            b"NaN"
        );
        let repeat = Mutation::Repeat {
            at: any_index(),
            token: any_index(),
            times: 100,
        };
        assert_eq!(
            apply(b"", &[repeat], &seeds, &tokens, 64).len(),
            64,
            "cut to max_len"
        );
    }
}
