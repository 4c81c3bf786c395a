//! Importing outlines from GeoJSON: good features stored (features of one unit joined), bad
//! ones reported with their index while the rest are kept, WGS84 projected around the origin
//! the store keeps.

use fenlei_app::AppError;
use fenlei_app::shapes::{Crs, ImportOptions, Origin, ProblemKind, import_geojson};
use fenlei_app::simulate;
use fenlei_domain::{Level, Shape};
use fenlei_sim::{Preset, World};
use fenlei_store::EmbeddedStore;
use serde_json::json;

fn store() -> (tempfile::TempDir, EmbeddedStore) {
    let dir = tempfile::tempdir().unwrap();
    let world = World::build(Preset::Tiny, 5);
    let store = simulate::create_store(&dir.path().join("db"), &world).expect("store");
    (dir, store)
}

fn local(property: &str) -> ImportOptions {
    ImportOptions {
        property: property.into(),
        crs: Crs::Local,
        origin: None,
    }
}

fn square(x: f64, y: f64, s: f64) -> serde_json::Value {
    json!([[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]])
}

#[test]
fn good_features_stored_bad_ones_reported_with_their_index() {
    let (_dir, mut store) = store();
    let estates: Vec<String> = store
        .model()
        .at_level(Level::Estate)
        .map(|u| u.code.clone())
        .collect();
    let street = store.model().at_level(Level::Street).next().unwrap();
    let (street_code, street_id) = (street.code.clone(), street.id);
    let before = store
        .shape(street_id)
        .unwrap()
        .expect("the simulator drew the street");
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": estates[0]}, "geometry": {"type": "Polygon", "coordinates": square(0.0, 0.0, 100.0)}},
        // Not closed.
        {"type": "Feature", "properties": {"code": estates[1]}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10]]]}},
        {"type": "Feature", "properties": {"code": "E999999"}, "geometry": {"type": "Polygon", "coordinates": square(0.0, 0.0, 10.0)}},
        {"type": "Feature", "properties": {"code": estates[2]}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
        {"type": "Feature", "properties": {"name": "no code"}, "geometry": {"type": "Polygon", "coordinates": square(0.0, 0.0, 10.0)}},
        // A position with one number.
        {"type": "Feature", "properties": {"code": estates[3]}, "geometry": {"type": "Polygon", "coordinates": [[[0], [1, 0], [1, 1], [0]]]}},
        // A second polygon of the first estate: joined with the first.
        {"type": "Feature", "properties": {"code": estates[0]}, "geometry": {"type": "MultiPolygon", "coordinates": [square(500.0, 500.0, 50.0)]}},
        // Not a feature.
        {"type": "Feature", "properties": {"code": estates[3]}, "geometry": {"type": "Polygon"}},
        // A whole-number code.
        {"type": "Feature", "properties": {"code": street_code.parse::<u64>().unwrap()}, "geometry": {"type": "Polygon", "coordinates": square(-10.0, -10.0, 2000.0)}},
    ]});
    let r = import_geojson(&mut store, &fc.to_string(), &local("code")).unwrap();
    assert_eq!(r.features, 9);
    assert_eq!(r.stored_features, 3);
    let seen: Vec<(usize, ProblemKind)> = r
        .problems
        .iter()
        .map(|p| (p.index, p.kind.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (1, ProblemKind::BadGeometry),
            (2, ProblemKind::UnknownCode),
            (3, ProblemKind::BadGeometry),
            (4, ProblemKind::NoCode),
            (5, ProblemKind::BadGeometry),
            (7, ProblemKind::BadGeometry),
        ]
    );
    let text: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        text[0].starts_with(&format!("feature 1 ({})", estates[1]))
            && text[0].contains("not closed"),
        "{}",
        text[0]
    );
    assert!(text[1].contains("unknown unit code E999999"), "{}", text[1]);
    assert!(text[2].contains("LineString"), "{}", text[2]);
    assert!(text[3].contains("no property `code`"), "{}", text[3]);
    assert!(
        text[4].starts_with(&format!("feature 5 ({})", estates[3]))
            && text[4].contains("position 0: 1 numbers"),
        "{}",
        text[4]
    );
    assert!(
        text[5].starts_with(&format!("feature 7 ({})", estates[3]))
            && text[5].contains("not a valid GeoJSON feature"),
        "{}",
        text[5]
    );
    assert_eq!(
        r.to_string(),
        "9 features: 3 stored as the outlines of 2 units; 1 unknown codes, 1 without a code, 4 bad geometries"
    );

    let e0 = store.registry().unit(&estates[0]).unwrap();
    let s = store.shape(e0).unwrap().unwrap();
    assert_eq!(s.0.len(), 2, "both features of the estate joined");
    assert!(s.contains(50.0, 50.0) && s.contains(520.0, 520.0) && !s.contains(300.0, 300.0));
    let street_shape = store.shape(street_id).unwrap().unwrap();
    assert_ne!(
        street_shape, before,
        "the imported outline replaced the simulated one"
    );
    assert_eq!(street_shape.area(), 2000.0 * 2000.0);
    // Estate 1 kept its simulated outline: a rejected feature changes nothing.
    let e1 = store.registry().unit(&estates[1]).unwrap();
    assert!(store.shape(e1).unwrap().unwrap().area() > 1000.0);
}

