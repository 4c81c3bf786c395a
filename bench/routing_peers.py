"""Same-run peer benchmark: fenlei against PyVRP on the same instances.

For every instance both solvers start together, one thread each, with the same time budget
and seed; each writes a CVRPLIB `.sol` file, and both files are judged by fenlei's independent
checker (`fenlei route check --json`). The result is one Markdown table (distance, vehicles,
gap to the best-known value, ratio fenlei / PyVRP) plus a summary per family.

PyVRP is a benchmark peer only: it lives in bench/.venv, never in the product. Run through
bench/routing_peers.sh, which sets up the virtual environment and builds fenlei.

Instances:
* Solomon / Gehring-Homberger text files, DIMACS convention (every arc floor(10 d), travel
  time = distance, windows and service times x 10), exactly as `fenlei route solve`.
* VRPLIB files written by `fenlei plan --export-vrplib` (explicit matrices, windows,
  reload facilities; the lunch break is not given to PyVRP, which has no breaks: fenlei's
  checker puts it at its best place in PyVRP's routes, so a PyVRP route may come out late).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


# ----------------------------------------------------------------------------- instances


def read_solomon(path: Path):
    """(name, vehicles, capacity, rows) with rows (id, x, y, demand, ready, due, service)."""
    lines = path.read_text(encoding="latin-1").splitlines()
    name = lines[0].strip()
    vehicles = capacity = None
    rows = []
    for i, line in enumerate(lines):
        f = line.split()
        if f[:2] == ["NUMBER", "CAPACITY"]:
            k = i + 1
            while not lines[k].split():
                k += 1
            vehicles, capacity = (int(v) for v in lines[k].split()[:2])
        if len(f) >= 7 and all(_is_num(v) for v in f[:7]):
            rows.append(tuple(int(float(v)) for v in f[:7]))
    return name, vehicles, capacity, rows


def _is_num(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


@dataclass
class Peer:
    """A PyVRP model and how to write its routes with the instance file's ids."""

    model: object
    client_ids: list[int]
    reload_ids: dict[int, int]
    end_unload: int | None


def solomon_model(path: Path) -> Peer:
    """PyVRP model of a Solomon file in the DIMACS convention, and each client's .sol id."""
    from pyvrp import Model

    _, vehicles, capacity, rows = read_solomon(path)
    m = Model()
    locs = [m.add_location(x, y) for (_, x, y, *_rest) in rows]
    depot_row = rows[0]
    depot = m.add_depot(locs[0], tw_early=depot_row[4] * 10, tw_late=depot_row[5] * 10)
    m.add_vehicle_type(
        num_available=vehicles,
        capacity=capacity,
        start_depot=depot,
        end_depot=depot,
        tw_early=depot_row[4] * 10,
        tw_late=depot_row[5] * 10,
    )
    ids = []
    for loc, (cid, _x, _y, demand, ready, due, service) in zip(locs[1:], rows[1:]):
        m.add_client(
            loc,
            delivery=demand,
            service_duration=service * 10,
            tw_early=ready * 10,
            tw_late=due * 10,
        )
        ids.append(cid)
    for a, ra in zip(locs, rows):
        for b, rb in zip(locs, rows):
            if a is not b:
                dx, dy = ra[1] - rb[1], ra[2] - rb[2]
                d = math.isqrt(100 * (dx * dx + dy * dy))
                m.add_edge(a, b, distance=d, duration=d)
    return Peer(m, ids, {}, None)


def read_vrplib_export(path: Path):
    """Sections of a fenlei plan export: header values and section rows."""
    header, sections, current = {}, {}, None
    for line in path.read_text().splitlines():
        t = line.strip()
        if not t or t == "EOF":
            continue
        first = t.split()[0]
        if first.endswith("_SECTION"):
            current = first
            sections[current] = []
        elif ":" in t and t.split(":")[0].strip().replace("_", "").isupper():
            k, v = t.split(":", 1)
            header[k.strip()] = v.strip()
            current = None
        else:
            sections[current].append(t.split())
    return header, sections


