#!/usr/bin/env bash
# The long crash run of issue 7: the release `fenlei` binary killed with SIGKILL at >= 200
# random moments while it ingests a feed of >= 10 M events (23 days of the district preset),
# each killed delivery sent again, then the whole feed once more. Prints kills, events, records
# lost and records doubled (both must be 0), and fails otherwise. About 7 minutes on 2 cores
# after the release build, and ~5 GB of disk in the work folder (feed, segments, two stores).
#
#   scripts/crash_long.sh                   # the figures in BENCHMARKS.md
#   FENLEI_CRASH_KILLS=20 FENLEI_CRASH_DAYS=3 scripts/crash_long.sh   # a quicker look
#
# Every FENLEI_CRASH_* variable of crates/fenlei/tests/crash.rs can be set.
set -euo pipefail
cd "$(dirname "$0")/.."

export FENLEI_CRASH_PRESET="${FENLEI_CRASH_PRESET:-district}"
export FENLEI_CRASH_DAYS="${FENLEI_CRASH_DAYS:-23}"
export FENLEI_CRASH_KILLS="${FENLEI_CRASH_KILLS:-200}"
export FENLEI_CRASH_SEGMENTS="${FENLEI_CRASH_SEGMENTS:-100}"
export FENLEI_CRASH_BATCH="${FENLEI_CRASH_BATCH:-20000}"
export FENLEI_CRASH_SEED="${FENLEI_CRASH_SEED:-7}"
# Tests run in their package folder: the work folder is given as an absolute path.
export FENLEI_CRASH_DIR="${FENLEI_CRASH_DIR:-$PWD/target/crash-long}"

start=$(date +%s)
cargo test --release -p fenlei --test crash -- --nocapture --test-threads=1 2>&1 | tee target/crash-long.log
echo "crash_long: $(( $(date +%s) - start )) s; work folder $FENLEI_CRASH_DIR (delete it when done)"
