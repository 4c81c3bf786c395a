//! Bounded Damerau–Levenshtein distance (optimal string alignment: insertions, deletions,
//! substitutions and adjacent transpositions), over characters or pinyin bytes.
//!
//! Short strings only (item names and their pinyin); longer inputs report "too far" rather than
//! allocate. Not a general edit-distance library.

/// Longest input handled; item names and their pinyin are far shorter.
const MAX_LEN: usize = 40;

/// The distance between `a` and `b`, or `None` when it exceeds `bound`.
pub fn bounded<T: PartialEq>(a: &[T], b: &[T], bound: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > bound {
        return None;
    }
    if n > MAX_LEN || m > MAX_LEN {
        return None;
    }
    if n == 0 || m == 0 {
        return Some(n.max(m)).filter(|d| *d <= bound);
    }
    // Three rolling rows (two back for transpositions), rotated by index instead of copied.
    let mut rows = [[0u8; MAX_LEN + 1]; 3];
    for (j, p) in rows[0].iter_mut().enumerate().take(m + 1) {
        *p = j as u8;
    }
    let bound8 = bound.min(250) as u8;
    for i in 1..=n {
        let (cur_i, prev_i, prev2_i) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        let [r0, r1, r2] = &mut rows;
        let (cur, prev, prev2) = match (cur_i, prev_i, prev2_i) {
            (0, 2, 1) => (r0, &*r2, &*r1),
            (1, 0, 2) => (r1, &*r0, &*r2),
            _ => (r2, &*r1, &*r0),
        };
        cur[0] = i as u8;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > bound8 {
            return None;
        }
    }
    let d = usize::from(rows[n % 3][m]);
    Some(d).filter(|d| *d <= bound)
}

#[cfg(test)]
mod tests {
    use super::bounded;

    fn d(a: &str, b: &str, k: usize) -> Option<usize> {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        bounded(&a, &b, k)
    }

    #[test]
    fn edits_and_bounds() {
        assert_eq!(d("快餐盒", "快餐盒", 2), Some(0));
        assert_eq!(d("快参盒", "快餐盒", 2), Some(1));
        assert_eq!(d("餐快盒", "快餐盒", 2), Some(1));
        assert_eq!(d("快盒", "快餐盒", 2), Some(1));
        assert_eq!(d("kuaicnahe", "kuaicanhe", 1), Some(1));
        assert_eq!(d("abcdef", "uvwxyz", 2), None);
        assert_eq!(d("", "ab", 2), Some(2));
        // Regression: the first row was left at zero, so insertions at the start were free.
        assert_eq!(d("化妆品", "膨化食品", 2), Some(2));
        assert_eq!(d("化妆品", "膨化食品", 1), None);
        assert_eq!(d("ab", "xab", 1), Some(1));
    }
}