def vrplib_model(path: Path) -> Peer:
    """PyVRP model of a `fenlei plan --export-vrplib` file: node 1 the depot, then the
    facilities (PyVRP reload depots), then the clients; `.sol` ids are node ids minus one."""
    from pyvrp import Model

    header, sec = read_vrplib_export(path)
    n = int(header["DIMENSION"])
    depots = sorted(int(r[0]) for r in sec["DEPOT_SECTION"] if int(r[0]) > 0)
    reload_nodes = sorted({int(v) for r in sec["VEHICLES_RELOAD_DEPOT_SECTION"] for v in r[1:]})
    windows = {int(r[0]): (int(r[1]), int(r[2])) for r in sec["TIME_WINDOW_SECTION"]}
    service = {int(r[0]): int(r[1]) for r in sec["SERVICE_TIME_SECTION"]}
    demand = {int(r[0]): int(r[1]) for r in sec["DEMAND_SECTION"]}
    dist = [[int(v) for v in row] for row in sec["EDGE_WEIGHT_SECTION"]]
    dur = [[int(v) for v in row] for row in sec["EDGE_DURATION_SECTION"]]
    assert len(dist) == n and len(dur) == n
    m = Model()
    locs = [m.add_location(0, 0) for _ in range(n)]
    by_node = {}
    for i in depots:
        early, late = windows[i]
        by_node[i] = m.add_depot(locs[i - 1], tw_early=early, tw_late=late,
                                 service_duration=service.get(i, 0))
    capacity = int(header["CAPACITY"])
    daily = header.get("MAX_DAILY_LOAD")
    # At most this many loads a day; the last is unloaded on the way home (see below).
    trips = int(daily) // capacity if daily else None
    m.add_vehicle_type(
        num_available=int(header["VEHICLES"]),
        capacity=capacity,
        start_depot=by_node[1],
        end_depot=by_node[1],
        tw_early=windows[1][0],
        tw_late=windows[1][1],
        reload_depots=[by_node[i] for i in reload_nodes],
        **({"max_reloads": trips - 1} if trips else {}),
    )
    ids = []
    for i in range(1, n + 1):
        if i in by_node:
            continue
        early, late = windows[i]
        m.add_client(locs[i - 1], delivery=demand[i], service_duration=service[i],
                     tw_early=early, tw_late=late)
        ids.append(i - 1)
    for a in range(n):
        for b in range(n):
            if a != b:
                m.add_edge(locs[a], locs[b], distance=dist[a][b], duration=dur[a][b])
    reloads = {k: node - 1 for k, node in enumerate(depots) if node in reload_nodes}
    end_unload = reload_nodes[0] - 1 if header.get("END_EMPTY") == "1" else None
    return Peer(m, ids, reloads, end_unload)


def model_for(path: Path) -> Peer:
    if path.suffix == ".vrp":
        return vrplib_model(path)
    return solomon_model(path)


# ----------------------------------------------------------------------------- solving


def solve_pyvrp(instance: Path, seconds: float, seed: int, sol: Path) -> None:
    """Runs PyVRP on one instance and writes its best solution as a .sol file."""
    from pyvrp.stop import MaxRuntime

    peer = model_for(instance)
    res = peer.model.solve(stop=MaxRuntime(seconds), seed=seed, display=False)
    lines = []
    for k, route in enumerate(res.best.routes(), start=1):
        visits = []
        for act in route.schedule()[1:-1]:
            if act.is_client():
                visits.append(peer.client_ids[act.idx])
            elif act.idx in peer.reload_ids:
                visits.append(peer.reload_ids[act.idx])
        if peer.end_unload is not None:
            # fenlei's waste rule: unload before going home (PyVRP has no such rule).
            visits.append(peer.end_unload)
        lines.append(f"Route #{k}: " + " ".join(map(str, visits)))
    lines.append(f"Cost {res.cost()}")
    sol.write_text("\n".join(lines) + "\n")


