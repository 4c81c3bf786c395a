//! One module per subcommand: each defines its clap arguments and a `run` function.

pub mod bench;
pub mod case;
pub mod chain;
pub mod demo;
pub mod disclose;
pub mod evaluate;
pub mod govern_args;
pub mod guide;
pub mod incident;
pub mod ingest;
pub mod init;
pub mod mqtt;
pub mod plan;
pub mod points;
pub mod repair;
pub mod report;
pub mod route;
pub mod serve;
pub mod sim;
pub mod store_args;
pub mod targets;
pub mod token;
pub mod units;
pub mod user;
pub mod verify;
