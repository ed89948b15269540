#!/usr/bin/env bash
# The groups benchmark, on demand (never in CI): one large group (500 members, 100 online) and many small ones (100
# of 5, all online), the members sending at a few fixed open-loop rates, a share to the large group; per rate:
# deliveries/s, delivery latency, every message accounted for at every online member, server CPU per delivery and
# PostgreSQL CPU per message. Also the day's echo ceiling (a bare WebSocket echo driven by the same tool), the
# yardstick of the machine the figures were taken on.
#
#   scripts/bench-groups.sh [--rates "100 200 400"] [--repeat 1] [--duration 20s] [--warmup 5s]
#                           [--large-members 500] [--large-online 100] [--small-groups 100] [--small-members 5]
#                           [--large-share 0.1] [--window 64] [--out target/bench/groups]
#
# It starts what it measures, as scripts/bench-chat.sh does: the all-in-one (limits raised, on a fresh database: a
# new one on the PostgreSQL of PG_URL if set, else an embedded PostgreSQL in a temporary folder) and the echo server,
# and stops them at the end. PostgreSQL's CPU is its postmaster's process tree (found from its postmaster.pid); on
# the server of PG_URL that includes whatever else that server runs meanwhile. Each group is created by its first
# member, one creation per user and run: the hourly creation limit (CHAT_GROUP_CREATES_PER_HOUR) needs no raising.
# Before the measured runs, a groups run of SERVER_WARMUP (30s; 0s: none) at the first rate warms the server's JIT up.
# Ports: BENCH_PORT (18080), BENCH_MANAGEMENT_PORT (19090), ECHO_PORT (18090), BENCH_PG_PORT (54339, embedded).
# JVM flags: LOAD_JAVA_OPTS (default -XX:+UseSerialGC) for the load generator, BENCH_JAVA_OPTS for the server. The
# groups runs drive the load from RATE_EVENT_LOOPS (1) client event loops, which leaves more of two shared cores
# to the server; the echo ceiling keeps the tool's default, one loop per core.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RATES="100 200 400" REPEAT=1 DURATION=20s WARMUP=5s WINDOW=64
LARGE_MEMBERS=500 LARGE_ONLINE=100 SMALL_GROUPS=100 SMALL_MEMBERS=5 LARGE_SHARE=0.1
ECHO_USERS="${ECHO_USERS:-1000}"
CEILING_DURATION="${CEILING_DURATION:-10s}"
SERVER_WARMUP="${SERVER_WARMUP:-30s}"
OUT="$ROOT/target/bench/groups"   # reports are build outputs, never committed
while [ $# -gt 0 ]; do
  case "$1" in
    --rates) RATES="$2"; shift ;;
    --repeat) REPEAT="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --large-members) LARGE_MEMBERS="$2"; shift ;;
    --large-online) LARGE_ONLINE="$2"; shift ;;
    --small-groups) SMALL_GROUPS="$2"; shift ;;
    --small-members) SMALL_MEMBERS="$2"; shift ;;
    --large-share) LARGE_SHARE="$2"; shift ;;
    --window) WINDOW="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,/^set /p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command -v jq > /dev/null || { echo "jq is needed to read the runs' summary.json" >&2; exit 2; }
BENCH_PORT="${BENCH_PORT:-18080}"
BENCH_MANAGEMENT_PORT="${BENCH_MANAGEMENT_PORT:-19090}"
ECHO_PORT="${ECHO_PORT:-18090}"
LOAD="$ROOT/scripts/load-test.sh"
export LOAD_JAVA_OPTS="${LOAD_JAVA_OPTS:--XX:+UseSerialGC}"
AIO_JAR="$ROOT/launcher/target/minichat-launcher.jar"
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ -f "$AIO_JAR" ] && [ -f "$ROOT/load-test/target/minichat-load-test.jar" ] || (cd "$ROOT" && mvn -q -DskipTests package)

