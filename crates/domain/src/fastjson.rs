//! A fast reader for the flat JSON objects most feed lines are (every put-in): string, number,
//! boolean and null values, no escapes, no nesting. It borrows every string from the line and
//! allocates nothing.
//!
//! It either produces exactly what `serde_json` would, or declines (`None`) and lets
//! `serde_json` read the line; it never guesses. A property test holds it to that.

use crate::validate::PutInFields;
use crate::wire::WireRecord;
use std::borrow::Cow;

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

enum Value<'a> {
    Str(&'a str),
    Num(f64),
    Null,
    Other,
}

/// Reads a JSON number the way serde_json reads it into an `f64`.
fn number(b: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut i = start;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let digits = i - int_start;
    if digits == 0 || (digits > 1 && b[int_start] == b'0') {
        return None;
    }
    let mut simple = b[start] != b'-' && digits <= 15;
    if b.get(i) == Some(&b'.') {
        simple = false;
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        simple = false;
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return None;
        }
    }
    if simple {
        let mut v = 0u64;
        for &c in &b[start..i] {
            v = v * 10 + (c - b'0') as u64;
        }
        return Some((v as f64, i));
    }
    // Rare forms: serde_json's own float parsing, for identical rounding.
    let text = std::str::from_utf8(&b[start..i]).ok()?;
    let v: f64 = serde_json::from_str(text).ok()?;
    Some((v, i))
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// A flat record as the fast reader sees it: borrowed strings and numbers by field, nothing
/// else. Small (a put-in needs no 700-byte [`WireRecord`]) and free of allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Flat<'a> {
    text: [Option<&'a str>; TEXT.len()],
    num: [Option<f64>; NUM.len()],
}

const TEXT: [&str; 17] = [
    "type",
    "id",
    "time",
    "point",
    "household",
    "category",
    "verdict",
    "source",
    "kind",
    "vehicle",
    "grade",
    "facility",
    "origin",
    "unit",
    "inspector",
    "from",
    "to",
];
const NUM: [&str; 6] = [
    "grams", "fill_pct", "net_kg", "gross_kg", "tare_kg", "score",
];

/// The slot of a text field, as in [`TEXT`] (a `match` compiles to length-first comparisons).
fn text_slot(key: &str) -> Option<usize> {
    Some(match key {
        "type" => 0,
        "id" => 1,
        "time" => 2,
        "point" => 3,
        "household" => 4,
        "category" => 5,
        "verdict" => 6,
        "source" => 7,
        "kind" => 8,
        "vehicle" => 9,
        "grade" => 10,
        "facility" => 11,
        "origin" => 12,
        "unit" => 13,
        "inspector" => 14,
        "from" => 15,
        "to" => 16,
        _ => return None,
    })
}

/// The slot of a number field, as in [`NUM`].
fn num_slot(key: &str) -> Option<usize> {
    Some(match key {
        "grams" => 0,
        "fill_pct" => 1,
        "net_kg" => 2,
        "gross_kg" => 3,
        "tare_kg" => 4,
        "score" => 5,
        _ => return None,
    })
}

impl<'a> Flat<'a> {
    fn text(&self, i: usize) -> Option<&'a str> {
        self.text[i]
    }

    /// The `type` field.
    pub fn r#type(&self) -> Option<&'a str> {
        self.text(0)
    }

    /// The general record, for everything that is not a put-in.
    pub fn into_record(self) -> WireRecord<'a> {
        let t = |i: usize| self.text[i].map(Cow::Borrowed);
        WireRecord {
            r#type: t(0),
            id: t(1),
            time: t(2),
            point: t(3),
            household: t(4),
            category: t(5),
            verdict: t(6),
            source: t(7),
            kind: t(8),
            vehicle: t(9),
            grade: t(10),
            facility: t(11),
            origin: t(12),
            unit: t(13),
            inspector: t(14),
            from: t(15),
            to: t(16),
            grams: self.num[0],
            fill_pct: self.num[1],
            net_kg: self.num[2],
            gross_kg: self.num[3],
            tare_kg: self.num[4],
            score: self.num[5],
            ..WireRecord::default()
        }
    }
}

impl PutInFields for Flat<'_> {
    fn id(&self) -> Option<&str> {
        self.text(1)
    }
    fn time(&self) -> Option<&str> {
        self.text(2)
    }
    fn point(&self) -> Option<&str> {
        self.text(3)
    }
    fn category(&self) -> Option<&str> {
        self.text(5)
    }
    fn grams(&self) -> Option<f64> {
        self.num[0]
    }
    fn household(&self) -> Option<&str> {
        self.text(4)
    }
    fn verdict(&self) -> Option<&str> {
        self.text(6)
    }
    fn source(&self) -> Option<&str> {
        self.text(7)
    }
}

const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// High bit set in exactly the bytes of `w` that are zero (no false positives: adding 0x7f to
/// a 7-bit value never carries into the next byte).
fn zero_bytes_exact(w: u64) -> u64 {
    !(((w & LOWS).wrapping_add(LOWS)) | w | LOWS)
}

/// Most quotes a fast-path line may hold (a put-in has 16).
const MAX_QUOTES: usize = 64;

