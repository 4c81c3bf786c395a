#!/usr/bin/env bash
# Server benchmark (issue 10): wrk and `fenlei bench serve-ingest` against `fenlei serve` on
# loopback, on a simulated district's store (365 days by default, kept in target/bench-serve).
#
#   bench/serve.sh                   # DAYS=365 DUR=15s CONN=32 THREADS=2 PORT=18080
#   DAYS=30 DUR=10s bench/serve.sh   # quicker
#
# Measures: the metrics of the district and of every estate (12 calendar months each, with and
# without the server's report cache), the ranking of the district's streets, guide lookups,
# and batch ingest over HTTP (put-ins stored per second, durable before each answer).
set -euo pipefail
cd "$(dirname "$0")/.."

DAYS=${DAYS:-365}
DB=${DB:-target/bench-serve-$DAYS}
PORT=${PORT:-18080}
DUR=${DUR:-15s}
CONN=${CONN:-32}
THREADS=${THREADS:-2}
BIN=target/release/fenlei
WORK=target/bench-serve-work
mkdir -p "$WORK"

command -v wrk >/dev/null || apt-get install -y wrk
cargo build --release -p fenlei

if [ ! -e "$DB/fenlei.sqlite" ]; then
    echo "== simulating $DAYS days of the district into $DB"
    "$BIN" sim --preset district --days "$DAYS" --into "$DB"
fi
code_of() { "$BIN" report --db "$DB" --level "$1" --format csv | python3 -c 'import csv,sys; r=csv.DictReader(sys.stdin); print("\n".join(sorted({row["id"] for row in r})))'; }
CITY=$(code_of city)
DISTRICT=$(code_of district)
code_of estate > "$WORK/estates.txt"

PASSWORD=bench-password-$$
# A fresh user per run (names are unique): bench-<pid>.
USER_NAME=bench-$$
printf '%s\n' "$PASSWORD" | "$BIN" user add --db "$DB" "$USER_NAME" --role city_admin --scope "$CITY" --password-stdin
TOKEN=$("$BIN" token issue --db "$DB" --name "bench-$$" --scope "$CITY" | grep -o 'flt_[0-9a-f]*' | head -1)

SERVER_PID=
start() {
    "$BIN" serve --db "$DB" --addr "127.0.0.1:$PORT" "$@" > "$WORK/serve.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
        sleep 0.2
    done
    curl -sf -c "$WORK/cookies" -H 'content-type: application/json' \
        -d "{\"name\":\"$USER_NAME\",\"password\":\"$PASSWORD\"}" "http://127.0.0.1:$PORT/api/v1/login" >/dev/null
    SESSION=$(awk '$6=="fenlei_session"{print $7}' "$WORK/cookies")
}
stop() { [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" && wait "$SERVER_PID" || true; SERVER_PID=; }
trap stop EXIT

# Paths: every estate × the 12 calendar months before the store's last month.
python3 - "$WORK/estates.txt" "$WORK/estate-months.txt" <<'PY'
import sys, datetime
codes = [l.strip() for l in open(sys.argv[1]) if l.strip()]
today = datetime.date.today()
months = []
y, m = today.year, today.month
for _ in range(12):
    m -= 1
    if m == 0:
        y, m = y - 1, 12
    start = datetime.date(y, m, 1)
    end = (datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1))
    months.append((start, end))
with open(sys.argv[2], "w") as f:
    for c in codes:
        for s, e in months:
            f.write(f"/api/v1/units/{c}/metrics?from={s}&to={e}\n")
PY
printf '%s\n' 电池 快餐盒 香蕉皮 旧报纸 塑料瓶 过期药品 猫砂 大骨头 湿纸巾 玻璃瓶 易拉罐 茶叶渣 纽扣电池 荧光灯管 烟头 外卖盒 kuaicanhe 废电池 diancghi 鸡蛋壳 \
    | python3 -c 'import sys,urllib.parse; [print("/api/v1/guide?q="+urllib.parse.quote(l.strip())+"&city=shanghai") for l in sys.stdin if l.strip()]' > "$WORK/guide.txt"

cat > "$WORK/rotate.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA

run() {
    local name=$1; shift
    echo "== $name"
    wrk -t"$THREADS" -c"$CONN" -d"$DUR" --latency -H "cookie: fenlei_session=$SESSION" "$@" \
        | grep -E 'Requests/sec|Non-2xx|Socket errors|^ +(50|99)%|Latency  '
}

start
curl -sf -o /dev/null -b "fenlei_session=$SESSION" "http://127.0.0.1:$PORT/api/v1/guide?q=x"
run "metrics: the district, default period (cached)" "http://127.0.0.1:$PORT/api/v1/units/$DISTRICT/metrics"
run "ranking: the district's streets by accuracy (cached)" "http://127.0.0.1:$PORT/api/v1/units/$DISTRICT/ranking?metric=putin_accuracy"
PATHS="$WORK/estate-months.txt" run "metrics: $(wc -l < "$WORK/estate-months.txt") estate-months in turn (cache filling)" -s "$WORK/rotate.lua" "http://127.0.0.1:$PORT"
PATHS="$WORK/guide.txt" run "guide lookups ($(wc -l < "$WORK/guide.txt") items in turn)" -s "$WORK/rotate.lua" "http://127.0.0.1:$PORT"

# A feed of two days the store holds (40 days before its last), stored again as new records:
# every run rewrites the ids with its own prefix, so nothing is a duplicate.
START=$(date -u -d "-41 days" +%F)
FEED="$WORK/feed-$START.jsonl"
[ -e "$FEED" ] || "$BIN" sim --preset district --days 2 --start "$START" --out "$FEED" >/dev/null 2>&1
for BATCH in 10000 50000; do
    echo "== batch ingest over HTTP, $BATCH records per request"
    "$BIN" bench serve-ingest --addr "127.0.0.1:$PORT" --token "$TOKEN" "$FEED" --batch "$BATCH" \
        --connections 2 --id-prefix "r$$-$BATCH-"
done
stop

printf 'cache_reports = false\n' > "$WORK/nocache.toml"
start --config "$WORK/nocache.toml"
run "metrics: the district, default period (uncached)" "http://127.0.0.1:$PORT/api/v1/units/$DISTRICT/metrics"
run "ranking: the district's streets by accuracy (uncached)" "http://127.0.0.1:$PORT/api/v1/units/$DISTRICT/ranking?metric=putin_accuracy"
PATHS="$WORK/estate-months.txt" run "metrics: estate-months in turn (uncached)" -s "$WORK/rotate.lua" "http://127.0.0.1:$PORT"
stop
