//! `fenlei`: the one binary. Parses flags, hands each subcommand to its module under `cmd/`,
//! and maps errors to exit codes. No domain logic lives here.

mod cmd;

use clap::{Parser, Subcommand};

/// fenlei (分类): household-waste sorting, measured and managed.
#[derive(Debug, Parser)]
#[command(name = "fenlei", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Look up an item's category in the sorting guide (垃圾分类指南).
    Guide(cmd::guide::GuideArgs),
    /// Vehicle routing: solve an instance file or benchmark the solver.
    #[command(subcommand)]
    Route(cmd::route::RouteCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Guide(args) => cmd::guide::run(args),
        Command::Route(command) => cmd::route::run(command),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
