//! Query and name normalisation: width and case folding, traditional → simplified characters,
//! punctuation removal, and stripping the words residents add around an item (用过的, 一个,
//! 是什么垃圾, "used", "a"...).
//!
//! Not a tokenizer or a converter for running text: it works on short item names and queries,
//! and its traditional table covers the characters of household items only.

use std::collections::HashMap;

/// Folds characters and strips filler words. Built once from the embedded table.
#[derive(Debug, Clone)]
pub struct Normalizer {
    trad: HashMap<char, char>,
}

/// True for CJK unified ideographs (the basic block and extension A, plus compatibility forms).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

/// Words residents put in front of an item. Longest first, so that 吃剩的 is removed before 吃.
/// Stripping happens only when the full query does not match (see `Guide::lookup`), so a
/// dictionary name that starts with one of these (旧衣服, 废电池) still wins as is.
const PREFIXES: &[&str] = &[
    "请问一下",
    "请问",
    "我想问",
    "我想扔",
    "我要扔",
    "我家的",
    "家里的",
    "我的",
    "这个",
    "那个",
    "这些",
    "那些",
    "一些",
    "一点",
    "一堆",
    "一大堆",
    "一袋",
    "一盒",
    "一瓶",
    "一罐",
    "一包",
    "一箱",
    "一桶",
    "一张",
    "一片",
    "一块",
    "一根",
    "一条",
    "一件",
    "一双",
    "一个",
    "一只",
    "一支",
    "一把",
    "一颗",
    "一粒",
    "一本",
    "一台",
    "一部",
    "几个",
    "两个",
    "半个",
    "半块",
    "吃剩下的",
    "吃剩的",
    "吃剩",
    "剩下的",
    "吃过的",
    "吃完的",
    "喝剩的",
    "喝完的",
    "喝过的",
    "用剩的",
    "用完的",
    "用过的",
    "使用过的",
    "用旧的",
    "穿旧的",
    "穿过的",
    "不要的",
    "没用的",
    "不用的",
    "扔掉的",
    "丢掉的",
    "坏掉的",
    "坏了的",
    "坏的",
    "破掉的",
    "破了的",
    "破损的",
    "破的",
    "烂掉的",
    "烂了的",
    "烂的",
    "碎掉的",
    "碎了的",
    "过期了的",
    "发霉的",
    "变质的",
    "脏了的",
    "脏的",
    "空的",
    "干净的",
    "洗干净的",
    "废弃的",
    "废旧的",
    "废旧",
    "废弃",
    "旧的",
    "旧",
    "废",
    "坏",
    "空",
];

/// Question phrases and particles residents put after an item.
const SUFFIXES: &[&str] = &[
    "属于什么垃圾",
    "属于哪类垃圾",
    "属于哪种垃圾",
    "是什么垃圾",
    "是哪类垃圾",
    "是哪种垃圾",
    "算什么垃圾",
    "怎么分类",
    "怎么扔",
    "扔哪里",
    "扔哪个桶",
    "放哪里",
    "是什么",
    "属于什么",
    "属于",
    "垃圾吗",
    "吗",
    "呢",
    "啊",
    "呀",
    "了",
    "的",
];

/// English words that qualify rather than name an item.
const EN_FILLERS: &[&str] = &[
    "a",
    "an",
    "the",
    "some",
    "my",
    "this",
    "that",
    "these",
    "those",
    "used",
    "old",
    "broken",
    "empty",
    "dirty",
    "waste",
    "leftover",
    "half",
    "eaten",
    "finished",
    "worn",
    "of",
    "piece",
    "pieces",
    "bit",
    "bits",
    "bunch",
    "pile",
    "torn",
    "cracked",
    "expired",
    "rotten",
    "spoiled",
    "discarded",
    "unwanted",
    "where",
    "does",
    "do",
    "go",
    "goes",
    "what",
    "bin",
    "is",
    "it",
    "in",
    "which",
    "throw",
    "away",
];

impl Normalizer {
    /// Builds the normaliser from the `trad_pairs.txt` table (pairs of traditional then
    /// simplified characters, whitespace-separated, `#` comments).
    pub fn new(trad_pairs: &str) -> Normalizer {
        let mut trad = HashMap::new();
        for line in trad_pairs.lines().filter(|l| !l.starts_with('#')) {
            for pair in line.split_whitespace() {
                let mut cs = pair.chars();
                if let (Some(t), Some(s)) = (cs.next(), cs.next())
                    && t != s
                {
                    trad.insert(t, s);
                }
            }
        }
        Normalizer { trad }
    }

    /// Number of traditional characters the table maps.
    pub fn trad_len(&self) -> usize {
        self.trad.len()
    }

