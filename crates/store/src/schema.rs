//! The SQLite schema of the embedded store and its format version.
//!
//! Rollup tables are keyed `(unit, grain, start, …)` where `grain` is 0 = day, 1 = month and
//! `start` is the period's first day (days since 1970-01-01, local time). Every unit level
//! holds both grains, so a query for any unit and any period reads at most about 60 day rows
//! and a month row per whole month. (A year grain would save a dozen rows per yearly query
//! and cost a third more rollup writes on every flush; it did not pay.)

use rusqlite::Connection;

/// Version of the store's on-disk format (SQLite schema and put-in log together).
pub const FORMAT_VERSION: u32 = 1;

/// Period grain of a rollup row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Grain {
    /// One day.
    Day = 0,
    /// One calendar month.
    Month = 1,
}

/// Grains, finest first.
pub const GRAINS: [Grain; 2] = [Grain::Day, Grain::Month];

pub(crate) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- first_household, registered: for estates, the run of household ids that live there (so
-- queries need not load the households).
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, level INTEGER NOT NULL,
    parent INTEGER, households INTEGER NOT NULL, residents INTEGER NOT NULL,
    accepts INTEGER NOT NULL, x_m INTEGER NOT NULL, y_m INTEGER NOT NULL,
    first_household INTEGER, registered INTEGER);
