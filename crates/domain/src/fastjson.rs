//! A fast reader for the flat JSON objects most feed lines are (every put-in): string, number,
//! boolean and null values, no escapes, no nesting. It borrows every string from the line and
//! allocates nothing.
//!
//! It either produces exactly what `serde_json` would, or declines (`None`) and lets
//! `serde_json` read the line; it never guesses. A property test holds it to that.

use crate::validate::PutInFields;
use crate::wire::WireRecord;
use std::borrow::Cow;

#[inline(always)]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    // Compact feeds have no whitespace: one comparison decides.
    while i < b.len() && b[i] <= b' ' && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
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
const NUM: [&str; 8] = [
    "grams",
    "fill_pct",
    "net_kg",
    "gross_kg",
    "tare_kg",
    "score",
    "respondents",
    "aware",
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
        "respondents" => 6,
        "aware" => 7,
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
            respondents: self.num[6],
            aware: self.num[7],
            ..WireRecord::default()
        }
    }
}

impl<'a> PutInFields<'a> for Flat<'a> {
    fn id(self) -> Option<&'a str> {
        self.text(1)
    }
    fn time(self) -> Option<&'a str> {
        self.text(2)
    }
    fn point(self) -> Option<&'a str> {
        self.text(3)
    }
    fn category(self) -> Option<&'a str> {
        self.text(5)
    }
    fn grams(self) -> Option<f64> {
        self.num[0]
    }
    fn household(self) -> Option<&'a str> {
        self.text(4)
    }
    fn verdict(self) -> Option<&'a str> {
        self.text(6)
    }
    fn source(self) -> Option<&'a str> {
        self.text(7)
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// High bit set in exactly the bytes of `w` that are zero (no false positives: adding 0x7f to
/// a 7-bit value never carries into the next byte).
fn zero_bytes_exact(w: u64) -> u64 {
    !(((w & LOWS).wrapping_add(LOWS)) | w | LOWS)
}

/// Bytes of `w` that end or spoil a JSON string (`"`, `\\`, control), flagged in their high bit.
#[inline(always)]
fn special_bytes(w: u64) -> u64 {
    zero_bytes_exact(w ^ (ONES * b'"' as u64))
        | zero_bytes_exact(w ^ (ONES * b'\\' as u64))
        | zero_bytes_exact(w & (ONES * 0xe0))
}