# A load test must lift the per-user limits (they exist against abusive clients, not against throughput).
export CHAT_MESSAGES_PER_MINUTE="${CHAT_MESSAGES_PER_MINUTE:-1000000}" CHAT_MESSAGE_BURST="${CHAT_MESSAGE_BURST:-100000}"
export CHAT_FRAMES_PER_SECOND="${CHAT_FRAMES_PER_SECOND:-100000}" CHAT_FRAME_BURST="${CHAT_FRAME_BURST:-100000}"

STARTED=()
BENCH_DB=""
BENCH_DATA=""
cleanup() {
  local pid
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; done
  if [ -n "$BENCH_DB" ]; then psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" || true; fi
  # the embedded database's folder (binaries and data, a few hundred MB a run), once its server has stopped
  if [ -n "$BENCH_DATA" ]; then rm -rf "$BENCH_DATA"; fi
}
trap cleanup EXIT

start_all_in_one() {
  local log="$OUT/all-in-one.log" data="" pid_file
  if [ -n "${PG_URL:-}" ]; then
    BENCH_DB="minichat_bench_groups_$$"
    psql "$PG_URL" -qc "CREATE DATABASE $BENCH_DB"
    SERVER_PG_URL="${PG_URL%/*}/$BENCH_DB"
  else
    BENCH_DATA="$(mktemp -d /var/tmp/minichat-bench.XXXXXX)"
    data="$BENCH_DATA"
    SERVER_PG_URL=""
  fi
  # shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of flags
  env ${SERVER_PG_URL:+PG_URL=$SERVER_PG_URL} ${data:+CHAT_DATA_DIR=$data CHAT_EMBEDDED_PG_PORT=${BENCH_PG_PORT:-54339}} \
    CHAT_HTTP_PORT="$BENCH_PORT" CHAT_MANAGEMENT_PORT="$BENCH_MANAGEMENT_PORT" CHAT_CLUSTER=off \
    java ${BENCH_JAVA_OPTS:--Xmx1g} -jar "$AIO_JAR" > "$log" 2>&1 &
  AIO_PID=$!
  STARTED+=("$AIO_PID")
  for _ in $(seq 1 120); do grep -q "minichat is up" "$log" && break; kill -0 "$AIO_PID" || { cat "$log"; exit 1; }; sleep 0.5; done
  grep -q "minichat is up" "$log" || { echo "all-in-one did not start, see $log" >&2; exit 1; }
  # PostgreSQL's postmaster: the first line of postmaster.pid in its data directory
  if [ -n "$data" ]; then
    pid_file="$data/postgres/data/postmaster.pid"
  else
    pid_file="$(psql "$PG_URL" -Atc 'SHOW data_directory')/postmaster.pid"
  fi
  if [ -r "$pid_file" ]; then
    DB_CPU=(--db-pid "$(head -n 1 "$pid_file")")
  else
    echo "($pid_file not readable: PostgreSQL CPU taken as the postgres user's processes)"
    DB_CPU=(--db-user postgres)
  fi
}

start_echo() {
  "$LOAD" echo-server --port "$ECHO_PORT" > "$OUT/echo-server.log" 2>&1 &
  ECHO_PID=$!
  STARTED+=("$ECHO_PID")
  for _ in $(seq 1 40); do grep -q "listening" "$OUT/echo-server.log" && break; kill -0 "$ECHO_PID" 2>/dev/null || break; sleep 0.25; done
  grep -q "listening" "$OUT/echo-server.log" || { echo "echo server did not start (port $ECHO_PORT taken?):" >&2; cat "$OUT/echo-server.log" >&2; exit 1; }
}

# run_groups <name> <first user> <groups args…>: one groups run, its report in $OUT/<name>
run_groups() {
  local name="$1" first="$2"
  shift 2
  echo "--- $name"
  "$LOAD" groups --first-user "$first" --report "$OUT/$name" "$@" > "$OUT/$name.txt" 2>&1 \
    || echo "    (not all accounted for: see $OUT/$name.txt)"
  sed -n '/^== groups/,$p' "$OUT/$name.txt" | sed 's/^/    /'
}

