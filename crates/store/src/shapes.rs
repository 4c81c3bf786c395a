//! Units' outlines on the map ([`Shape`]): one row per unit in `unit_shapes`, the GeoJSON
//! `MultiPolygon` coordinates as JSON text. Written by the simulator when it creates a store
//! and by `fenlei units import-geojson`; read by the dashboard's maps. A unit without a row has
//! no outline (the dashboard then draws its position).

use crate::embedded::{EmbeddedStore, StoreError};
use fenlei_domain::{Shape, UnitId};
use rusqlite::{OptionalExtension, params};

fn decode(unit: u32, text: &str) -> Result<Shape, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("outline of unit id {unit}: {e}")))
}

impl EmbeddedStore {
    /// Stores the outlines of `shapes` in one transaction, replacing what those units had.
    /// Every shape is checked ([`Shape::check`]) before anything is written.
    pub fn save_shapes(&mut self, shapes: &[(UnitId, Shape)]) -> Result<(), StoreError> {
        let n = self.model().units.len();
        for (u, s) in shapes {
            if u.0 as usize >= n {
                return Err(StoreError::Invalid(format!(
                    "outline for unknown unit id {}",
                    u.0
                )));
            }
            s.check().map_err(|e| {
                StoreError::Invalid(format!("outline of {}: {e}", self.model().unit(*u).code))
            })?;
        }
        let tx = self.conn.transaction()?;
        {
            let mut st = tx.prepare("INSERT OR REPLACE INTO unit_shapes VALUES (?1, ?2)")?;
            for (u, s) in shapes {
                let text = serde_json::to_string(s)
                    .map_err(|e| StoreError::Invalid(format!("outline of unit id {}: {e}", u.0)))?;
                st.execute(params![u.0, text])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A unit's outline, if it has one.
    pub fn shape(&self, unit: UnitId) -> Result<Option<Shape>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT rings FROM unit_shapes WHERE unit = ?1",
                [unit.0],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| decode(unit.0, &t)).transpose()
    }

    /// The outlines of those of `units` that have one, in the order of `units`.
    pub fn shapes_of(&self, units: &[UnitId]) -> Result<Vec<(UnitId, Shape)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT rings FROM unit_shapes WHERE unit = ?1")?;
        let mut out = Vec::new();
        for &u in units {
            let text: Option<String> = st.query_row([u.0], |r| r.get(0)).optional()?;
            if let Some(t) = text {
                out.push((u, decode(u.0, &t)?));
            }
        }
        Ok(out)
    }

    /// How many units have an outline.
    pub fn shape_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM unit_shapes", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }
}