def judge(fenlei: Path, instance: Path, sol: Path) -> dict:
    """fenlei's checker on a .sol file."""
    out = subprocess.run(
        [str(fenlei), "route", "check", str(instance), str(sol), "--json"],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


def run_pair(args, instance: Path, out: Path) -> tuple[dict, dict]:
    """Starts fenlei and PyVRP together on one instance; returns both checker verdicts."""
    stem = instance.stem
    ours, theirs = out / f"{stem}.fenlei.sol", out / f"{stem}.pyvrp.sol"
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    procs = [
        subprocess.Popen(
            [str(args.fenlei), "route", "solve", str(instance), "--time", str(args.time),
             "--seed", str(args.seed), "--sol", str(ours)]
            # Benchmark instances by distance (as PyVRP); a plan export by fenlei's own
            # objective for a day: fewest trucks, then distance.
            + ([] if instance.suffix == ".vrp" else ["--objective", "distance"])
            + (["--threads", str(args.threads)] if args.threads > 1 else []),
            stdout=subprocess.DEVNULL, env=env,
        ),
        subprocess.Popen(
            [sys.executable, __file__, "--pyvrp-solve", str(instance), "--time", str(args.time),
             "--seed", str(args.seed), "--sol", str(theirs)],
            env=env,
        ),
    ]
    for p in procs:
        if p.wait() != 0:
            raise SystemExit(f"{p.args[0]} failed on {instance}")
    return judge(args.fenlei, instance, ours), judge(args.fenlei, instance, theirs)


# ----------------------------------------------------------------------------- report


def load_bks(path: Path) -> dict[str, tuple[int, float]]:
    """DIMACS best-known distances by lower-case instance name."""
    rows = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["objective"] == "distance_dimacs" and row["distance"]:
                rows[row["instance"].lower()] = (int(row["vehicles"] or 0), float(row["distance"]))
    return rows


def family(name: str) -> str:
    """C1, C2, R1, R2, RC1, RC2 (Solomon and Gehring-Homberger), else the name."""
    n = name.upper()
    for f in ("RC1", "RC2", "C1", "C2", "R1", "R2"):
        if n.startswith(f):
            return f
    return n


def distance_of(verdict: dict) -> float | None:
    return float(verdict["cost"]) if verdict["feasible"] else None


def report(results: list[tuple[str, dict, dict]], bks: dict, seconds: float) -> str:
    """The Markdown table and per-family summary."""
    lines = [
        "| instance | BKS | fenlei | veh | PyVRP | veh | fenlei gap | PyVRP gap | fenlei / PyVRP |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    per_family: dict[str, list[tuple[float, float]]] = {}
    wins = losses = ties = 0
    for name, ours, theirs in results:
        a, b = distance_of(ours), distance_of(theirs)
        ref_known = bks.get(name.lower())
        # Without a best-known value, the better of the two in this run is the reference.
        ref = ref_known[1] if ref_known else min(x for x in (a, b, math.inf) if x is not None)

        def gap(x):
            return None if x is None or ref in (None, math.inf) else 100 * (x - ref) / ref

        ga, gb = gap(a), gap(b)
        if a is not None and b is not None:
            per_family.setdefault(family(name), []).append((ga, gb))
            if a < b - 1e-9:
                wins += 1
            elif a > b + 1e-9:
                losses += 1
            else:
                ties += 1

        def fmt(x, digits=1):
            return "infeasible" if x is None else f"{x:.{digits}f}"

        lines.append(
            f"| {name} | {fmt(ref_known[1]) if ref_known else '–'} | {fmt(a)} | {ours['vehicles']} "
            f"| {fmt(b)} | {theirs['vehicles']} | {fmt(ga, 2)} % | {fmt(gb, 2)} % "
            f"| {a / b if a and b else float('nan'):.4f} |"
        )
    lines += ["", "| family | instances | fenlei mean gap | PyVRP mean gap |", "|---|---:|---:|---:|"]
    every = []
    for fam in sorted(per_family):
        rows = per_family[fam]
        every += rows
        lines.append(
            f"| {fam} | {len(rows)} | {statistics.mean(r[0] for r in rows):.3f} % "
            f"| {statistics.mean(r[1] for r in rows):.3f} % |"
        )
    if every:
        lines.append(
            f"| all | {len(every)} | **{statistics.mean(r[0] for r in every):.3f} %** "
            f"| **{statistics.mean(r[1] for r in every):.3f} %** |"
        )
    lines += [
        "",
        f"{seconds:g} s each, seed as given, one thread each, started together. fenlei shorter on "
        f"{wins}, PyVRP shorter on {losses}, equal on {ties}. Gaps are to the DIMACS best-known "
        "value where data/vrp/bks.csv has one, else to the better of the two results (marked –).",
    ]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- main


def instances(args) -> list[Path]:
    root = Path(args.data)
    sets = {
        "solomon": sorted((root / "solomon").glob("*.txt")),
        "gh": sorted((root / "gehring_homberger").glob("*_2_*.txt")),
    }
    files = [] if args.set == "none" else sets[args.set]
    files += [Path(f) for f in args.files]
    if args.only:
        prefixes = [p.lower() for p in args.only.split(",")]
        files = [f for f in files if any(f.stem.lower().startswith(p) for p in prefixes)]
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pyvrp-solve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--sol", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--fenlei", type=Path, default=Path("target/release/fenlei"))
    ap.add_argument("--data", default="data/vrp")
    ap.add_argument("--set", choices=["solomon", "gh", "none"], default="solomon")
    ap.add_argument("--only", help="instance name prefixes, comma-separated")
    ap.add_argument("--time", type=float, default=10.0, help="seconds per instance")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="fenlei threads (report apart)")
    ap.add_argument("--out", type=Path, default=Path("bench/out"))
    ap.add_argument("files", nargs="*", help="more instance files (e.g. a plan export)")
    args = ap.parse_args()
    if args.pyvrp_solve:
        solve_pyvrp(args.pyvrp_solve, args.time, args.seed, args.sol)
        return
    files = instances(args)
    if not files:
        raise SystemExit("no instances")
    args.out.mkdir(parents=True, exist_ok=True)
    bks = load_bks(Path(args.data) / "bks.csv")
    results = []
    started = time.time()
    for k, f in enumerate(files, start=1):
        ours, theirs = run_pair(args, f, args.out)
        name = ours["instance"]
        results.append((name, ours, theirs))
        print(f"[{k}/{len(files)} {time.time() - started:.0f} s] {name}: fenlei {ours['cost']} "
              f"({ours['vehicles']} veh, feasible {ours['feasible']}), PyVRP {theirs['cost']} "
              f"({theirs['vehicles']} veh, feasible {theirs['feasible']})", file=sys.stderr)
    table = report(results, bks, args.time)
    (args.out / "table.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
