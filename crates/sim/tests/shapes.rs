//! The simulated outlines: every district, street, community and estate has one; it contains
//! the unit's position and the positions of everything below it; it lies inside its parent's;
//! siblings overlap little.

use fenlei_domain::{Level, Shape, UnitId};
use fenlei_sim::shapes::{convex_overlap, outlines};
use fenlei_sim::{Preset, World};
use std::collections::HashMap;

fn check(preset: Preset, seed: u64, max_overlap: &[(Level, f64)]) {
    let world = World::build(preset, seed);
    let m = &world.model;
    let shapes: HashMap<UnitId, Shape> = outlines(m).into_iter().collect();
    assert_eq!(outlines(m), {
        let mut v: Vec<_> = shapes.clone().into_iter().collect();
        v.sort_by_key(|(u, _)| *u);
        v
    });
    for u in &m.units {
        let shaped = matches!(
            u.level,
            Level::District | Level::Street | Level::Community | Level::Estate
        );
        assert_eq!(shapes.contains_key(&u.id), shaped, "{} {}", u.level, u.code);
        let Some(s) = shapes.get(&u.id) else { continue };
        s.check().unwrap();
        // Its own position and every position below it.
        let mut stack = vec![u.id];
        while let Some(d) = stack.pop() {
            let du = m.unit(d);
            assert!(
                s.contains(du.x_m as f64, du.y_m as f64),
                "{} {} does not contain {} {} at ({}, {})",
                u.level,
                u.code,
                du.level,
                du.code,
                du.x_m,
                du.y_m
            );
            stack.extend(m.units.iter().filter(|c| c.parent == Some(d)).map(|c| c.id));
        }
        // Inside its parent (convex: every vertex inside is enough).
        if let Some(parent) = u.parent.and_then(|p| shapes.get(&p)) {
            for p in s.0.iter().flatten().flatten() {
                assert!(
                    parent.contains(p[0], p[1]),
                    "{} leaves its parent at {p:?}",
                    u.code
                );
            }
        }
    }
    // Siblings: the area they share against the area they cover.
    for &(level, max) in max_overlap {
        let (mut shared, mut total) = (0.0, 0.0);
        for parent in &m.units {
            let kids: Vec<&Shape> = m
                .units
                .iter()
                .filter(|c| c.parent == Some(parent.id) && c.level == level)
                .filter_map(|c| shapes.get(&c.id))
                .collect();
            for (i, a) in kids.iter().enumerate() {
                total += a.area();
                for b in &kids[i + 1..] {
                    shared += convex_overlap(a, b);
                }
            }
        }
        let share = shared / total;
        println!(
            "{} {level}: siblings share {:.1} % of their area",
            preset.name(),
            share * 100.0
        );
        assert!(share <= max + 1e-6, "{level}: {:.3} > {max}", share);
    }
}

// Bounds on the share of siblings' area they share, for these seeds (measured: tiny 0 % at
// every level; towns 0 % but communities 1.2 %; district streets 5.4 %, communities 16.1 % —
// the simulator scatters communities at random within their street, so their hulls
// interleave —, estates 1.4 %).

#[test]
fn tiny_outlines() {
    check(
        Preset::Tiny,
        1,
        &[
            (Level::Street, 0.0),
            (Level::Community, 0.05),
            (Level::Estate, 0.05),
        ],
    );
}

#[test]
fn towns_outlines() {
    check(
        Preset::Towns,
        3,
        &[
            (Level::District, 0.0),
            (Level::Street, 0.05),
            (Level::Community, 0.05),
            (Level::Estate, 0.05),
        ],
    );
}

#[test]
fn district_outlines() {
    check(
        Preset::District,
        42,
        &[
            (Level::Street, 0.08),
            (Level::Community, 0.2),
            (Level::Estate, 0.05),
        ],
    );
}