/// The first byte that ends or spoils a JSON string: `"`, `\\` or a control byte. Eight bytes
/// at a time; a short tail is padded with spaces into one more word.
#[inline(always)]
fn find_special(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= b.len() {
        let hits = special_bytes(u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes")));
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let mut tail = [b' '; 8];
    tail[..b.len() - i].copy_from_slice(&b[i..]);
    let hits = special_bytes(u64::from_le_bytes(tail));
    (hits != 0).then(|| i + (hits.trailing_zeros() / 8) as usize)
}

/// Reads the string whose opening quote is at `open`; declines escapes and control bytes.
/// `s` is the whole line, known to be UTF-8; a quote never falls inside a character.
#[inline(always)]
fn string(s: &str, open: usize) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    let end = open + 1 + find_special(b.get(open + 1..)?)?;
    if b[end] != b'"' {
        return None;
    }
    Some((s.get(open + 1..end)?, end + 1))
}

/// A field's place in [`Flat`]: text slots first, then number slots, then "not read".
type FieldSlot = u8;
const IGNORED: FieldSlot = (TEXT.len() + NUM.len()) as FieldSlot;
/// Fields whose values are lists or objects: serde_json's job, whatever the value.
const NESTED: FieldSlot = IGNORED + 1;
const START: usize = NESTED as usize + 1;

fn slot_of(key: &str) -> FieldSlot {
    match (text_slot(key), num_slot(key)) {
        (Some(t), _) => t as FieldSlot,
        (_, Some(n)) => (TEXT.len() + n) as FieldSlot,
        _ if matches!(key, "containers" | "findings" | "input" | "output") => NESTED,
        _ => IGNORED,
    }
}

/// Reads flat JSON lines. It remembers which key followed which in the lines it has read, and
/// checks the predicted `"key"` with one byte comparison instead of reading and looking the key
/// up: feeds are written by programs, so the prediction nearly always holds. When it does not,
/// the key is read and looked up, and the prediction updated. Either way the result is the
/// same, and the same as `serde_json`'s wherever the reader accepts the line.
#[derive(Clone, Debug)]
pub struct FlatReader {
    /// For each field slot (and the object's start), the `"key"` that followed it last time.
    next: Vec<Option<(Box<[u8]>, FieldSlot)>>,
}

impl Default for FlatReader {
    fn default() -> Self {
        FlatReader {
            next: vec![None; START + 1],
        }
    }
}

impl FlatReader {
    /// Reads one line, or declines. Declines anything `serde_json` might read differently:
    /// escapes, control bytes, nesting, duplicate keys, wrong value types for known fields,
    /// trailing bytes.
    pub fn read<'a>(&mut self, line: &'a [u8]) -> Option<Flat<'a>> {
        // One UTF-8 check for the whole line is far cheaper than one per string.
        let s = std::str::from_utf8(line).ok()?;
        let b = line;
        let mut r = Flat::default();
        let mut seen = 0u32;
        let mut i = skip_ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i = skip_ws(b, i + 1);
        if b.get(i) == Some(&b'}') {
            return (skip_ws(b, i + 1) == b.len()).then_some(r);
        }
        let mut prev = START;
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let slot = match &self.next[prev] {
                Some((key, slot)) if b[i..].starts_with(key) => {
                    i += key.len();
                    *slot
                }
                _ => {
                    let (key, j) = string(s, i)?;
                    let slot = slot_of(key);
                    self.next[prev] = Some((b[i..j].into(), slot));
                    i = j;
                    slot
                }
            };
            i = skip_ws(b, i);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = skip_ws(b, i + 1);
            let v = match *b.get(i)? {
                b'"' => {
                    let (text, j) = string(s, i)?;
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
                // Nested values are serde_json's job.
                _ => return None,
            };
            if slot == NESTED {
                return None;
            }
            if slot != IGNORED {
                if seen & (1 << slot) != 0 {
                    return None;
                }
                seen |= 1 << slot;
                let slot = slot as usize;
                match v {
                    Value::Str(x) if slot < TEXT.len() => r.text[slot] = Some(x),
                    Value::Num(x) if slot >= TEXT.len() => r.num[slot - TEXT.len()] = Some(x),
                    Value::Null => {}
                    _ => return None,
                }
            }
            prev = slot as usize;
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => i = skip_ws(b, i + 1),
                Some(b'}') => return (skip_ws(b, i + 1) == b.len()).then_some(r),
                _ => return None,
            }
        }
    }
}

/// Reads a flat JSON object, or declines (see [`FlatReader::read`]).
pub fn parse_flat(line: &[u8]) -> Option<Flat<'_>> {
    FlatReader::default().read(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicted_keys_read_like_looked_up_keys() {
        let lines: [&[u8]; 7] = [
            br#"{"type":"put_in","id":"a","grams":850,"household":null,"x":true}"#,
            br#"{"type":"put_in","id":"b","grams":12.5,"x":false}"#,
            br#"{"type":"put_in","id":"b","grams":12.5,"household":"H1","x":false}"#,
            br#"{"type":"put_in","id":"c\"q","grams":1,"household":"H1","x":1}"#,
            br#"{"type": "put_in" ,"id":"d","grams":1,"household":"H1","x":1}"#,
            br#"{"type":"put_in","id":"e","grams":"1","household":"H1","x":1}"#,
            br#"{"type":"put_in","id":"f","type":"put_in"}"#,
        ];
        let mut reader = FlatReader::default();
        for line in lines {
            let fresh = FlatReader::default().read(line);
            assert_eq!(
                reader.read(line),
                fresh,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        assert!(
            FlatReader::default().read(lines[6]).is_none(),
            "duplicate keys are declined"
        );
        assert!(
            FlatReader::default().read(lines[4]).is_some(),
            "spaces are fine"
        );
    }

    #[test]
    fn special_bytes_are_found_at_any_offset() {
        for len in 0..40 {
            for special in [b'"', b'\\', b'\n', 0x01, 0x1f] {
                for at in 0..len {
                    let mut s = vec![b'a'; len];
                    s[at] = special;
                    if at + 1 < len {
                        s[at + 1] = if at % 2 == 0 { 0x23 } else { 0xff };
                    }
                    assert_eq!(
                        find_special(&s),
                        Some(at),
                        "len {len} special {special} at {at}"
                    );
                }
            }
            assert_eq!(find_special(&vec![b' '; len]), None);
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
