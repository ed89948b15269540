#!/usr/bin/env bash
# The chat benchmark, on demand (never in CI): the chat path's throughput ceiling against a bare WebSocket echo
# driven by the same tool in the same run, then the chat at a given open-loop rate for latency, accounting and
# server CPU per message; repeated, with medians; optionally a rate sweep (each rate repeated too) to find the knee.
#
#   scripts/bench-chat.sh [--repeat 3] [--rate 2000] [--users 1000] [--duration 20s] [--warmup 5s]
#                         [--mode pairs|peers] [--peers 4] [--window 8] [--sweep "500 1000 2000 4000"]
#                         [--cluster] [--out target/bench/chat]
#
# By default it starts what it measures: the all-in-one (limits raised, on a fresh database: a new one on the
# PostgreSQL of PG_URL if set, else an embedded PostgreSQL in a temporary folder) and the echo server (its own JVM),
# and stops them at the end. With --cluster it measures the running scripts/local-cluster.sh instead (gateways on
# :8081 and :8082, its pids from run/*.pid; start it with the limits below in its environment).
# Before the measured runs, one echo and one chat run of SERVER_WARMUP (30s; 0s: none) warm the servers' JIT up.
# Ports: BENCH_PORT (18080), BENCH_MANAGEMENT_PORT (19090), ECHO_PORT (18090), BENCH_PG_PORT (54339, embedded).
# The load generator's JVM flags: LOAD_JAVA_OPTS (default here -XX:+UseSerialGC: runs of tens of seconds repay C2's
# compiles, about 13 % less client CPU per message than scripts/load-test.sh's C1-only default); the server's:
# BENCH_JAVA_OPTS.
# The open-loop runs (the rate and the sweep) drive the load from RATE_EVENT_LOOPS (1) client event loops: on two
# shared cores one loop costs the machine about 15 % less per message than two, which leaves more to the servers
# measured. The ceilings (echo and chat alike) keep the load generator's default, one loop per core: its most.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REPEAT=3 RATE=2000 USERS=1000 DURATION=20s WARMUP=5s MODE=pairs PEERS=4 WINDOW=8 SWEEP="" CLUSTER=0
CEILING_DURATION="${CEILING_DURATION:-10s}"
SERVER_WARMUP="${SERVER_WARMUP:-30s}"
OUT="$ROOT/target/bench/chat"   # reports are build outputs, never committed
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) REPEAT="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --users) USERS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --mode) MODE="$2"; shift ;;
    --peers) PEERS="$2"; shift ;;
    --window) WINDOW="$2"; shift ;;
    --sweep) SWEEP="$2"; shift ;;
    --cluster) CLUSTER=1 ;;
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
# every socket is a file descriptor (here the hard limit is 20,000 and cannot be raised further)
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
  local log="$OUT/all-in-one.log" data
  if [ -n "${PG_URL:-}" ]; then
    BENCH_DB="minichat_bench_$$"
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
  CHAT_URLS="ws://127.0.0.1:$BENCH_PORT/ws"
  SERVER_PIDS="$AIO_PID"
  SERVER_METRICS="http://127.0.0.1:$BENCH_MANAGEMENT_PORT/metrics"
}

use_local_cluster() {
  local name pids=()
  for name in gateway-1 gateway-2 message-1 message-2 presence-1; do pids+=("$(cat "$ROOT/run/$name.pid")"); done
  CHAT_URLS="ws://127.0.0.1:8081/ws,ws://127.0.0.1:8082/ws"
  SERVER_PIDS="$(IFS=,; echo "${pids[*]}")"
  # management ports as scripts/local-cluster.sh sets them, in the order of the pids
  SERVER_METRICS="$(for port in 9091 9191 9092 9192 9093; do printf 'http://127.0.0.1:%s/metrics,' "$port"; done)"
  SERVER_METRICS="${SERVER_METRICS%,}"
}

start_echo() {
  "$LOAD" echo-server --port "$ECHO_PORT" > "$OUT/echo-server.log" 2>&1 &
  ECHO_PID=$!
  STARTED+=("$ECHO_PID")
  for _ in $(seq 1 40); do grep -q "listening" "$OUT/echo-server.log" && break; kill -0 "$ECHO_PID" 2>/dev/null || break; sleep 0.25; done
  grep -q "listening" "$OUT/echo-server.log" || { echo "echo server did not start (port $ECHO_PORT taken?):" >&2; cat "$OUT/echo-server.log" >&2; exit 1; }
}

