//! Weighbridge tonnage written in parts adds up to the same month as written at once, and a
//! part written again replaces itself.

use crate::fixture::*;
use fenlei_domain::{Category, DayRange, Level, PointWeighed, UnitId, Weighed};

#[test]
fn weighed_days_written_in_parts_make_the_same_month_rows() {
    let (world, _) = simulate(3, day("2026-05-01"), 1);
    let points: Vec<UnitId> = (world.model.units.iter())
        .filter(|u| u.level == Level::Point)
        .map(|u| u.id)
        .take(5)
        .collect();
    let month = DayRange::new(day("2026-05-01"), day("2026-05-31")).expect("month");
    let rows: Vec<PointWeighed> = (0..31)
        .flat_map(|d| {
            points
                .iter()
                .enumerate()
                .map(move |(i, &point)| PointWeighed {
                    point,
                    day: day("2026-05-01").plus(d),
                    category: Category::BINS[(d as usize + i) % 4],
                    weighed: Weighed {
                        lifted_grams: 1000 * (d as u64 + 1) + i as u64,
                        ticketed_grams: 990 * (d as u64 + 1) + i as u64,
                    },
                })
        })
        .collect();
    let in_range = |r: &DayRange| -> Vec<PointWeighed> {
        rows.iter().filter(|x| r.contains(x.day)).copied().collect()
    };
    let whole = tempfile::tempdir().expect("tempdir");
    let mut once = create(whole.path(), &world);
    once.replace_weighed(month, &rows).expect("whole month");
    let parts = tempfile::tempdir().expect("tempdir");
    let mut split = create(parts.path(), &world);
    let (a, b) = (
        DayRange::new(day("2026-05-01"), day("2026-05-12")).expect("range"),
        DayRange::new(day("2026-05-13"), day("2026-05-31")).expect("range"),
    );
    split
        .replace_weighed(b, &in_range(&b))
        .expect("second part");
    split.replace_weighed(a, &in_range(&a)).expect("first part");
    // Written again with other figures, then as they are: nothing of the first stays.
    let mut other = in_range(&a);
    for r in &mut other {
        r.weighed.ticketed_grams += 7;
    }
    split
        .replace_weighed(a, &other)
        .expect("first part, other figures");
    split
        .replace_weighed(a, &in_range(&a))
        .expect("first part again");
    let city = world.model.at_level(Level::City).next().expect("city").id;
    for unit in points.iter().copied().chain([city]) {
        for range in [month, a, b] {
            let (x, y) = (
                once.quantities(unit, range).expect("query"),
                split.quantities(unit, range).expect("query"),
            );
            assert_eq!(x.weighed, y.weighed, "{unit:?} {range}");
        }
    }
    let q = split.quantities(city, month).expect("query");
    let total: u64 = q.weighed.iter().map(|w| w.lifted_grams).sum();
    assert_eq!(
        total,
        rows.iter().map(|r| r.weighed.lifted_grams).sum::<u64>()
    );
}
