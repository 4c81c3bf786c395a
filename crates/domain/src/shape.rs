//! A unit's outline on the map: a multipolygon in the city's local plane (metres east and
//! north of the city's origin, the plane of [`crate::Unit::x_m`] and [`crate::Unit::y_m`]).
//!
//! The coordinates are those of a GeoJSON `MultiPolygon`: polygons, each an exterior ring
//! followed by its holes, each ring a closed list of `[x, y]` positions (first equals last).
//! [`Shape::check`] holds a shape to that; [`Shape::contains`] answers point-in-outline
//! (even-odd over a polygon's rings, so a hole is outside).

/// A position `[x, y]` in metres east and north of the city's origin.
pub type Position = [f64; 2];
/// A closed ring of positions (first equals last).
pub type Ring = Vec<Position>;
/// A polygon: its exterior ring, then its holes.
pub type Polygon = Vec<Ring>;

/// A unit's outline: one or more polygons (GeoJSON `MultiPolygon` coordinates).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Shape(pub Vec<Polygon>);

/// Why a shape is not a valid outline.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("polygon {polygon}, ring {ring}: {message}")]
pub struct ShapeError {
    /// Index of the polygon.
    pub polygon: usize,
    /// Index of the ring within it (0: exterior).
    pub ring: usize,
    /// What is wrong.
    pub message: String,
}

impl Shape {
    /// One polygon without holes, closed here if `ring` is open.
    pub fn from_ring(mut ring: Ring) -> Shape {
        if ring.first() != ring.last() {
            let first = ring[0];
            ring.push(first);
        }
        Shape(vec![vec![ring]])
    }

    /// Checks the shape: at least one polygon, each with an exterior ring; every ring of at
    /// least four finite positions, closed, enclosing a non-zero area.
    pub fn check(&self) -> Result<(), ShapeError> {
        let err = |polygon, ring, message: String| ShapeError {
            polygon,
            ring,
            message,
        };
        if self.0.is_empty() {
            return Err(err(0, 0, "no polygon".into()));
        }
        for (p, polygon) in self.0.iter().enumerate() {
            if polygon.is_empty() {
                return Err(err(p, 0, "no exterior ring".into()));
            }
            for (r, ring) in polygon.iter().enumerate() {
                if ring.len() < 4 {
                    return Err(err(
                        p,
                        r,
                        format!("{} positions; a ring needs at least 4", ring.len()),
                    ));
                }
                if let Some(bad) = ring
                    .iter()
                    .position(|c| !c[0].is_finite() || !c[1].is_finite())
                {
                    return Err(err(p, r, format!("position {bad} is not a finite number")));
                }
                if ring.first() != ring.last() {
                    return Err(err(
                        p,
                        r,
                        "not closed (the last position must equal the first)".into(),
                    ));
                }
                if ring_area(ring) == 0.0 {
                    return Err(err(p, r, "encloses no area".into()));
                }
            }
        }
        Ok(())
    }

    /// Whether `(x, y)` lies inside the outline (on an edge counts as inside).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        self.0.iter().any(|polygon| {
            if polygon.iter().any(|ring| on_ring(ring, x, y)) {
                return true;
            }
            polygon.iter().filter(|ring| crosses(ring, x, y)).count() % 2 == 1
        })
    }

    /// Area in square metres (exteriors less holes).
    pub fn area(&self) -> f64 {
        self.0
            .iter()
            .map(|polygon| {
                let mut rings = polygon.iter().map(|r| ring_area(r).abs());
                let outer = rings.next().unwrap_or(0.0);
                outer - rings.sum::<f64>()
            })
            .sum()
    }

    /// `[min_x, min_y, max_x, max_y]` (`None` for a shape without positions).
    pub fn bbox(&self) -> Option<[f64; 4]> {
        let mut it = self.0.iter().flatten().flatten();
        let first = *it.next()?;
        Some(it.fold([first[0], first[1], first[0], first[1]], |b, c| {
            [
                b[0].min(c[0]),
                b[1].min(c[1]),
                b[2].max(c[0]),
                b[3].max(c[1]),
            ]
        }))
    }

    /// Positions, all rings together.
    pub fn positions(&self) -> usize {
        self.0.iter().flatten().map(Vec::len).sum()
    }
}

/// Signed area of a closed ring (shoelace; counter-clockwise positive).
pub fn ring_area(ring: &[Position]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum::<f64>()
        / 2.0
}

/// Whether a ray from `(x, y)` towards +x crosses the ring an odd number of times.
fn crosses(ring: &[Position], x: f64, y: f64) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let ([x1, y1], [x2, y2]) = (w[0], w[1]);
        if (y1 > y) != (y2 > y) {
            let xc = x1 + (y - y1) / (y2 - y1) * (x2 - x1);
            if x < xc {
                inside = !inside;
            }
        }
    }
    inside
}

fn on_ring(ring: &[Position], x: f64, y: f64) -> bool {
    ring.windows(2).any(|w| {
        let ([x1, y1], [x2, y2]) = (w[0], w[1]);
        let cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
        let len = ((x2 - x1).powi(2) + (y2 - y1).powi(2)).sqrt();
        cross.abs() <= 1e-9 * len.max(1.0)
            && x >= x1.min(x2) - 1e-9
            && x <= x1.max(x2) + 1e-9
            && y >= y1.min(y2) - 1e-9
            && y <= y1.max(y2) + 1e-9
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, s: f64) -> Ring {
        vec![
            [x0, y0],
            [x0 + s, y0],
            [x0 + s, y0 + s],
            [x0, y0 + s],
            [x0, y0],
        ]
    }

    #[test]
    fn contains_and_holes() {
        let shape = Shape(vec![vec![square(0.0, 0.0, 10.0), square(4.0, 4.0, 2.0)]]);
        shape.check().unwrap();
        assert!(shape.contains(1.0, 1.0));
        assert!(!shape.contains(5.0, 5.0), "inside the hole");
        assert!(shape.contains(4.0, 5.0), "on the hole's edge");
        assert!(shape.contains(10.0, 3.0), "on the exterior's edge");
        assert!(!shape.contains(11.0, 3.0));
        assert_eq!(shape.area(), 96.0);
        assert_eq!(shape.bbox(), Some([0.0, 0.0, 10.0, 10.0]));
    }

    #[test]
    fn check_names_the_bad_ring() {
        let open = Shape(vec![
            vec![square(0.0, 0.0, 1.0)],
            vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]],
        ]);
        let e = open.check().unwrap_err();
        assert_eq!((e.polygon, e.ring), (1, 0));
        assert!(e.message.contains("not closed"), "{e}");
        let flat = Shape::from_ring(vec![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]);
        assert!(flat.check().unwrap_err().message.contains("no area"));
        let short = Shape(vec![vec![vec![[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]]]);
        assert!(short.check().unwrap_err().message.contains("at least 4"));
        let nan = Shape::from_ring(vec![[0.0, 0.0], [f64::NAN, 0.0], [1.0, 1.0]]);
        assert!(nan.check().unwrap_err().message.contains("finite"));
        assert!(Shape(vec![]).check().is_err());
    }
}