# run <name> <first user> <chat args…>: one chat run, its report in $OUT/<name>
run() {
  local name="$1" first="$2"
  shift 2
  echo "--- $name"
  "$LOAD" chat --first-user "$first" --report "$OUT/$name" "$@" > "$OUT/$name.txt" 2>&1 \
    || echo "    (not all accounted for: see $OUT/$name.txt)"
  sed -n '/^== chat/,$p' "$OUT/$name.txt" | sed 's/^/    /'
}

[ "$CLUSTER" = 1 ] && use_local_cluster || start_all_in_one
start_echo
COMMON=(--users "$USERS" --mode "$MODE" --peers "$PEERS" --warmup "$WARMUP")
OPEN_LOOP=(--window 64 --event-loops "${RATE_EVENT_LOOPS:-1}")
base=$(( ($(date +%s) % 1000) * 100000 + 10000000 ))
# A fresh server spends its first tens of seconds compiling (C2 alone took most of a short run's server CPU):
# warm both servers up with a run of each kind first, not counted.
if [ "$SERVER_WARMUP" != 0s ]; then
  echo "server warm-up ($SERVER_WARMUP each, not counted)"
  run "warmup-echo" $((base + 1000)) "${COMMON[@]}" --target echo -u "ws://127.0.0.1:$ECHO_PORT/ws" --rate 0 \
    --window "$WINDOW" --duration "$SERVER_WARMUP" > /dev/null
  run "warmup-chat" $((base + 4000)) "${COMMON[@]}" -u "$CHAT_URLS" --rate "$RATE" "${OPEN_LOOP[@]}" \
    --duration "$SERVER_WARMUP" > /dev/null
fi
for ((i = 1; i <= REPEAT; i++)); do
  run "echo-ceiling-$i" $((base + i * 10000)) "${COMMON[@]}" --target echo -u "ws://127.0.0.1:$ECHO_PORT/ws" \
    --rate 0 --window "$WINDOW" --duration "$CEILING_DURATION" --server-pid "$ECHO_PID"
  run "chat-ceiling-$i" $((base + i * 10000 + 3000)) "${COMMON[@]}" -u "$CHAT_URLS" --rate 0 --window "$WINDOW" \
    --duration "$CEILING_DURATION" --server-pid "$SERVER_PIDS" ${SERVER_METRICS:+--server-metrics "$SERVER_METRICS"}
  run "chat-rate-$i" $((base + i * 10000 + 6000)) "${COMMON[@]}" -u "$CHAT_URLS" --rate "$RATE" "${OPEN_LOOP[@]}" \
    --duration "$DURATION" --server-pid "$SERVER_PIDS" ${SERVER_METRICS:+--server-metrics "$SERVER_METRICS"}
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# field/total/each <runs> <jq path>: over the runs named <runs>-1, -2…: the median, the sum, every value
values() { for f in "$OUT"/$1-*/summary.json; do jq -r "$2" "$f"; done; }
field() { values "$1" "$2" | median; }
total() { values "$1" "$2" | awk '{ s += $1 } END { print s + 0 }'; }
each() { values "$1" "$2" | paste -sd' '; }
ms() { awk -v us="$1" 'BEGIN { if (us == "-") print "-"; else printf "%.2f", us / 1000 }'; }

