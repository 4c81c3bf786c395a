//! `fenlei route ...`: solve one instance file, judge a solution file, or benchmark the
//! solver on the shipped instances (`data/vrp`) against `bks.csv`, every result judged by the
//! independent checker.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fenlei_routing::check::place_breaks;
use fenlei_routing::io::{
    BksRow, Convention, Format, Instance, read_bks, read_instance, read_sol, write_sol,
};
use fenlei_routing::{Objective, Progress, ProgressInfo, SolveParams, Visit, check, solve};

/// Objective flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ObjectiveArg {
    /// Distance (DIMACS convention for Solomon).
    Distance,
    /// Fewest vehicles, then distance (exact Euclidean for Solomon).
    Hierarchical,
}

impl From<ObjectiveArg> for Objective {
    fn from(o: ObjectiveArg) -> Self {
        match o {
            ObjectiveArg::Distance => Objective::Distance,
            ObjectiveArg::Hierarchical => Objective::Hierarchical,
        }
    }
}

/// Benchmark sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SetArg {
    /// Solomon 100-customer VRPTW (56).
    Solomon,
    /// Gehring–Homberger 200-customer VRPTW.
    Gh,
    /// CVRPLIB X (CVRP).
    X,
    /// Multi-trip VRPTW with release times.
    Mtvrptwr,
    /// Kim et al. waste collection.
    Kim,
    /// All of the above.
    All,
}

