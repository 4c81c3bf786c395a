//! Integration tests of fenlei-governance.

mod cases;
mod disclose;
mod evaluations;
mod fixture;
mod incidents;
mod points;
mod rules;
mod targets;