echo
echo "| run | echo frames/s | chat msgs/s (ceiling) | ratio | chat at $RATE/s: delivered/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | lost | dup | server CPU µs/msg |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for ((i = 1; i <= REPEAT; i++)); do
  e="$OUT/echo-ceiling-$i/summary.json" c="$OUT/chat-ceiling-$i/summary.json" r="$OUT/chat-rate-$i/summary.json"
  [ -f "$e" ] && [ -f "$c" ] && [ -f "$r" ] || continue
  jq -r -s '.[0] as $e | .[1] as $c | .[2] as $r | "| \('"$i"') | \($e.throughput.delivered_per_s | floor) | \($c.throughput.delivered_per_s | floor) | \(($c.throughput.delivered_per_s / $e.throughput.delivered_per_s * 1000 | floor) / 1000) | \($r.throughput.delivered_per_s | floor) | \($r.latency_us.delivery.p50 / 1000) | \($r.latency_us.delivery.p90 / 1000) | \($r.latency_us.delivery.p99 / 1000) | \($r.latency_us.delivery.p99_9 / 1000) | \($r.latency_us.delivery.max / 1000) | \($r.messages.lost) | \($r.messages.duplicated) | \(($r.server.cpu_us_per_message // 0) | floor) |"' "$e" "$c" "$r"
done
echo_fps="$(field echo-ceiling .throughput.delivered_per_s)"
chat_mps="$(field chat-ceiling .throughput.delivered_per_s)"
echo
echo "median echo ceiling  $(printf '%.0f' "$echo_fps") frames/s ($USERS connections, window $WINDOW)"
echo "median chat ceiling  $(printf '%.0f' "$chat_mps") messages/s delivered"
awk -v c="$chat_mps" -v e="$echo_fps" 'BEGIN { r = c / e; printf "ceiling ratio        %.3f of the echo (%s: at least 0.5 wanted)\n", r, r >= 0.5 ? "met" : "NOT met" }'
echo "median chat at $RATE/s  delivery p50 $(ms "$(field chat-rate .latency_us.delivery.p50)") ms, p99 $(ms "$(field chat-rate .latency_us.delivery.p99)") ms, p99.9 $(ms "$(field chat-rate .latency_us.delivery.p99_9)") ms; server CPU $(printf '%.0f' "$(field chat-rate '.server.cpu_us_per_message // 0')") µs per delivered message"

if [ -n "$SWEEP" ]; then
  # Each rate is run --repeat times, the rounds interleaved (every rate once, then again), so that a noisy moment
  # of the shared machine does not decide a rate alone; the knee is read from the medians.
  for ((i = 1; i <= REPEAT; i++)); do
    n=0
    for r in $SWEEP; do
      n=$((n + 1))
      run "sweep-$r-$i" $((base + 900000 + i * 50000 + n * 10000)) "${COMMON[@]}" -u "$CHAT_URLS" --rate "$r" \
        "${OPEN_LOOP[@]}" --duration "$DURATION" --server-pid "$SERVER_PIDS" > /dev/null
    done
  done
  echo
  echo "rate sweep, medians of $REPEAT runs per rate (knee: first rate whose median p99 passes 50 ms, or where a"
  echo "message is lost, or where delivery falls 5% behind)"
  echo "| rate | delivered/s | p50 ms | p99 ms | p99 of each run, ms | max ms | lost | late | server CPU µs/msg |"
  echo "|---|---|---|---|---|---|---|---|---|"
  knee=""
  for r in $SWEEP; do
    ls "$OUT"/sweep-"$r"-*/summary.json > /dev/null 2>&1 || continue
    delivered="$(field "sweep-$r" .throughput.delivered_per_s)"
    p99="$(field "sweep-$r" .latency_us.delivery.p99)"
    lost="$(total "sweep-$r" .messages.lost)"
    printf '| %s | %.0f | %s | %s | %s | %s | %s | %s | %.0f |\n' "$r" "$delivered" \
      "$(ms "$(field "sweep-$r" .latency_us.delivery.p50)")" "$(ms "$p99")" \
      "$(each "sweep-$r" '.latency_us.delivery.p99 / 1000 | floor')" \
      "$(ms "$(field "sweep-$r" .latency_us.delivery.max)")" "$lost" "$(total "sweep-$r" .messages.late)" \
      "$(field "sweep-$r" '.server.cpu_us_per_message // 0')"
    if [ -z "$knee" ] && awk -v p="$p99" -v d="$delivered" -v r="$r" -v l="$lost" \
        'BEGIN { exit !(p > 50000 || l > 0 || d < 0.95 * r) }'; then
      knee="$r"
    fi
  done
  echo "knee: ${knee:-not reached up to the highest rate tried}"
fi
echo
echo "reports (summary.json, report.html per run) in $OUT"