start_all_in_one
start_echo
SERVER=(--server-pid "$AIO_PID" --server-metrics "http://127.0.0.1:$BENCH_MANAGEMENT_PORT/metrics")
SCENARIO=(-u "ws://127.0.0.1:$BENCH_PORT/ws" --large-members "$LARGE_MEMBERS" --large-online "$LARGE_ONLINE"
  --small-groups "$SMALL_GROUPS" --small-members "$SMALL_MEMBERS" --large-share "$LARGE_SHARE" --window "$WINDOW"
  --event-loops "${RATE_EVENT_LOOPS:-1}" --warmup "$WARMUP")
# each run its own users (and so its own groups): a user creates at most one group a run
per_run=$(( LARGE_MEMBERS + SMALL_GROUPS * SMALL_MEMBERS ))
base=$(( ($(date +%s) % 1000) * 1000000 + 20000000 ))
run_number=0
next_first() { run_number=$((run_number + 1)); FIRST=$((base + run_number * per_run)); }

first_rate="${RATES%% *}"
if [ "$SERVER_WARMUP" != 0s ]; then
  echo "server warm-up ($SERVER_WARMUP at $first_rate msg/s, not counted)"
  next_first
  run_groups "warmup" "$FIRST" "${SCENARIO[@]}" --rate "$first_rate" --duration "$SERVER_WARMUP" > /dev/null
fi
echo "echo ceiling ($ECHO_USERS connections, closed loop, $CEILING_DURATION)"
"$LOAD" chat --target echo -u "ws://127.0.0.1:$ECHO_PORT/ws" --users "$ECHO_USERS" --rate 0 --window 8 \
  --warmup 2s --duration "$CEILING_DURATION" --server-pid "$ECHO_PID" --report "$OUT/echo-ceiling" \
  > "$OUT/echo-ceiling.txt" 2>&1 || echo "    (echo run not clean: see $OUT/echo-ceiling.txt)"
for ((i = 1; i <= REPEAT; i++)); do
  for rate in $RATES; do
    next_first
    run_groups "rate-$rate-$i" "$FIRST" "${SCENARIO[@]}" --rate "$rate" --duration "$DURATION" "${SERVER[@]}" \
      "${DB_CPU[@]}"
  done
done

echo
echo "groups: 1 of $LARGE_MEMBERS members ($LARGE_ONLINE online) + $SMALL_GROUPS of $SMALL_MEMBERS; $(awk -v s="$LARGE_SHARE" 'BEGIN { printf "%.0f", s * 100 }') % of the messages to the large group"
echo "| rate | run | sent/s | deliveries/s | p50 ms | p90 ms | p99 ms | max ms | lost | missing | dup | out of order | refused | server CPU µs/delivery | PostgreSQL CPU µs/msg (cores) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for rate in $RATES; do
  for ((i = 1; i <= REPEAT; i++)); do
    f="$OUT/rate-$rate-$i/summary.json"
    [ -f "$f" ] || continue
    jq -r --arg rate "$rate" --arg run "$i" '"| \($rate) | \($run) | \(.throughput.sent_per_s | floor) | \(.throughput.deliveries_per_s | floor) | \(.latency_us.delivery.p50 / 1000) | \(.latency_us.delivery.p90 / 1000) | \(.latency_us.delivery.p99 / 1000) | \(.latency_us.delivery.max / 1000) | \(.messages.lost) | \(.deliveries.missing) | \(.deliveries.duplicated) | \(.deliveries.out_of_order) | \(.messages.refused) | \((.server.cpu_us_per_delivery // 0) * 10 | floor / 10) | \((.database.cpu_us_per_message // -1) | floor) (\((.database.cpu_cores // -1) * 100 | floor / 100)) |"' "$f"
  done
done
if [ -f "$OUT/echo-ceiling/summary.json" ]; then
  echo
  echo "echo ceiling of the day  $(jq -r '.throughput.delivered_per_s | floor' "$OUT/echo-ceiling/summary.json") frames/s ($ECHO_USERS connections, window 8)"
fi
echo
echo "reports (summary.json, report.html per run) in $OUT"
