//! Outlines on the map: the shapes endpoint (a valid GeoJSON FeatureCollection of a unit's
//! children or of itself, scoped like every endpoint) and the pages that draw it (drill-down
//! coloured by the ranking's metric, plans over the district; positions when no outline).

use crate::fixture::{Fixture, assert_error, user_of};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use fenlei_domain::Shape;
use fenlei_domain::shape::Polygon;
use fenlei_server::ServerConfig;
use fenlei_server::accounts::Role;

/// GETs a shapes endpoint; returns the collection's features as (code, outline), checking the
/// answer is GeoJSON.
async fn shapes(f: &Fixture, uri: &str, s: &crate::fixture::Session) -> Vec<(String, Shape)> {
    let req = Request::get(uri)
        .header("cookie", format!("fenlei_session={}", s.cookie))
        .body(Body::empty())
        .expect("req");
    let (st, headers, body) = f.call(req).await;
    assert_eq!(
        st,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/geo+json")
    );
    let text = String::from_utf8(body).expect("utf8");
    let fc: geojson::FeatureCollection = text.parse().expect("a GeoJSON FeatureCollection");
    fc.features
        .into_iter()
        .map(|feature| {
            let props = feature.properties.expect("properties");
            let code = props["code"].as_str().expect("code").to_owned();
            assert!(props["name"].as_str().is_some_and(|n| !n.is_empty()));
            assert!(props["url"].as_str().is_some_and(|u| u.ends_with(&code)));
            let geojson::GeometryValue::MultiPolygon { coordinates } =
                feature.geometry.expect("geometry").value
            else {
                panic!("{code}: not a MultiPolygon");
            };
            let shape = Shape(
                coordinates
                    .iter()
                    .map(|poly| -> Polygon {
                        poly.iter()
                            .map(|ring| ring.iter().map(|p| [p[0], p[1]]).collect())
                            .collect()
                    })
                    .collect(),
            );
            shape.check().unwrap_or_else(|e| panic!("{code}: {e}"));
            (code, shape)
        })
        .collect()
}

#[tokio::test]
async fn the_shapes_endpoint_is_geojson_and_scoped() {
    let f = Fixture::new(ServerConfig::default());
    let admin = f.login(user_of(Role::CityAdmin)).await;
    let m = f.state.model().clone();

    // A street's communities, each containing its own position.
    let got = shapes(&f, &format!("/api/v1/units/{}/shapes", f.street), &admin).await;
    let codes: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        codes,
        f.communities.iter().map(String::as_str).collect::<Vec<_>>()
    );
    for (code, shape) in &got {
        let u = m.units.iter().find(|u| &u.code == code).expect("unit");
        assert!(shape.contains(u.x_m as f64, u.y_m as f64), "{code}");
    }
    // Its own outline, which holds its children's.
    let own = shapes(
        &f,
        &format!("/api/v1/units/{}/shapes?of=self", f.street),
        &admin,
    )
    .await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].0, f.street);
    for (_, child) in &got {
        for p in child.0.iter().flatten().flatten() {
            assert!(own[0].1.contains(p[0], p[1]));
        }
    }
    // Points have no outlines: an estate's children make an empty collection.
    let none = shapes(
        &f,
        &format!("/api/v1/units/{}/shapes", f.estates[0]),
        &admin,
    )
    .await;
    assert!(none.is_empty());
    let (st, body) = f
        .get(
            &format!("/api/v1/units/{}/shapes?of=parent", f.street),
            Some(&admin),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_error(&body, "bad_request");

    // Scope: a community's user sees its own community and below, nothing else (404 like a
    // unit that does not exist); no session, 401.
    let community = f.login(user_of(Role::Community)).await;
    let mine = shapes(
        &f,
        &format!("/api/v1/units/{}/shapes", f.communities[0]),
        &community,
    )
    .await;
    assert!(!mine.is_empty());
    for uri in [
        format!("/api/v1/units/{}/shapes", f.communities[1]),
        format!("/api/v1/units/{}/shapes", f.street),
        format!("/api/v1/units/{}/shapes?of=self", f.district),
        format!("/api/v1/units/{}/shapes", f.estates[1]),
        "/api/v1/units/NOPE/shapes".to_owned(),
    ] {
        let (st, body) = f.get(&uri, Some(&community)).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{uri}");
        assert_error(&body, "not_found");
    }
    let (st, _) = f
        .get(&format!("/api/v1/units/{}/shapes", f.street), None)
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    let doc = f
        .get_json("/api/v1/openapi.json", None, StatusCode::OK)
        .await;
    assert!(doc["paths"]["/api/v1/units/{code}/shapes"].is_object());
}

#[tokio::test]
async fn pages_draw_outlines_and_fall_back_to_positions() {
    let f = Fixture::with_plan(ServerConfig::default());
    let admin = f.login(user_of(Role::CityAdmin)).await;
    let page = |uri: String| {
        let f = &f;
        let admin = &admin;
        async move {
            let (st, body) = f.get(&uri, Some(admin)).await;
            assert_eq!(st, StatusCode::OK, "{uri}");
            String::from_utf8(body).expect("utf8")
        }
    };
    // The street's communities as a map coloured by the ranking's metric, drilling down.
    let html = page(format!("/u/{}?metric=putin_accuracy", f.street)).await;
    assert!(
        html.contains(&format!("data-geo=\"/api/v1/units/{}/shapes\"", f.street)),
        "{html}"
    );
    assert!(html.contains("\"type\":\"map\"") && html.contains("\"nameProperty\":\"code\""));
    assert!(html.contains("\"visualMap\""), "coloured by a metric");
    for c in &f.communities {
        assert!(
            html.contains(&format!("\"name\":\"{c}\""))
                && html.contains(&format!("\"url\":\"/u/{c}\""))
        );
    }
    assert!(
        html.contains("\"fallback\""),
        "positions when the outlines cannot be had"
    );

    // The plan's routes over its district's outline.
    let html = page("/plans".to_owned()).await;
    assert!(
        html.contains(&format!(
            "data-geo=\"/api/v1/units/{}/shapes?of=self\"",
            f.district
        )),
        "{html}"
    );
    assert!(html.contains("\"type\":\"lines\"") && html.contains("\"coordinateSystem\":\"geo\""));

    // A community whose estates have no outline: positions on plain axes.
    let db = f.dir.path().join("db").join("fenlei.sqlite");
    let conn = rusqlite::Connection::open(db).expect("db");
    let removed = conn
        .execute(
            "DELETE FROM unit_shapes WHERE unit IN (SELECT id FROM units WHERE parent = (SELECT id FROM units WHERE code = ?1))",
            [&f.communities[0]],
        )
        .expect("delete");
    assert!(removed > 0);
    let html = page(format!("/u/{}", f.communities[0])).await;
    assert!(!html.contains("data-geo="), "no outline, no fetch");
    assert!(
        html.contains("\"type\":\"scatter\"")
            && html.contains(&format!("\"url\":\"/e/{}\"", f.estates[0]))
    );
    let html = page(format!("/u/{}", f.communities[1])).await;
    assert!(
        html.contains("data-geo="),
        "the other community keeps its outlines"
    );
}
