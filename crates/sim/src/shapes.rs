//! Outlines for the simulated city's districts, streets, communities and estates, so that the
//! dashboard draws a map. Deterministic: a function of the units' positions alone.
//!
//! Each unit's outline is convex and built from the positions of the unit and everything
//! below it (`S(u)`):
//!
//! 1. the convex hull of `S(u)` (bottom up: a unit's hull is the hull of its children's hulls
//!    and its own position), padded by a margin per level (the hull of its vertices moved by
//!    the margin in eight directions, an octagonal buffer);
//! 2. clipped, top down, to the parent's outline, so a child never leaves its parent;
//! 3. clipped against each sibling whose hull lies apart from its own: the separating axis
//!    (among the hulls' edge normals, the direction between their centres and eight fixed
//!    directions) with the widest gap, at the gap's middle. Siblings whose hulls are apart
//!    therefore never overlap; siblings whose hulls interleave (the simulator scatters
//!    communities at random within their street) keep their overlap.
//!
//! No clipping line crosses `S(u)`: the parent's outline contains `S(parent) ⊇ S(u)` (by
//! induction) and a separating line keeps a hull on its side. So every outline contains the
//! positions of its unit and of everything below it. Positions are rounded to the centimetre.

use fenlei_domain::{CityModel, Level, Shape, UnitId};

type P = [f64; 2];

/// The margin around a unit's positions, in metres, by level.
fn margin(level: Level) -> f64 {
    match level {
        Level::District => 600.0,
        Level::Street => 150.0,
        Level::Community => 60.0,
        Level::Estate => 40.0,
        Level::City | Level::Point => 0.0,
    }
}

/// A child is clipped to its parent's outline shrunk by this much (metres), so that rounding
/// to the centimetre (at most 0.71 cm) cannot push it out. Positions lie at least half
/// [`MIN_GAP`] inside every outline, far more than this.
const INSET: f64 = 0.02;

/// A separating line is drawn only across a gap at least this wide (metres).
const MIN_GAP: f64 = 1.0;

/// Outlines of every district, street, community and estate of `model`, in unit order.
pub fn outlines(model: &CityModel) -> Vec<(UnitId, Shape)> {
    let n = model.units.len();
    let mut children: Vec<Vec<UnitId>> = vec![Vec::new(); n];
    for u in &model.units {
        if let Some(p) = u.parent {
            children[p.0 as usize].push(u.id);
        }
    }
    // Bottom up (ids are breadth first, parents before children): the hull of each unit's
    // positions and everything below.
    let mut hulls: Vec<Vec<P>> = vec![Vec::new(); n];
    for u in model.units.iter().rev() {
        let mut pts: Vec<P> = vec![[u.x_m as f64, u.y_m as f64]];
        for c in &children[u.id.0 as usize] {
            pts.extend_from_slice(&hulls[c.0 as usize]);
        }
        hulls[u.id.0 as usize] = hull(pts);
    }
    // Top down: pad, clip to the parent, clip against separated siblings.
    let mut outline: Vec<Option<Vec<P>>> = vec![None; n];
    for u in &model.units {
        let kids = &children[u.id.0 as usize];
        if kids.is_empty() || margin(model.unit(kids[0]).level) == 0.0 {
            continue;
        }
        for (i, &c) in kids.iter().enumerate() {
            let h = &hulls[c.0 as usize];
            let mut poly = pad(h, margin(model.unit(c).level));
            if let Some(parent) = &outline[u.id.0 as usize] {
                poly = clip_convex(&poly, parent, INSET);
            }
            for (j, &s) in kids.iter().enumerate() {
                if i == j {
                    continue;
                }
                if let Some((normal, offset)) = separation(h, &hulls[s.0 as usize]) {
                    poly = clip_halfplane(&poly, normal, offset);
                }
            }
            outline[c.0 as usize] = Some(poly);
        }
    }
    outline
        .into_iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let mut ring: Vec<P> = o?
                .into_iter()
                .map(|[x, y]| [(x * 100.0).round() / 100.0, (y * 100.0).round() / 100.0])
                .collect();
            ring.dedup();
            while ring.len() > 1 && ring.first() == ring.last() {
                ring.pop();
            }
            (ring.len() >= 3).then(|| (UnitId(i as u32), Shape::from_ring(ring)))
        })
        .collect()
}

/// The area two convex outlines (as [`outlines`] makes them) share, in square metres.
pub fn convex_overlap(a: &Shape, b: &Shape) -> f64 {
    let ring = |s: &Shape| -> Vec<P> {
        let mut r =
            s.0.first()
                .and_then(|p| p.first())
                .cloned()
                .unwrap_or_default();
        r.pop();
        r
    };
    let mut common = clip_convex(&ring(a), &ring(b), 0.0);
    if common.len() < 3 {
        return 0.0;
    }
    common.push(common[0]);
    fenlei_domain::shape::ring_area(&common).abs()
}

fn cross(o: P, a: P, b: P) -> f64 {
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
}