/// Positions of every `"` in the line, eight bytes at a time; `None` if the line holds a
/// backslash or a control byte (escapes, tabs: serde_json's job) or too many quotes.
fn quotes(b: &[u8], out: &mut [u32; MAX_QUOTES]) -> Option<usize> {
    let mut n = 0;
    let mut push = |pos: usize, n: &mut usize| -> Option<()> {
        *out.get_mut(*n)? = pos as u32;
        *n += 1;
        Some(())
    };
    let mut i = 0;
    while i + 8 <= b.len() {
        let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        let bad = zero_bytes_exact(w ^ (ONES * b'\\' as u64)) | zero_bytes_exact(w & (ONES * 0xe0));
        if bad != 0 {
            return None;
        }
        let mut q = zero_bytes_exact(w ^ (ONES * b'"' as u64));
        while q != 0 {
            push(i + (q.trailing_zeros() / 8) as usize, &mut n)?;
            q &= q - 1;
        }
        i += 8;
    }
    for (j, &c) in b[i..].iter().enumerate() {
        match c {
            b'"' => push(i + j, &mut n)?,
            b'\\' | 0..=0x1f => return None,
            _ => {}
        }
    }
    Some(n)
}

/// Reads a flat JSON object, or declines. Declines anything `serde_json` might read
/// differently: escapes, control bytes, nesting, duplicate keys, wrong value types for known
/// fields, trailing bytes.
pub fn parse_flat(line: &[u8]) -> Option<Flat<'_>> {
    // One UTF-8 check for the whole line is far cheaper than one per string; `"` never occurs
    // inside a multi-byte character, so slices between quotes fall on character boundaries.
    let s = std::str::from_utf8(line).ok()?;
    let b = line;
    let mut qpos = [0u32; MAX_QUOTES];
    let nq = quotes(b, &mut qpos)?;
    let qpos = &qpos[..nq];
    let mut next_quote = 0;
    let mut r = Flat::default();
    let mut seen = 0u32;
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return if skip_ws(b, i + 1) == b.len() {
            Some(r)
        } else {
            None
        };
    }
    // Takes the string that opens at `i` (which must be the next quote) and returns it with
    // the position after its closing quote.
    let take_string = |i: usize, next_quote: &mut usize| -> Option<(&str, usize)> {
        let open = *qpos.get(*next_quote)? as usize;
        let close = *qpos.get(*next_quote + 1)? as usize;
        if open != i {
            return None;
        }
        *next_quote += 2;
        Some((s.get(open + 1..close)?, close + 1))
    };
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let (key, j) = take_string(i, &mut next_quote)?;
        i = skip_ws(b, j);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let v = match *b.get(i)? {
            b'"' => {
                let (text, j) = take_string(i, &mut next_quote)?;
                i = j;
                Value::Str(text)
            }
            b'-' | b'0'..=b'9' => {
                let (x, j) = number(b, i)?;
                i = j;
                Value::Num(x)
            }
            b'n' if b[i..].starts_with(b"null") => {
                i += 4;
                Value::Null
            }
            b't' if b[i..].starts_with(b"true") => {
                i += 4;
                Value::Other
            }
            b'f' if b[i..].starts_with(b"false") => {
                i += 5;
                Value::Other
            }
            _ => return None,
        };
        if let Some(t) = text_slot(key) {
            r.text[t] = match v {
                Value::Str(x) => Some(x),
                Value::Null => None,
                _ => return None,
            };
            if seen & (1 << t) != 0 {
                return None;
            }
            seen |= 1 << t;
        } else if let Some(n) = num_slot(key) {
            r.num[n] = match v {
                Value::Num(x) => Some(x),
                Value::Null => None,
                _ => return None,
            };
            let bit = 1 << (TEXT.len() + n);
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
        } else if matches!(key, "containers" | "findings" | "input" | "output") {
            // Nested fields are serde_json's job.
            return None;
        }
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => {
                return (skip_ws(b, i + 1) == b.len() && next_quote == nq).then_some(r);
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_found_at_any_offset_and_escapes_refused() {
        for len in 0..40 {
            for at in 0..len {
                let mut line = vec![b'a'; len];
                line[at] = b'"';
                // Bytes just above the special ones, or with the high bit, must not count.
                if at + 1 < len {
                    line[at + 1] = if at % 2 == 0 { 0x23 } else { 0xff };
                }
                let mut q = [0u32; MAX_QUOTES];
                assert_eq!(quotes(&line, &mut q), Some(1), "len {len} at {at}");
                assert_eq!(q[0] as usize, at);
                for bad in [b'\\', b'\t', 0x01, 0x1f] {
                    line[at] = bad;
                    assert_eq!(quotes(&line, &mut q), None, "byte {bad} at {at}");
                }
            }
        }
    }

    #[test]
    fn slots_match_the_field_tables() {
        for (i, k) in TEXT.iter().enumerate() {
            assert_eq!(text_slot(k), Some(i));
        }
        for (i, k) in NUM.iter().enumerate() {
            assert_eq!(num_slot(k), Some(i));
        }
    }
}
