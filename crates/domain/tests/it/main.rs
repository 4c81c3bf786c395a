//! Integration tests of the domain crate: time, rule sets, validation.

mod fastjson;
mod fixture;
mod rules;
mod time;
mod validate;