    /// Iterates over the (traditional, simplified) pairs, for generating evaluation queries.
    pub fn trad_pairs(&self) -> impl Iterator<Item = (char, char)> + '_ {
        self.trad.iter().map(|(t, s)| (*t, *s))
    }

    /// Folds one character: full-width ASCII to ASCII, upper to lower case, traditional to
    /// simplified, ü to v (as pinyin keyboards type it). Returns `None` for separators
    /// (whitespace and punctuation), which the caller turns into word breaks.
    fn fold(&self, c: char) -> Option<char> {
        let c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            'ü' | 'Ü' => 'v',
            _ => c,
        };
        if c.is_ascii_alphanumeric() {
            return Some(c.to_ascii_lowercase());
        }
        if is_cjk(c) {
            return Some(*self.trad.get(&c).unwrap_or(&c));
        }
        None
    }

    /// The normalised text: CJK characters, digits and lower-case Latin letters, with single
    /// spaces only between two Latin/digit words (so English keeps its word breaks and `kuai 餐盒`
    /// becomes `kuai餐盒`).
    pub fn normalize(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut pending_space = false;
        for c in s.chars() {
            match self.fold(c) {
                Some(f) => {
                    let last_ascii = out.chars().next_back().is_some_and(|l| l.is_ascii());
                    if pending_space && last_ascii && f.is_ascii() {
                        out.push(' ');
                    }
                    pending_space = false;
                    out.push(f);
                }
                None => pending_space = !out.is_empty(),
            }
        }
        out
    }

    /// The compact key of a name or query: [`Normalizer::normalize`] without spaces.
    pub fn key(&self, s: &str) -> String {
        self.normalize(s).chars().filter(|c| *c != ' ').collect()
    }
}

/// Removes resident filler around a compact CJK key: question phrases at the end, then
/// qualifiers at the start, repeatedly (我家的旧报纸 → 报纸). Never returns an empty string:
/// when everything would go, the input is returned unchanged.
pub fn strip_fillers(key: &str) -> String {
    let mut s = key;
    loop {
        let before = s.len();
        for suf in SUFFIXES {
            if let Some(rest) = s.strip_suffix(suf)
                && !rest.is_empty()
            {
                s = rest;
                break;
            }
        }
        for pre in PREFIXES {
            if let Some(rest) = s.strip_prefix(pre)
                && !rest.is_empty()
            {
                s = rest;
                break;
            }
        }
        s = strip_count(s);
        if s.len() == before {
            break;
        }
    }
    s.to_string()
}

/// Strips a leading number and measure word (三个, 2瓶, 十几根): a common way to name one item.
fn strip_count(s: &str) -> &str {
    const NUM: &str = "一二两三四五六七八九十几半0123456789";
    const MEASURE: &str = "个只把张块条件堆袋瓶盒包根片颗粒双对支台部本箱罐桶杯碗盘串节卷";
    let mut it = s.char_indices().peekable();
    let mut end_num = 0;
    while let Some(&(i, c)) = it.peek() {
        if NUM.contains(c) {
            end_num = i + c.len_utf8();
            it.next();
        } else {
            break;
        }
    }
    if end_num == 0 {
        return s;
    }
    match it.next() {
        Some((i, c)) if MEASURE.contains(c) && i + c.len_utf8() < s.len() => &s[i + c.len_utf8()..],
        _ => s,
    }
}

/// Splits normalised English into words, drops filler words and folds simple plurals
/// (batteries → battery, boxes → box, bottles → bottle). Keeps the words when all are filler.
pub fn english_words(normalized: &str) -> Vec<String> {
    let all: Vec<String> = normalized
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(stem)
        .collect();
    let kept: Vec<String> = all
        .iter()
        .filter(|w| !EN_FILLERS.contains(&w.as_str()))
        .cloned()
        .collect();
    if kept.is_empty() { all } else { kept }
}

/// A light English plural folding; enough for item names, not a real stemmer.
pub fn stem(word: &str) -> String {
    let w = word.to_ascii_lowercase();
    if w.len() > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..w.len() - 3]);
    }
    for suf in ["ches", "shes", "sses", "xes", "oes"] {
        if w.len() > suf.len() + 1 && w.ends_with(suf) {
            return w[..w.len() - 2].to_string();
        }
    }
    if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        return w[..w.len() - 1].to_string();
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_width_case_traditional_and_spaces() {
        let n = Normalizer::new("電电 池池 舊旧");
        assert_eq!(n.normalize("舊電池"), "旧电池");
        assert_eq!(n.normalize("ＢＡＮＡＮＡ  Peel!"), "banana peel");
        assert_eq!(n.normalize("kuai 餐盒"), "kuai餐盒");
        assert_eq!(n.key("干电池（无汞）"), "干电池无汞");
        assert_eq!(n.key("LED 灯"), "led灯");
    }

    #[test]
    fn strips_resident_words() {
        assert_eq!(strip_fillers("吃剩的鸡骨头"), "鸡骨头");
        assert_eq!(strip_fillers("我家的旧报纸"), "报纸");
        assert_eq!(strip_fillers("电池是什么垃圾"), "电池");
        assert_eq!(strip_fillers("三个苹果核"), "苹果核");
        assert_eq!(strip_fillers("一次性筷子"), "一次性筷子");
        assert_eq!(strip_fillers("旧"), "旧");
    }

    #[test]
    fn english_words_drop_fillers_and_plurals() {
        assert_eq!(english_words("used tissues"), vec!["tissue"]);
        assert_eq!(english_words("a broken bottle"), vec!["bottle"]);
        assert_eq!(english_words("batteries"), vec!["battery"]);
        assert_eq!(english_words("boxes"), vec!["box"]);
    }
}
