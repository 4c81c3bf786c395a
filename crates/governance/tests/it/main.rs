//! Integration tests of fenlei-governance.

mod evaluations;
mod fixture;
mod rules;
