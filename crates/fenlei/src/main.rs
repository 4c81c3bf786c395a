//! `fenlei`: the one binary. Parses flags, hands each subcommand to its module under `cmd/`,
//! and maps errors to exit codes. No domain logic lives here.

mod bar;
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
    /// Simulate a district, store 30 days, print its metrics (start here).
    Demo(cmd::demo::DemoArgs),
    /// Serve the HTTP API and the web dashboard on a store.
    Serve(cmd::serve::ServeArgs),
    /// Dashboard and API accounts: add, list, disable.
    #[command(subcommand)]
    User(cmd::user::UserCommand),
    /// Device and integration tokens for ingest: issue, revoke, list.
    #[command(subcommand)]
    Token(cmd::token::TokenCommand),
    /// Create a store holding a simulated city's units, households, trucks and facilities.
    Init(cmd::init::InitArgs),
    /// Units' outlines on the map: import GeoJSON.
    #[command(subcommand)]
    Units(cmd::units::UnitsCommand),
    /// Simulate days of a city into feed files or into a store.
    Sim(cmd::sim::SimArgs),
    /// Store feed files (JSON lines or CSV): deduplicated, validated, rejects reported.
    Ingest(cmd::ingest::IngestArgs),
    /// Print every metric for every unit of a level over a period.
    Report(cmd::report::ReportArgs),
    /// Plan a district's collection routes for a category and day (or show stored plans).
    Plan(cmd::plan::PlanArgs),
    /// The collection chain: trips, mixed-transport findings, mass balance, plan against actual.
    #[command(subcommand)]
    Chain(cmd::chain::ChainCommand),
    /// Subscribe to devices over MQTT and store what they report (QoS 1, acked once durable).
    Mqtt(cmd::mqtt::MqttArgs),
    /// Check the whole store: log checksums, one record per id, every rollup against the raw events.
    Verify(cmd::verify::VerifyArgs),
    /// Quarantine damaged put-in log blocks and rebuild the rollups from what remains.
    Repair(cmd::repair::RepairArgs),
    /// Rate every unit under rating rule sets and publish the record (immutable, versioned).
    Evaluate(cmd::evaluate::EvaluateArgs),
    /// Rectification cases: open, assign, evidence, fix, verify, reopen, list, stats.
    #[command(subcommand)]
    Case(cmd::case::CaseCommand),
    /// Red and black lists: publish snapshots (CSV, JSON, xlsx), verify them byte for byte.
    #[command(subcommand)]
    Disclose(cmd::disclose::DiscloseCommand),
    /// Units against their inherited targets: gap, projection to the deadline, at-risk list.
    Targets(cmd::targets::TargetsArgs),
    /// Station incidents: list, acknowledge, handle, escalate from stored time.
    #[command(subcommand)]
    Incident(cmd::incident::IncidentCommand),
    /// Green-account points: post, balance, history, redeem, reverse, verify.
    #[command(subcommand)]
    Points(cmd::points::PointsCommand),
    /// Benchmarks: ingest throughput, query latency.
    #[command(subcommand)]
    Bench(cmd::bench::BenchCommand),
    /// Look up an item's category in the sorting guide (垃圾分类指南).
    Guide(cmd::guide::GuideArgs),
    /// Vehicle routing: solve an instance file or benchmark the solver.
    #[command(subcommand)]
    Route(cmd::route::RouteCommand),
}

fn main() -> std::process::ExitCode {
    quiet_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => cmd::demo::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::User(command) => cmd::user::run(command),
        Command::Token(command) => cmd::token::run(command),
        Command::Init(args) => cmd::init::run(args),
        Command::Units(command) => cmd::units::run(command),
        Command::Sim(args) => cmd::sim::run(args),
        Command::Ingest(args) => cmd::ingest::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Chain(command) => cmd::chain::run(command),
        Command::Mqtt(args) => cmd::mqtt::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Repair(args) => cmd::repair::run(args),
        Command::Evaluate(args) => cmd::evaluate::run(args),
        Command::Case(command) => cmd::case::run(command),
        Command::Disclose(command) => cmd::disclose::run(command),
        Command::Targets(args) => cmd::targets::run(args),
        Command::Incident(command) => cmd::incident::run(command),
        Command::Points(command) => cmd::points::run(command),
        Command::Bench(command) => cmd::bench::run(command),
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

/// `fenlei report … | head`: when the reader of stdout goes away, printing fails with a broken
/// pipe and `println!` panics. Stop quietly and successfully instead, as C tools killed by
/// SIGPIPE stop; every other panic keeps the default report.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
