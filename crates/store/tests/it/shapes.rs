//! Units' outlines: stored, read back after reopening (fully and for queries), replaced, and
//! refused when malformed.

use crate::fixture;
use fenlei_domain::{Level, Shape};
use fenlei_sim::{Preset, World};
use fenlei_store::EmbeddedStore;

#[test]
fn shapes_round_trip_and_replace() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::build(Preset::Tiny, 7);
    let mut store = fixture::create(dir.path(), &world);
    let estates: Vec<_> = store
        .model()
        .at_level(Level::Estate)
        .map(|u| u.id)
        .collect();
    let square = |x: f64, y: f64| {
        Shape::from_ring(vec![
            [x, y],
            [x + 100.5, y],
            [x + 100.5, y + 80.25],
            [x, y + 80.25],
        ])
    };
    // A multipolygon with a hole, to check that nothing is flattened.
    let holed = Shape(vec![
        vec![
            vec![
                [0.0, 0.0],
                [50.0, 0.0],
                [50.0, 50.0],
                [0.0, 50.0],
                [0.0, 0.0],
            ],
            vec![
                [10.0, 10.0],
                [20.0, 10.0],
                [20.0, 20.0],
                [10.0, 20.0],
                [10.0, 10.0],
            ],
        ],
        vec![vec![[60.0, 0.0], [70.0, 0.0], [70.0, 10.0], [60.0, 0.0]]],
    ]);
    store
        .save_shapes(&[(estates[0], square(1.0, 2.0)), (estates[1], holed.clone())])
        .unwrap();
    assert_eq!(store.shape_count().unwrap(), 2);
    drop(store);

    let store = EmbeddedStore::open_for_queries(dir.path()).unwrap();
    assert_eq!(store.shape(estates[0]).unwrap(), Some(square(1.0, 2.0)));
    assert_eq!(store.shape(estates[1]).unwrap(), Some(holed.clone()));
    assert_eq!(store.shape(estates[2]).unwrap(), None);
    let got = store
        .shapes_of(&[estates[2], estates[1], estates[0]])
        .unwrap();
    assert_eq!(
        got.iter().map(|(u, _)| *u).collect::<Vec<_>>(),
        vec![estates[1], estates[0]],
        "in the order asked, units without an outline left out"
    );
    drop(store);

    let mut store = EmbeddedStore::open(dir.path()).unwrap();
    store
        .save_shapes(&[(estates[0], square(500.0, 500.0))])
        .unwrap();
    assert_eq!(store.shape(estates[0]).unwrap(), Some(square(500.0, 500.0)));
    assert_eq!(store.shape_count().unwrap(), 2, "replaced, not added");

    // A malformed outline is refused and nothing of the batch is written.
    let open_ring = Shape(vec![vec![vec![
        [0.0, 0.0],
        [1.0, 0.0],
        [1.0, 1.0],
        [0.0, 1.0],
    ]]]);
    let err = store
        .save_shapes(&[(estates[2], square(0.0, 0.0)), (estates[3], open_ring)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("not closed"), "{err}");
    assert!(err.contains(&store.model().unit(estates[3]).code), "{err}");
    assert_eq!(store.shape(estates[2]).unwrap(), None);
}