/// Convex hull, counter-clockwise, without repeating the first vertex (monotone chain). One or
/// two vertices for degenerate inputs.
fn hull(mut pts: Vec<P>) -> Vec<P> {
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut lower: Vec<P> = Vec::new();
    for &p in &pts {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], p) <= 0.0 {
            lower.pop();
        }
        lower.push(p);
    }
    let mut upper: Vec<P> = Vec::new();
    for &p in pts.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], p) <= 0.0 {
            upper.pop();
        }
        upper.push(p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// The hull of `h` grown by an octagon of circumradius `r` (its inradius is `r·cos 22.5°`).
fn pad(h: &[P], r: f64) -> Vec<P> {
    let dirs: Vec<P> = (0..8)
        .map(|k| {
            let a = (k as f64 + 0.5) * std::f64::consts::FRAC_PI_4;
            [r * a.cos(), r * a.sin()]
        })
        .collect();
    hull(
        h.iter()
            .flat_map(|p| dirs.iter().map(move |d| [p[0] + d[0], p[1] + d[1]]))
            .collect(),
    )
}

/// Keeps the part of convex `poly` where `normal · p <= offset` (Sutherland–Hodgman, one edge).
fn clip_halfplane(poly: &[P], normal: P, offset: f64) -> Vec<P> {
    let side = |p: P| normal[0] * p[0] + normal[1] * p[1] - offset;
    let mut out = Vec::with_capacity(poly.len() + 1);
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        let (sa, sb) = (side(a), side(b));
        if sa <= 0.0 {
            out.push(a);
        }
        if (sa < 0.0 && sb > 0.0) || (sa > 0.0 && sb < 0.0) {
            let t = sa / (sa - sb);
            out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
        }
    }
    out
}

/// `poly` ∩ `clip` shrunk by `inset` metres, both convex and counter-clockwise.
fn clip_convex(poly: &[P], clip: &[P], inset: f64) -> Vec<P> {
    let mut out = poly.to_vec();
    for i in 0..clip.len() {
        let (a, b) = (clip[i], clip[(i + 1) % clip.len()]);
        // Inside is left of a→b: the outward normal is (dy, −dx).
        let normal = [b[1] - a[1], a[0] - b[0]];
        let len = (normal[0] * normal[0] + normal[1] * normal[1]).sqrt();
        out = clip_halfplane(
            &out,
            normal,
            normal[0] * a[0] + normal[1] * a[1] - inset * len,
        );
        if out.is_empty() {
            break;
        }
    }
    out
}

/// A line between hulls `a` and `b` that keeps `a` on the side `normal · p <= offset`, at the
/// middle of the widest gap found, if the hulls lie at least [`MIN_GAP`] apart along one of the
/// candidate axes.
fn separation(a: &[P], b: &[P]) -> Option<(P, f64)> {
    let centre = |h: &[P]| {
        let n = h.len() as f64;
        h.iter()
            .fold([0.0, 0.0], |s, p| [s[0] + p[0] / n, s[1] + p[1] / n])
    };
    let mut axes: Vec<P> = (0..8)
        .map(|k| {
            let a = k as f64 * std::f64::consts::FRAC_PI_8;
            [a.cos(), a.sin()]
        })
        .collect();
    let (ca, cb) = (centre(a), centre(b));
    axes.push([cb[0] - ca[0], cb[1] - ca[1]]);
    for h in [a, b] {
        if h.len() >= 2 {
            for i in 0..h.len() {
                let (p, q) = (h[i], h[(i + 1) % h.len()]);
                axes.push([q[1] - p[1], p[0] - q[0]]);
            }
        }
    }
    let mut best: Option<(f64, P, f64)> = None;
    for axis in axes {
        let len = (axis[0] * axis[0] + axis[1] * axis[1]).sqrt();
        if len == 0.0 {
            continue;
        }
        let n = [axis[0] / len, axis[1] / len];
        let proj = |h: &[P]| {
            h.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    let d = n[0] * p[0] + n[1] * p[1];
                    (lo.min(d), hi.max(d))
                })
        };
        let ((alo, ahi), (blo, bhi)) = (proj(a), proj(b));
        // `a` below `b` along n, or above it (then flip the normal).
        for (gap, normal, offset) in [
            (blo - ahi, n, (ahi + blo) / 2.0),
            (alo - bhi, [-n[0], -n[1]], -(alo + bhi) / 2.0),
        ] {
            if gap >= MIN_GAP && best.is_none_or(|(g, _, _)| gap > g) {
                best = Some((gap, normal, offset));
            }
        }
    }
    best.map(|(_, normal, offset)| (normal, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_and_clip() {
        let h = hull(vec![
            [0.0, 0.0],
            [4.0, 0.0],
            [2.0, 1.0],
            [4.0, 4.0],
            [0.0, 4.0],
        ]);
        assert_eq!(h, vec![[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0]]);
        let half = clip_halfplane(&h, [1.0, 0.0], 1.0);
        let area = fenlei_domain::shape::ring_area(&[half.clone(), vec![half[0]]].concat());
        assert_eq!(area, 4.0);
        let (n, c) = separation(&[[0.0, 0.0], [1.0, 0.0]], &[[5.0, 0.0], [5.0, 1.0]]).unwrap();
        assert!(n[0] * 1.0 <= c && n[0] * 5.0 > c);
        assert!(separation(&[[0.0, 0.0], [2.0, 2.0]], &[[0.0, 2.0], [2.0, 0.0]]).is_none());
    }
}
