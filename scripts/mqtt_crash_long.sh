#!/usr/bin/env bash
# Issue 11's long MQTT crash run with the release binary (`cargo build --release -p fenlei`):
# the simulator publishes DAYS district days (6 days: 3.2 M events) with QoS 1 to a private
# Mosquitto (port 18892, no queue limit) while `fenlei mqtt` is killed with SIGKILL at random
# moments (0.1–0.7 s apart, for as long as the publisher runs) and restarted with the same
# client id (persistent session). Then the subscriber drains what is left, and the store is compared with a file
# ingest of the same feed: every put-in figure per point (`report --level point`), the chain per
# point and day (`chain balance`), and `verify`. Prints kills, records received, stored,
# duplicates; fails on any difference.
#
#   scripts/mqtt_crash_long.sh          # the figures in BENCHMARKS.md
#   DAYS=1 scripts/mqtt_crash_long.sh
set -euo pipefail
cd "$(dirname "$0")/.."
F="$PWD/target/release/fenlei"
DAYS="${DAYS:-6}"
W="${W:-$PWD/target/mqtt-crash}"
rm -rf "$W"; mkdir -p "$W"; chmod 777 "$W"
SIM=(--preset district --seed 42 --start 2026-11-01 --days "$DAYS")
printf "listener 18892 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 0\nmax_queued_messages 0\nmemory_limit 0\n" > "$W/m.conf"
mosquitto -c "$W/m.conf" > /dev/null 2>&1 &
BROKER=$!
trap 'kill $BROKER 2>/dev/null || true' EXIT
sleep 0.5
"$F" init --preset district --seed 42 --db "$W/db" > /dev/null
SUB=(mqtt --db "$W/db" --broker mqtt://127.0.0.1:18892 --client-id crash --rejects "$W/rejects.jsonl" --progress-every 1000)
# The session exists before anything is published.
timeout 5 "$F" "${SUB[@]}" --idle-exit 0.5 > /dev/null 2>&1 || true
"$F" sim "${SIM[@]}" --publish mqtt://127.0.0.1:18892 --client-id crash-pub --batch 1000 > "$W/pub.out" 2>/dev/null &
PUB=$!
kills=0
while kill -0 "$PUB" 2> /dev/null; do
  "$F" "${SUB[@]}" >> "$W/sub.out" 2>/dev/null &
  S=$!
  sleep "$(awk -v r=$RANDOM 'BEGIN{printf "%.2f", 0.1 + 0.6 * r / 32767}')"
  kill -9 "$S" 2>/dev/null || true
  wait "$S" 2>/dev/null || true
  kills=$((kills + 1))
done
wait $PUB
cat "$W/pub.out"
"$F" "${SUB[@]}" --idle-exit 3 | tee -a "$W/sub.out"
echo "kills: $kills"
# The reference: the same feed through a file.
"$F" init --preset district --seed 42 --db "$W/ref" > /dev/null
"$F" sim "${SIM[@]}" --out "$W/feed.jsonl" > /dev/null
"$F" ingest --db "$W/ref" "$W/feed.jsonl" > /dev/null
LAST=$(date -d "2026-11-01 + $((DAYS - 1)) days" +%F)
for q in "report --level point --format csv" "chain balance --level point --by day --format json"; do
  # shellcheck disable=SC2086
  "$F" $q --db "$W/db" --from 2026-11-01 --to "$LAST" > "$W/a.txt"
  # shellcheck disable=SC2086
  "$F" $q --db "$W/ref" --from 2026-11-01 --to "$LAST" > "$W/b.txt"
  if cmp -s "$W/a.txt" "$W/b.txt"; then echo "same as a file ingest: $q"; else echo "DIFFERENT: $q"; exit 1; fi
done
"$F" verify --db "$W/db" | tail -3