/// How long and on how many threads each run searches.
#[derive(Debug, clap::Args)]
pub struct Budget {
    /// Seconds of search per run.
    #[arg(long, default_value_t = 10.0)]
    time: f64,
    /// Iterations per run (with no --time given, the only limit).
    #[arg(long)]
    iterations: Option<u64>,
    /// Parallel searches per run (seeds seed, seed+1, …), the best wins. 1 is the
    /// single-thread solver that benchmarks compare; report other figures apart.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

impl Budget {
    fn params(&self, seed: u64) -> SolveParams {
        SolveParams {
            seed,
            max_iterations: self.iterations,
            time_limit: if self.iterations.is_some() && self.time == 10.0 {
                None
            } else {
                Some(Duration::from_secs_f64(self.time))
            },
            objective: Objective::Distance,
            initial: None,
            threads: self.threads,
        }
    }
}

/// Subcommands of `fenlei route`.
#[derive(Debug, clap::Subcommand)]
pub enum RouteCommand {
    /// Solve one instance file (Solomon, VRPLIB/MTVRPTWR or Kim `*_stop.txt`).
    Solve {
        /// Instance file.
        file: PathBuf,
        #[command(flatten)]
        budget: Budget,
        /// Random seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Objective (default: hierarchical for Kim instances, distance otherwise).
        #[arg(long, value_enum)]
        objective: Option<ObjectiveArg>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Write the solution in CVRPLIB `.sol` format to this file.
        #[arg(long)]
        sol: Option<PathBuf>,
    },
    /// Judge a solution file (`.sol`: `Route #k: ids`, as `solve --sol` writes and other
    /// solvers print) with the independent checker; breaks, which `.sol` files do not record,
    /// are put at their best place first.
    Check {
        /// Instance file.
        file: PathBuf,
        /// Solution file.
        sol: PathBuf,
        /// Objective whose distance convention applies (default as for `solve`).
        #[arg(long, value_enum)]
        objective: Option<ObjectiveArg>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Benchmark on the shipped instances against bks.csv.
    Bench {
        /// Which set.
        #[arg(long, value_enum, default_value_t = SetArg::Solomon)]
        set: SetArg,
        #[command(flatten)]
        budget: Budget,
        /// Seeds per instance (the median result is reported).
        #[arg(long, default_value_t = 1)]
        seeds: u64,
        /// Objective (default as for `solve`).
        #[arg(long, value_enum)]
        objective: Option<ObjectiveArg>,
        /// Data folder.
        #[arg(long, default_value = "data/vrp")]
        dir: PathBuf,
        /// Only instances whose name starts with one of these (comma-separated), e.g. `C1,R101`.
        #[arg(long)]
        only: Option<String>,
    },
}

/// Runs `fenlei route ...`.
pub fn run(command: RouteCommand) -> Result<()> {
    match command {
        RouteCommand::Solve {
            file,
            budget,
            seed,
            objective,
            json,
            sol,
        } => solve_cmd(&file, &budget, seed, objective, json, sol.as_deref()),
        RouteCommand::Check {
            file,
            sol,
            objective,
            json,
        } => check_cmd(&file, &sol, objective, json),
        RouteCommand::Bench {
            set,
            budget,
            seeds,
            objective,
            dir,
            only,
        } => bench_cmd(set, &budget, seeds, objective, &dir, only.as_deref()),
    }
}

/// Progress line on stderr, only when stderr is a terminal.
struct Line {
    label: String,
    show: bool,
}

impl Progress for Line {
    fn report(&mut self, info: &ProgressInfo) {
        if self.show {
            eprint!(
                "\r{}: {:>8} it  {:>6.1} s  best {} ({} veh)   ",
                self.label,
                info.iteration,
                info.elapsed.as_secs_f64(),
                info.best_cost.map_or("-".to_string(), |c| c.to_string()),
                info.best_vehicles
            );
        }
    }
}

fn default_objective(format: Format) -> Objective {
    match format {
        Format::Kim | Format::WasteVrplib => Objective::Hierarchical,
        _ => Objective::Distance,
    }
}

/// Reads an instance with the objective chosen for it.
fn load(path: &Path, objective: Option<ObjectiveArg>) -> Result<(Instance, Objective)> {
    let probe = read_instance(path, Objective::Distance)?;
    let objective = objective.map_or(default_objective(probe.format), Objective::from);
    let instance = if objective == Objective::Distance {
        probe
    } else {
        read_instance(path, objective)?
    };
    Ok((instance, objective))
}

/// Measured outcome of one run, in the instance's reported units.
struct Outcome {
    feasible: bool,
    vehicles: usize,
    distance: f64,
    duration: f64,
    travel_time: f64,
    iterations: u64,
    seconds: f64,
    solution: fenlei_routing::Solution,
}

fn run_one(instance: &Instance, objective: Objective, params: SolveParams, label: &str) -> Outcome {
    let mut line = Line {
        label: label.to_string(),
        show: std::io::stderr().is_terminal(),
    };
    let result = solve(
        &instance.problem,
        &SolveParams {
            objective,
            ..params
        },
        &mut line,
    );
    if line.show {
        eprint!("\r{:80}\r", "");
    }
    let report = check(&instance.problem, &result.solution);
    let ts = instance.convention.time_scale();
    Outcome {
        feasible: report.is_feasible(),
        vehicles: report.vehicles,
        distance: instance.reported_distance(&result.solution),
        duration: report.duration as f64 / ts,
        travel_time: report.travel_time as f64 / ts,
        iterations: result.iterations,
        seconds: result.elapsed.as_secs_f64(),
        solution: result.solution,
    }
}

/// Cost in the instance's convention, as text.
fn cost_text(instance: &Instance, distance: f64) -> String {
    match instance.convention {
        Convention::Dimacs if instance.format == Format::Mtvrptwr => {
            format!("{:.0}", distance * 10.0)
        }
        Convention::Dimacs => format!("{distance:.1}"),
        Convention::Exact => format!("{distance:.2}"),
        Convention::Rounded => format!("{distance:.0}"),
        Convention::Kim => format!("{:.0}", distance),
    }
}

fn solve_cmd(
    file: &Path,
    budget: &Budget,
    seed: u64,
    objective: Option<ObjectiveArg>,
    json: bool,
    sol: Option<&Path>,
) -> Result<()> {
    let (instance, objective) = load(file, objective)?;
    let out = run_one(&instance, objective, budget.params(seed), &instance.name);
    let report = check(&instance.problem, &out.solution);
    let cost = cost_text(&instance, out.distance);
    if let Some(path) = sol {
        std::fs::write(path, write_sol(&instance, &out.solution, &cost))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let kim = instance.format == Format::Kim;
    let distance_unit = if kim { "ft" } else { "" };
    let routes_ids: Vec<Vec<String>> = out
        .solution
        .routes
        .iter()
        .map(|r| {
            r.visits
                .iter()
                .map(|v| visit_label(&instance, *v))
                .collect()
        })
        .collect();
    if json {
        let routes: Vec<String> = routes_ids
            .iter()
            .zip(&report.routes)
            .map(|(ids, rr)| {
                let ids: Vec<String> = ids.iter().map(|s| format!("\"{s}\"")).collect();
                format!(
                    "{{\"visits\":[{}],\"distance\":{:.4},\"duration\":{:.1},\"trips\":{}}}",
                    ids.join(","),
                    rr.distance as f64 / instance.convention.distance_scale(),
                    rr.duration as f64 / instance.convention.time_scale(),
                    rr.trips
                )
            })
            .collect();
        println!(
            "{{\"instance\":\"{}\",\"objective\":\"{}\",\"feasible\":{},\"vehicles\":{},\"cost\":\"{}\",\"distance\":{:.4},\"duration\":{:.1},\"travel_time\":{:.1},\"iterations\":{},\"seconds\":{:.2},\"iterations_per_second\":{:.0},\"violations\":[{}],\"routes\":[{}]}}",
            instance.name,
            if objective == Objective::Distance {
                "distance"
            } else {
                "hierarchical"
            },
            out.feasible,
            out.vehicles,
            cost,
            out.distance,
            out.duration,
            out.travel_time,
            out.iterations,
            out.seconds,
            out.iterations as f64 / out.seconds.max(1e-9),
            report
                .violations()
                .iter()
                .map(|v| format!("\"{}\"", v.replace('"', "'")))
                .collect::<Vec<_>>()
                .join(","),
            routes.join(",")
        );
        return Ok(());
    }
    for (k, (ids, rr)) in routes_ids.iter().zip(&report.routes).enumerate() {
        println!(
            "Route #{}: {}   [distance {:.1}{distance_unit}, duration {:.0}, trips {}]",
            k + 1,
            ids.join(" "),
            rr.distance as f64 / instance.convention.distance_scale(),
            rr.duration as f64 / instance.convention.time_scale(),
            rr.trips
        );
    }
    println!("Cost {cost}");
    println!(
        "{}: {} vehicles, distance {:.2}{distance_unit}{}, duration {:.0}, travel time {:.0}{}, feasible {}, {} iterations in {:.1} s ({:.0} it/s)",
        instance.name,
        out.vehicles,
        out.distance,
        if kim {
            format!(" ({:.1} mi)", out.distance / 5280.0)
        } else {
            String::new()
        },
        out.duration,
        out.travel_time,
        if kim { " s" } else { "" },
        out.feasible,
        out.iterations,
        out.seconds,
        out.iterations as f64 / out.seconds.max(1e-9),
    );
    for v in report.violations() {
        println!("violation: {v}");
    }
    Ok(())
}

fn check_cmd(file: &Path, sol: &Path, objective: Option<ObjectiveArg>, json: bool) -> Result<()> {
    let (instance, _) = load(file, objective)?;
    let text =
        std::fs::read_to_string(sol).with_context(|| format!("reading {}", sol.display()))?;
    let mut solution = read_sol(&sol.display().to_string(), &text, &instance)?.solution;
    place_breaks(&instance.problem, &mut solution);
    let report = check(&instance.problem, &solution);
    let distance = instance.reported_distance(&solution);
    let cost = cost_text(&instance, distance);
    if json {
        let value = serde_json::json!({
            "instance": instance.name,
            "feasible": report.is_feasible(),
            "vehicles": report.vehicles,
            "cost": cost,
            "distance": distance,
            "duration": report.duration as f64 / instance.convention.time_scale(),
            "violations": report.violations(),
        });
        println!("{value}");
    } else {
        println!(
            "{}: {} vehicles, cost {cost}, feasible {}",
            instance.name,
            report.vehicles,
            report.is_feasible()
        );
        for v in report.violations() {
            println!("violation: {v}");
        }
    }
    Ok(())
}

/// A visit as the file's id (a break shows as `L`).
fn visit_label(instance: &Instance, visit: Visit) -> String {
    match visit {
        Visit::Client(c) => instance.sol_ids[instance.problem.clients()[c].location].to_string(),
        Visit::Facility(f) => format!("[{}]", instance.facility_ids[f]),
        Visit::Break => "L".to_string(),
    }
}

fn set_dirs(set: SetArg) -> Vec<&'static str> {
    match set {
        SetArg::Solomon => vec!["solomon"],
        SetArg::Gh => vec!["gehring_homberger"],
        SetArg::X => vec!["cvrplib_x"],
        SetArg::Mtvrptwr => vec!["mtvrptwr"],
        SetArg::Kim => vec!["wcvrptw_kim2006"],
        SetArg::All => vec![
            "solomon",
            "gehring_homberger",
            "cvrplib_x",
            "mtvrptwr",
            "wcvrptw_kim2006",
        ],
    }
}

/// The BKS row for an instance under the convention actually used.
fn bks_row<'a>(
    rows: &'a [BksRow],
    instance: &Instance,
    objective: Objective,
) -> Option<&'a BksRow> {
    let key = match (instance.format, objective) {
        (Format::Solomon, Objective::Distance) => "distance_dimacs",
        (Format::Solomon, Objective::Hierarchical) => "hier_vehicles_then_distance",
        (Format::Cvrp, _) => "distance_rounded_int",
        (Format::Mtvrptwr, _) => "distance_dimacs_x10",
        (Format::Kim | Format::WasteVrplib, _) => return None,
    };
    rows.iter()
        .find(|r| r.objective == key && r.instance.eq_ignore_ascii_case(&instance.name))
}

