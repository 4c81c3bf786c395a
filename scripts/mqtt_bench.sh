#!/usr/bin/env bash
# Issue 11's MQTT figures with the release binary (build it first:
# `cargo build --release -p fenlei`). Simulated district days published by `fenlei sim
# --publish` and stored by `fenlei mqtt`, QoS 1, acknowledged after each batch is durable.
#
#   scripts/mqtt_bench.sh            # all three runs, 1 district day each (~450,000 events)
#   DAYS=2 scripts/mqtt_bench.sh
#
# 1. shared: the machine's Mosquitto (127.0.0.1:1883, default settings: 20 messages in flight
#    per client), publisher and subscriber at the same time.
# 2. queued: a private Mosquitto (port 18890, no in-flight limit) that queues the whole feed
#    for the subscriber's persistent session first; then the subscriber alone drains it.
# 3. two: the private broker, two subscribers in one shared subscription ($share/bench/…),
#    each into its own store, publisher at the same time.
set -euo pipefail
cd "$(dirname "$0")/.."
F="$PWD/target/release/fenlei"
DAYS="${DAYS:-1}"
W="${W:-$PWD/target/mqtt-bench}"
rm -rf "$W"; mkdir -p "$W"; chmod 777 "$W"
SIM=(--preset district --seed 42 --start 2026-11-01 --days "$DAYS")
init() { "$F" init --preset district --seed 42 --db "$1" > /dev/null; }
sub() { # broker db client extra… ; prints the summary line
  local broker=$1 db=$2 client=$3; shift 3
  "$F" mqtt --db "$db" --broker "$broker" --client-id "$client" --prefix bench/fenlei/v1 \
    --rejects "$W/rejects.jsonl" --idle-exit 3 --progress-every 1000 "$@"
}
publish() {
  "$F" sim "${SIM[@]}" --publish "$1" --prefix bench/fenlei/v1 --client-id "pub-$RANDOM" --batch 1000 2>/dev/null
}

echo "== 1. shared broker 127.0.0.1:1883, publish and subscribe at once"
init "$W/s1"
sub mqtt://127.0.0.1:1883 "$W/s1" "bench-$$" > "$W/s1.out" 2>/dev/null &
SUB=$!; sleep 1
t0=$(date +%s.%N)
publish mqtt://127.0.0.1:1883
echo "publisher: $(echo "$(date +%s.%N) - $t0" | bc) s"
wait $SUB; cat "$W/s1.out"

echo "== 2. private broker, the feed queued first, then one subscriber drains it"
printf "listener 18890 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 0\nmax_queued_messages 0\nmemory_limit 0\n" > "$W/m.conf"
mosquitto -c "$W/m.conf" > /dev/null 2>&1 &
BROKER=$!; sleep 0.5
init "$W/s2"
# Create the persistent session, leave.
timeout 3 "$F" mqtt --db "$W/s2" --broker mqtt://127.0.0.1:18890 --client-id queued --prefix bench/fenlei/v1 --idle-exit 0.5 > /dev/null 2>&1 || true
publish mqtt://127.0.0.1:18890
/usr/bin/time -f "subscriber: %e s wall, %U+%S s CPU, %M KB max RSS" \
  "$F" mqtt --db "$W/s2" --broker mqtt://127.0.0.1:18890 --client-id queued --prefix bench/fenlei/v1 \
  --rejects "$W/rejects.jsonl" --idle-exit 2 --progress-every 1000 2>&1 | grep -v '^subscribed\|^warning'

echo "== 3. private broker, two subscribers sharing one stream (\$share/bench), publisher at once"
init "$W/a"; init "$W/b"
sub mqtt://127.0.0.1:18890 "$W/a" share-a --share bench > "$W/a.out" 2>/dev/null &
A=$!
sub mqtt://127.0.0.1:18890 "$W/b" share-b --share bench > "$W/b.out" 2>/dev/null &
B=$!; sleep 1
start=$(date +%s.%N)
publish mqtt://127.0.0.1:18890
wait $A $B
end=$(date +%s.%N)
cat "$W/a.out" "$W/b.out"
kill $BROKER
echo "two subscribers: publish start to both idle, $(echo "$end - $start - 3" | bc) s (idle wait excluded)"