#[test]
fn wgs84_is_projected_around_the_kept_origin() {
    let (_dir, mut store) = store();
    let estate = store
        .model()
        .at_level(Level::Estate)
        .next()
        .unwrap()
        .code
        .clone();
    let fc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"unit": estate}, "geometry": {"type": "Polygon",
            "coordinates": [[[106.55, 29.56], [106.56, 29.56], [106.56, 29.57], [106.55, 29.56]]]}},
    ]})
    .to_string();
    let wgs = |origin: Option<&str>| ImportOptions {
        property: "unit".into(),
        crs: Crs::Wgs84,
        origin: origin.map(|o| Origin::parse(o).unwrap()),
    };
    let err = import_geojson(&mut store, &fc, &wgs(None)).unwrap_err();
    assert!(
        matches!(&err, AppError::Usage(m) if m.contains("--origin LON,LAT")),
        "{err}"
    );

    let r = import_geojson(&mut store, &fc, &wgs(Some("106.55,29.56"))).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let id = store.registry().unit(&estate).unwrap();
    let s: Shape = store.shape(id).unwrap().unwrap();
    let ring = &s.0[0][0];
    assert_eq!(ring[0], [0.0, 0.0], "the origin is the plane's (0, 0)");
    // 0.01° of longitude at 29.56° N and 0.01° of latitude, on the mean Earth radius.
    let rad = std::f64::consts::PI / 180.0;
    let east = 6_371_008.8 * (29.56 * rad).cos() * 0.01 * rad;
    let north = 6_371_008.8 * 0.01 * rad;
    assert!(
        (ring[1][0] - east).abs() < 1e-6 && ring[1][1].abs() < 1e-9,
        "{:?}",
        ring[1]
    );
    assert!((ring[2][1] - north).abs() < 1e-6, "{:?}", ring[2]);
    assert!(
        (east - 967.7).abs() < 0.5 && (north - 1111.9).abs() < 0.5,
        "{east} {north}"
    );
    assert_eq!(
        store.meta("origin_wgs84").unwrap().as_deref(),
        Some("106.55,29.56")
    );

    // Later imports use the kept origin; another one is refused.
    assert!(
        import_geojson(&mut store, &fc, &wgs(None))
            .unwrap()
            .problems
            .is_empty()
    );
    let err = import_geojson(&mut store, &fc, &wgs(Some("106.0,29.0"))).unwrap_err();
    assert!(err.to_string().contains("differs from the origin"), "{err}");

    // Metres read as degrees: a clear error naming the feature.
    let metres = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"unit": estate}, "geometry": {"type": "Polygon", "coordinates": square(1000.0, 1000.0, 100.0)}},
    ]})
    .to_string();
    let r = import_geojson(&mut store, &metres, &wgs(None)).unwrap();
    assert_eq!(r.problems.len(), 1);
    assert!(
        r.problems[0].to_string().contains("--crs local"),
        "{}",
        r.problems[0]
    );
}

#[test]
fn not_a_feature_collection_is_refused() {
    let (_dir, mut store) = store();
    let err = import_geojson(
        &mut store,
        r#"{"type": "Polygon", "coordinates": []}"#,
        &local("code"),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a GeoJSON FeatureCollection, found type \"Polygon\""),
        "{err}"
    );
    assert!(
        import_geojson(&mut store, "{", &local("code"))
            .unwrap_err()
            .to_string()
            .contains("not JSON")
    );
}