CREATE TABLE IF NOT EXISTS households (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, estate INTEGER NOT NULL,
    home_point INTEGER NOT NULL, persons INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS vehicles (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, category INTEGER NOT NULL,
    capacity_kg INTEGER NOT NULL, district INTEGER NOT NULL, depot_x_m INTEGER NOT NULL,
    depot_y_m INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS facilities (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,
    accepts INTEGER NOT NULL, capacity_t_per_day INTEGER NOT NULL, x_m INTEGER NOT NULL,
    y_m INTEGER NOT NULL);
-- Low-volume events, raw: the wire CSV row of the event's type (id first), about half the size
-- of its JSON line. The key makes re-delivery idempotent; seq orders replays.
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, key INTEGER NOT NULL UNIQUE, type TEXT NOT NULL,
    day INTEGER NOT NULL, body TEXT NOT NULL);
-- One type's events of some days (a day's incidents, a month's pickups) without reading all.
-- Created on open where missing: older stores gain it without a format change.
CREATE INDEX IF NOT EXISTS events_type_day ON events (type, day);
-- Rollups are keyed period first: one period's rows for a whole level are one range scan
-- (unit ids are breadth first, so each level is a contiguous id range), and one unit's rows
-- for a period are one seek.
CREATE TABLE IF NOT EXISTS facts (
    grain INTEGER NOT NULL, start INTEGER NOT NULL, unit INTEGER NOT NULL, category INTEGER NOT NULL,
    putin_grams INTEGER NOT NULL, putins INTEGER NOT NULL, judged INTEGER NOT NULL,
    correct INTEGER NOT NULL, collected_grams INTEGER NOT NULL, mixed_grams INTEGER NOT NULL,
    pickups INTEGER NOT NULL, poor_pickups INTEGER NOT NULL, weighed_grams INTEGER NOT NULL,
    containers INTEGER NOT NULL, containers_pass INTEGER NOT NULL,
    PRIMARY KEY (grain, start, unit, category)) WITHOUT ROWID;
-- Participating households (see `bitmap`), for points (who put in there) and districts (by
-- home); an estate, community or street counts its own household range of its district's set.
CREATE TABLE IF NOT EXISTS participation (
    grain INTEGER NOT NULL, start INTEGER NOT NULL, unit INTEGER NOT NULL, households BLOB NOT NULL,
    PRIMARY KEY (grain, start, unit)) WITHOUT ROWID;
-- Named counters that have no category: incidents per kind, inspections, score sums.
CREATE TABLE IF NOT EXISTS counters (
    grain INTEGER NOT NULL, start INTEGER NOT NULL, unit INTEGER NOT NULL, name TEXT NOT NULL,
    value REAL NOT NULL, PRIMARY KEY (grain, start, unit, name)) WITHOUT ROWID;
-- What each estate's pickups in a period held, for coverage (sorted collection and transport):
-- bit 1 kitchen waste picked up, 2 other waste picked up, 4 something lifted by a truck of
-- another category. Bits only ever get set, so a flush ORs them in.
CREATE TABLE IF NOT EXISTS pickup_flags (
    grain INTEGER NOT NULL, start INTEGER NOT NULL, estate INTEGER NOT NULL, flags INTEGER NOT NULL,
    PRIMARY KEY (grain, start, estate)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS treatment_flows (
    event_key INTEGER NOT NULL, facility INTEGER NOT NULL, from_day INTEGER NOT NULL,
    to_day INTEGER NOT NULL, category INTEGER NOT NULL, route INTEGER NOT NULL,
    grams INTEGER NOT NULL, PRIMARY KEY (event_key, category, route)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS treatment_flows_period ON treatment_flows (to_day, from_day);
-- Collection plans (see fenlei_domain::plan): a plan, its routes, their stops.
CREATE TABLE IF NOT EXISTS plans (
    id INTEGER PRIMARY KEY, district INTEGER NOT NULL, category INTEGER NOT NULL, day INTEGER NOT NULL,
    created TEXT NOT NULL, points INTEGER NOT NULL, expected_kg REAL NOT NULL, vehicles INTEGER NOT NULL,
    distance_m INTEGER NOT NULL, feasible INTEGER NOT NULL, iterations INTEGER NOT NULL,
    solve_seconds REAL NOT NULL);
CREATE TABLE IF NOT EXISTS plan_routes (
    plan INTEGER NOT NULL, route INTEGER NOT NULL, vehicle INTEGER NOT NULL, points INTEGER NOT NULL,
    trips INTEGER NOT NULL, collected_kg REAL NOT NULL, distance_m INTEGER NOT NULL,
    duration_s INTEGER NOT NULL, PRIMARY KEY (plan, route)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS plan_stops (
    plan INTEGER NOT NULL, route INTEGER NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
    at INTEGER, arrival INTEGER NOT NULL, start INTEGER NOT NULL, load_kg REAL NOT NULL,
    PRIMARY KEY (plan, route, seq)) WITHOUT ROWID;
-- Units' outlines on the map (see shapes.rs): GeoJSON MultiPolygon coordinates in the local
-- metres plane, as JSON text. Created on open where missing: older stores gain it without a
-- format change.
CREATE TABLE IF NOT EXISTS unit_shapes (unit INTEGER PRIMARY KEY, rings TEXT NOT NULL);
-- How much of the raw data the rollups hold: bytes of each put-in day file, and events.seq.
-- Weighbridge tonnage of the units' ticketed pickups, written by the chain's reconciliation
-- (see weighed.rs), by the tickets' category.
CREATE TABLE IF NOT EXISTS weighed (
    grain INTEGER NOT NULL, start INTEGER NOT NULL, unit INTEGER NOT NULL, category INTEGER NOT NULL,
    lifted_grams INTEGER NOT NULL, ticketed_grams INTEGER NOT NULL,
    PRIMARY KEY (grain, start, unit, category)) WITHOUT ROWID;
-- The put-ins of each bin (point × category) and day, summed, with the first and last second
-- they were made (see bin_days.rs): what the collection chain reads instead of the put-in log.
-- Created on open where missing, and then filled from the log (meta `bin_days`).
CREATE TABLE IF NOT EXISTS bin_days (
    day INTEGER NOT NULL, point INTEGER NOT NULL, category INTEGER NOT NULL,
    grams INTEGER NOT NULL, first_second INTEGER NOT NULL, last_second INTEGER NOT NULL,
    PRIMARY KEY (day, point, category)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoint_log (day INTEGER PRIMARY KEY, applied_bytes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoint_events (id INTEGER PRIMARY KEY CHECK (id = 1), applied_seq INTEGER NOT NULL);
"#;

/// Opens a connection with the pragmas the store relies on.
pub(crate) fn connect(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF;
         PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}
