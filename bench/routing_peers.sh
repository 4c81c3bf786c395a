#!/usr/bin/env bash
# Same-run peer benchmark of fenlei's router against PyVRP (see bench/routing_peers.py).
# Installs PyVRP from PyPI into bench/.venv (git-ignored; PyVRP is a benchmark peer, never a
# dependency of the product), builds fenlei in release mode, and runs both solvers side by side.
#
#   bench/routing_peers.sh --set solomon --time 10          # Solomon 56, 10 s each (~10 min)
#   bench/routing_peers.sh --set gh --time 30               # Gehring-Homberger 200, 30 s each
#   bench/routing_peers.sh --set none --time 60 plan.vrp    # a `fenlei plan --export-vrplib` file
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
venv="$root/bench/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "pyvrp==0.14.*"
cargo build --release --quiet -p fenlei
exec "$venv/bin/python" "$root/bench/routing_peers.py" --fenlei "$root/target/release/fenlei" "$@"
