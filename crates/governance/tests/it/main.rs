//! Integration tests of fenlei-governance.

mod cases;
mod evaluations;
mod fixture;
mod incidents;
mod points;
mod rules;
