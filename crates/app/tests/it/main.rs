//! Integration tests of the use cases: ingesting feed files, reports, simulation paths.

mod incidents;
mod ingest;
mod plan;
mod records;
mod report;
mod shapes;
