//! Toneless pinyin and initials of names and queries, on top of the `pinyin` crate's tables.
//!
//! Heteronyms (多音字) give several readings; names are indexed under a few reading combinations
//! (capped, most common readings first), queries use the first reading. Not a segmenter: Latin
//! input is compared as one string, which is what residents type (`kuaicanhe`, `kch`).

use pinyin::{ToPinyin, ToPinyinMulti};

use crate::text::is_cjk;

/// At most this many reading combinations per name; more only adds rare readings.
const MAX_COMBOS: usize = 4;
/// At most this many readings per character are considered.
const MAX_READINGS: usize = 2;

/// The toneless readings of one character, most common first (`ü` spelled `v`).
pub fn readings(c: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(multi) = c.to_pinyin_multi() {
        for p in multi.into_iter().take(MAX_READINGS + 2) {
            let s = p.plain().replace('ü', "v");
            if !out.contains(&s) {
                out.push(s);
            }
            if out.len() == MAX_READINGS {
                break;
            }
        }
    }
    if out.is_empty() {
        out.push(c.to_string());
    }
    out
}

/// The first (most common) toneless reading of a character, or the character itself when it
/// has none (Latin letters, digits).
pub fn first_reading(c: char) -> String {
    match c.to_pinyin() {
        Some(p) => p.plain().replace('ü', "v"),
        None => c.to_string(),
    }
}

/// True when two characters read alike: same initial or same final in some reading (the
/// slips a pinyin input method makes: 餐/参, 盒/和, 瓶/平).
pub fn sounds_alike(a: char, b: char) -> bool {
    let split = |r: &str| -> (String, String) {
        let n = if r.starts_with("zh") || r.starts_with("ch") || r.starts_with("sh") {
            2
        } else if r.starts_with(['a', 'e', 'o']) {
            0
        } else {
            1
        };
        (
            r[..n.min(r.len())].to_string(),
            r[n.min(r.len())..].to_string(),
        )
    };
    let (ra, rb) = (readings(a), readings(b));
    ra.iter().any(|x| {
        rb.iter().any(|y| {
            let (ix, fx) = split(x);
            let (iy, fy) = split(y);
            ix == iy || fx == fy
        })
    })
}

/// Full toneless pinyin of a text with the first reading of each character (`快餐盒` →
/// `kuaicanhe`; Latin and digits kept as they are).
pub fn full(text: &str) -> String {
    text.chars()
        .filter(|c| *c != ' ')
        .map(first_reading)
        .collect()
}

/// Initials spelling zh, ch and sh in full (书桌 → `shzh`), when that differs from the
/// one-letter initials.
pub fn initials_long(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut differs = false;
    for c in text.chars().filter(|c| *c != ' ') {
        let r = first_reading(c);
        if is_cjk(c) && (r.starts_with("zh") || r.starts_with("ch") || r.starts_with("sh")) {
            out.push_str(&r[..2]);
            differs = true;
        } else {
            out.extend(r.chars().next());
        }
    }
    differs.then_some(out)
}

/// Pairs of (full pinyin, initials) for a name, one per reading combination, most common first.
pub fn variants(text: &str) -> Vec<(String, String)> {
    let per_char: Vec<Vec<String>> = text
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| {
            if is_cjk(c) {
                readings(c)
            } else {
                vec![c.to_string()]
            }
        })
        .collect();
    let mut combos: Vec<(String, String)> = vec![(String::new(), String::new())];
    for rs in &per_char {
        let mut next = Vec::with_capacity(combos.len() * rs.len());
        for (i, r) in rs.iter().enumerate() {
            for (f, ini) in &combos {
                // Keep the all-first-readings combination first; alternatives fill the cap.
                if i > 0 && next.len() >= MAX_COMBOS {
                    break;
                }
                let mut f2 = f.clone();
                f2.push_str(r);
                let mut i2 = ini.clone();
                i2.push(r.chars().next().unwrap_or(' '));
                next.push((f2, i2));
            }
        }
        next.truncate(MAX_COMBOS);
        combos = next;
    }
    combos.retain(|(f, _)| !f.is_empty());
    combos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_pinyin_and_initials() {
        assert_eq!(full("快餐盒"), "kuaicanhe");
        assert_eq!(full("绿"), "lv");
        let v = variants("快餐盒");
        assert_eq!(v[0], ("kuaicanhe".to_string(), "kch".to_string()));
        assert_eq!(full("a4纸"), "a4zhi");
        assert_eq!(initials_long("书桌").as_deref(), Some("shzh"));
        assert_eq!(initials_long("快餐盒"), None);
    }

    #[test]
    fn heteronyms_add_variants() {
        let v = variants("银行卡");
        assert!(v.iter().any(|(f, _)| f == "yinhangka"), "{v:?}");
    }
}
