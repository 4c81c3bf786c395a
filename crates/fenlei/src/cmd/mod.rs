//! One module per subcommand: each defines its clap arguments and a `run` function.

pub mod bench;
pub mod demo;
pub mod guide;
pub mod ingest;
pub mod init;
pub mod plan;
pub mod repair;
pub mod report;
pub mod route;
pub mod sim;
pub mod store_args;
pub mod verify;