/// How one benchmark result compares with its best-known row.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// No best-known value for this instance and objective.
    NoBks,
    /// The result is infeasible: it has no gap and must not pull the mean down.
    Infeasible,
    /// Hierarchical objective, and the result uses this many vehicles more (or fewer) than
    /// the best-known solution: the distances are not comparable.
    OtherFleet(i64),
    /// Distance gap in percent.
    Gap(f64),
}

fn judge(
    objective: Objective,
    feasible: bool,
    vehicles: usize,
    distance: f64,
    row: Option<&BksRow>,
) -> Verdict {
    let Some((value, bks_vehicles)) = row.and_then(|r| r.value.map(|v| (v, r.vehicles))) else {
        return Verdict::NoBks;
    };
    if !feasible {
        return Verdict::Infeasible;
    }
    if objective == Objective::Hierarchical
        && let Some(bv) = bks_vehicles
        && bv != vehicles
    {
        return Verdict::OtherFleet(vehicles as i64 - bv as i64);
    }
    Verdict::Gap(100.0 * (distance - value) / value)
}

fn bench_cmd(
    set: SetArg,
    budget: &Budget,
    seeds: u64,
    objective: Option<ObjectiveArg>,
    dir: &Path,
    only: Option<&str>,
) -> Result<()> {
    let bks_path = dir.join("bks.csv");
    let bks_text = std::fs::read_to_string(&bks_path)
        .with_context(|| format!("reading {}", bks_path.display()))?;
    let bks = read_bks(&bks_path.display().to_string(), &bks_text)?;
    let filters: Vec<&str> = only.map_or(Vec::new(), |s| s.split(',').collect());
    let mut files = Vec::new();
    for sub in set_dirs(set) {
        let folder = dir.join(sub);
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&folder)
            .with_context(|| format!("reading {}", folder.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                (name.ends_with(".txt") || name.ends_with(".vrp")) && !name.ends_with(".sol")
            })
            .filter(|p| {
                let stem = p
                    .file_stem()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                filters.is_empty()
                    || filters
                        .iter()
                        .any(|f| stem.to_lowercase().starts_with(&f.to_lowercase()))
            })
            .collect();
        entries.sort();
        files.extend(entries);
    }
    if files.is_empty() {
        bail!("no instances found under {}", dir.display());
    }
    if budget.threads > 1 {
        println!(
            "{} parallel searches per run (not comparable with single-thread figures)",
            budget.threads
        );
    }
    println!(
        "{:<14} {:>4} {:>12} {:>12} {:>8} {:>5} {:>7} {:>9} {:>4}",
        "instance", "veh", "cost", "bks", "gap%", "bksV", "time", "it/s", "ok"
    );
    let mut gaps = Vec::new();
    let mut zero = 0;
    let mut vehicle_matches = 0;
    let mut with_vehicle_bks = 0;
    let mut infeasible = 0;
    let mut other_fleet = 0;
    let mut total_its = 0.0;
    let mut total_secs = 0.0;
    for path in &files {
        let (instance, objective) = load(path, objective)?;
        let mut runs = Vec::new();
        for seed in 0..seeds {
            let label = format!("{} seed {seed}", instance.name);
            runs.push(run_one(&instance, objective, budget.params(seed), &label));
        }
        // Median by (feasible first, vehicles, distance).
        runs.sort_by(|a, b| {
            (!a.feasible, a.vehicles)
                .cmp(&(!b.feasible, b.vehicles))
                .then(a.distance.total_cmp(&b.distance))
        });
        let mid = &runs[runs.len() / 2];
        total_its += runs.iter().map(|r| r.iterations as f64).sum::<f64>();
        total_secs += runs.iter().map(|r| r.seconds).sum::<f64>();
        if !mid.feasible {
            infeasible += 1;
        }
        let row = bks_row(&bks, &instance, objective);
        let ours = if instance.format == Format::Mtvrptwr {
            (mid.distance * 10.0).round()
        } else if instance.convention == Convention::Dimacs {
            (mid.distance * 10.0).round() / 10.0
        } else {
            mid.distance
        };
        let verdict = judge(objective, mid.feasible, mid.vehicles, ours, row);
        let bks_text = row
            .and_then(|r| r.value)
            .map_or("-".into(), |v| format!("{v}"));
        let bks_veh = row
            .and_then(|r| r.vehicles)
            .map_or("-".into(), |v| v.to_string());
        if row.and_then(|r| r.vehicles).is_some() && mid.feasible {
            with_vehicle_bks += 1;
            if row.and_then(|r| r.vehicles) == Some(mid.vehicles) {
                vehicle_matches += 1;
            }
        }
        let gap_text = match verdict {
            Verdict::NoBks => "-".to_string(),
            Verdict::Infeasible => "infeas.".to_string(),
            Verdict::OtherFleet(diff) => {
                other_fleet += 1;
                format!("{diff:+}veh")
            }
            Verdict::Gap(gap) => {
                gaps.push(gap);
                if gap < 0.005 {
                    zero += 1;
                }
                format!("{gap:.2}")
            }
        };
        let cost = if instance.format == Format::Kim {
            format!("{:.1}mi", mid.distance / 5280.0)
        } else {
            cost_text(&instance, mid.distance)
        };
        println!(
            "{:<14} {:>4} {:>12} {:>12} {:>8} {:>5} {:>7.1} {:>9.0} {:>4}",
            instance.name,
            mid.vehicles,
            cost,
            bks_text,
            gap_text,
            bks_veh,
            mid.seconds,
            mid.iterations as f64 / mid.seconds.max(1e-9),
            if mid.feasible { "yes" } else { "NO" }
        );
        if instance.format == Format::Kim {
            println!(
                "{:<14} travel time {:.2} h, route time {:.2} h (incl. service, disposal, lunch)",
                "",
                mid.travel_time / 3600.0,
                mid.duration / 3600.0
            );
        }
    }
    let mean = if gaps.is_empty() {
        0.0
    } else {
        gaps.iter().sum::<f64>() / gaps.len() as f64
    };
    let worst = gaps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    println!(
        "summary: {} instances, mean gap {:.3} % over the {} compared, {} at 0.00 %, worst {:.2} %, vehicle counts matching BKS {}/{}, {} with another fleet size than the BKS (not compared on distance), infeasible {}, {:.0} it/s overall",
        files.len(),
        mean,
        gaps.len(),
        zero,
        if gaps.is_empty() { 0.0 } else { worst },
        vehicle_matches,
        with_vehicle_bks,
        other_fleet,
        infeasible,
        total_its / total_secs.max(1e-9)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(vehicles: usize, value: f64) -> BksRow {
        BksRow {
            instance: "R104".into(),
            set: "solomon100".into(),
            objective: "hier_vehicles_then_distance".into(),
            vehicles: Some(vehicles),
            value: Some(value),
        }
    }

    /// A hierarchical result with more vehicles is not compared on distance, however short.
    #[test]
    fn more_vehicles_get_no_distance_gap() {
        let bks = row(9, 1000.0);
        assert_eq!(
            judge(Objective::Hierarchical, true, 10, 950.0, Some(&bks)),
            Verdict::OtherFleet(1)
        );
        assert_eq!(
            judge(Objective::Hierarchical, true, 9, 1010.0, Some(&bks)),
            Verdict::Gap(1.0)
        );
        // Under the distance objective the fleet size is free.
        assert_eq!(
            judge(Objective::Distance, true, 10, 1010.0, Some(&bks)),
            Verdict::Gap(1.0)
        );
        assert_eq!(
            judge(Objective::Distance, false, 10, 900.0, Some(&bks)),
            Verdict::Infeasible
        );
        assert_eq!(
            judge(Objective::Distance, true, 10, 900.0, None),
            Verdict::NoBks
        );
    }
}
