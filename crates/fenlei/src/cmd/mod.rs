//! One module per subcommand: each defines its clap arguments and a `run` function.

pub mod guide;
pub mod route;
