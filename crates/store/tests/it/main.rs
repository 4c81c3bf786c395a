//! Integration tests of the embedded store: idempotency, out-of-order events, participation,
//! rollups against recomputation, crash recovery and the on-disk format.

mod compat;
mod durability;
mod fixture;
mod participation;
mod period;
mod recovery;
mod rollups;
mod shapes;
mod weighed;
