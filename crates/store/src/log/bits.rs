//! Bit packing, frame-of-reference and LEB128 varints: the encodings of the put-in log's
//! columns.

/// Bits needed to hold `v` (0 for 0).
pub fn width(v: u64) -> u8 {
    (64 - v.leading_zeros()) as u8
}

/// Appends `values - base`, each in `width` bits, little-endian bit order, padded to a byte.
pub fn pack(out: &mut Vec<u8>, values: impl Iterator<Item = u64>, base: u64, width: u8) {
    if width == 0 {
        return;
    }
    let mut acc: u128 = 0;
    let mut bits = 0u32;
    for v in values {
        acc |= ((v - base) as u128) << bits;
        bits += width as u32;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        out.push(acc as u8);
    }
}

/// Bytes that [`pack`] writes for `n` values of `width` bits.
pub fn packed_len(n: usize, width: u8) -> usize {
    (n * width as usize).div_ceil(8)
}

/// Reads `n` values of `width` bits written by [`pack`], adding `base` back.
pub fn unpack(data: &[u8], n: usize, base: u64, width: u8, out: &mut Vec<u64>) {
    out.clear();
    if width == 0 {
        out.resize(n, base);
        return;
    }
    let mask = if width == 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    let mut acc: u128 = 0;
    let mut bits = 0u32;
    let mut bytes = data.iter();
    for _ in 0..n {
        while bits < width as u32 {
            acc |= (*bytes.next().unwrap_or(&0) as u128) << bits;
            bits += 8;
        }
        out.push((acc as u64 & mask) + base);
        acc >>= width;
        bits -= width as u32;
    }
}

/// Appends `v` as an unsigned LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a varint at `*at`, advancing it; `None` when the data ends early.
pub fn get_varint(data: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *data.get(*at)?;
        *at += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trips_every_width() {
        for w in 0..=64u8 {
            let mask = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
            let base = if w == 64 { 0 } else { 1000 };
            let values: Vec<u64> = (0..37u64)
                .map(|i| base + (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) & mask))
                .collect();
            let mut buf = Vec::new();
            pack(&mut buf, values.iter().copied(), base, w);
            assert_eq!(buf.len(), packed_len(values.len(), w));
            let mut back = Vec::new();
            unpack(&buf, values.len(), base, w, &mut back);
            assert_eq!(back, values, "width {w}");
        }
    }

    #[test]
    fn varints_round_trip() {
        let mut buf = Vec::new();
        let values = [0, 1, 127, 128, 300, u32::MAX as u64, u64::MAX];
        for v in values {
            put_varint(&mut buf, v);
        }
        let mut at = 0;
        for v in values {
            assert_eq!(get_varint(&buf, &mut at), Some(v));
        }
        assert_eq!(get_varint(&buf, &mut at), None);
    }
}
