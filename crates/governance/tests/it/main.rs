//! Integration tests of fenlei-governance.

mod cases;
mod evaluations;
mod fixture;
mod points;
mod rules;
