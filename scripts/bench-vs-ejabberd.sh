#!/usr/bin/env bash
# minichat beside ejabberd, in one session, with one load shape: users in pairs, open loop at fixed aggregate rates,
# no send window, 20 s per level, latency from each message's intended send time to its arrival, every message
# accounted for. Both are driven by the same Node client (scripts/side-by-side/: xmpp-load.mjs for ejabberd, its
# port minichat-load.mjs for minichat). Each level starts from a fresh server, warmed up for WARMUP_S (30) at the
# level's rate, at most WARMUP_RATE (5,000/s), by the users then measured (as xmpp-load.mjs does for ejabberd, so
# that both measure conversations that exist): long enough for the JVM's JIT and the BEAM's alike.
# Levels are interleaved (every rate once, both systems, then again) so that a noisy minute hits both.
#
#   scripts/bench-vs-ejabberd.sh [--rates "3000 4500 5000 6000 8000 10000 15000"] [--repeat 3] [--users 1000]
#                                [--duration 20] [--systems "ejabberd minichat cluster"] [--out target/bench/side-by-side]
#
# Prints each run, each system's knee (the highest rate with p99 <= 50 ms, nothing lost and nothing refused) in
# every round and their median, the ratio of the medians, and the day's echo ceiling (scripts/load-test.sh's echo:
# what this machine's WebSockets do at most today). minichat runs as the README starts it: the all-in-one jar with
# the README's -Xmx1g (MINICHAT_JAVA_OPTS replaces it), its embedded PostgreSQL (or PG_URL's, when set); only its
# per-user rate limits are lifted (they exist against abuse).
# "cluster" is scripts/local-cluster.sh's five processes (presence, two message services, two gateways) on a fresh
# database of the machine's PostgreSQL (CLUSTER_PG, default postgresql://postgres@127.0.0.1:5432); users alternate
# between the two gateways, so every message crosses from one to the other.
# Needs: ejabberd (apt-get install -y ejabberd; stop the instance the package starts), Node 20+, jq, the build.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KIT="$ROOT/scripts/side-by-side"
RATES="3000 4500 5000 6000 8000 10000 15000" REPEAT=3 USERS=1000 DURATION=20 SYSTEMS="ejabberd minichat"
OUT="$ROOT/target/bench/side-by-side"
WARMUP_S="${WARMUP_S:-30}" WARMUP_RATE="${WARMUP_RATE:-5000}"
MINICHAT_JAVA_OPTS="${MINICHAT_JAVA_OPTS:--Xmx1g}" # the README's; other JVM options for an experiment
while [ $# -gt 0 ]; do
  case "$1" in
    --rates) RATES="$2"; shift ;;
    --repeat) REPEAT="$2"; shift ;;
    --users) USERS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --systems) SYSTEMS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,/^set /p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in node jq; do command -v "$tool" > /dev/null || { echo "$tool is needed" >&2; exit 2; }; done
AIO_JAR="$ROOT/launcher/target/minichat-launcher.jar"
[ -f "$AIO_JAR" ] && [ -f "$ROOT/load-test/target/minichat-load-test.jar" ] || (cd "$ROOT" && mvn -q -DskipTests package)
[ -d "$KIT/node_modules/ws" ] || (cd "$KIT" && npm ci --silent)
mkdir -p "$OUT"
RESULTS="$OUT/runs.jsonl"
: > "$RESULTS"
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
PORT="${BENCH_PORT:-18080}" MANAGEMENT_PORT="${BENCH_MANAGEMENT_PORT:-19090}" PG_PORT="${BENCH_PG_PORT:-54339}"
ECHO_PORT="${ECHO_PORT:-18090}"

AIO_PID="" AIO_DATA="" ECHO_PID="" CLUSTER_DB=""
CLUSTER_PG="${CLUSTER_PG:-postgresql://postgres@127.0.0.1:5432}"
CLUSTER_PORTS="${BENCH_CLUSTER_PORTS:-18081 18082}"
CLUSTER_ENV=(MINICHAT_LOG_DIR="$OUT/cluster-logs" MINICHAT_RUN_DIR="$OUT/cluster-run" GATEWAY_PORTS="$CLUSTER_PORTS"
  CHAT_MESSAGES_PER_MINUTE=1000000 CHAT_MESSAGE_BURST=100000 CHAT_FRAMES_PER_SECOND=100000 CHAT_FRAME_BURST=100000)
CLUSTER_SERVICES="presence-1 message-1 message-2 gateway-1 gateway-2"
cleanup() {
  [ -n "$AIO_PID" ] && stop_minichat
  [ -n "$CLUSTER_DB" ] && stop_cluster
  [ -n "$ECHO_PID" ] && kill "$ECHO_PID" 2>/dev/null || true
  if [[ " $SYSTEMS " == *" ejabberd "* ]]; then "$KIT/stop-ejabberd.sh" > /dev/null 2>&1 || true; fi
}
trap cleanup EXIT

start_minichat() {
  AIO_DATA="$(mktemp -d /var/tmp/minichat-side-by-side.XXXXXX)"
  chmod 755 "$AIO_DATA" # the embedded PostgreSQL runs as nobody when we are root
  env CHAT_DATA_DIR="$AIO_DATA" CHAT_EMBEDDED_PG_PORT="$PG_PORT" CHAT_HTTP_PORT="$PORT" \
    CHAT_MANAGEMENT_PORT="$MANAGEMENT_PORT" CHAT_CLUSTER=off \
    CHAT_MESSAGES_PER_MINUTE=1000000 CHAT_MESSAGE_BURST=100000 CHAT_FRAMES_PER_SECOND=100000 CHAT_FRAME_BURST=100000 \
    java $MINICHAT_JAVA_OPTS -jar "$AIO_JAR" > "$OUT/minichat.log" 2>&1 &
  AIO_PID=$!
  for _ in $(seq 1 240); do grep -q "minichat is up" "$OUT/minichat.log" && return 0; kill -0 "$AIO_PID" || break; sleep 0.5; done
  echo "minichat did not start, see $OUT/minichat.log" >&2; exit 1
}

stop_minichat() {
  kill "$AIO_PID" 2>/dev/null || true
  while kill -0 "$AIO_PID" 2>/dev/null; do sleep 0.2; done
  AIO_PID=""
  # the embedded database stops with its server; then its folder goes
  sleep 1
  rm -rf "$AIO_DATA"
}

start_cluster() {
  CLUSTER_DB="minichat_side_by_side_$$_$RANDOM"
  psql "$CLUSTER_PG/postgres" -qc "CREATE DATABASE $CLUSTER_DB" > /dev/null
  env "${CLUSTER_ENV[@]}" PG_URL="$CLUSTER_PG/$CLUSTER_DB" "$ROOT/scripts/local-cluster.sh" start > "$OUT/cluster.log" 2>&1 \
    || { echo "the cluster did not start, see $OUT/cluster.log" >&2; exit 1; }
  CLUSTER_PIDS="$(for name in $CLUSTER_SERVICES; do cat "$OUT/cluster-run/$name.pid"; done | paste -sd,)"
  CLUSTER_URLS="$(for port in $CLUSTER_PORTS; do echo "ws://127.0.0.1:$port/ws"; done | paste -sd,)"
}

stop_cluster() {
  env "${CLUSTER_ENV[@]}" "$ROOT/scripts/local-cluster.sh" stop > /dev/null 2>&1 || true
  psql "$CLUSTER_PG/postgres" -qc "DROP DATABASE IF EXISTS $CLUSTER_DB" > /dev/null || true
  CLUSTER_DB=""
}

# one measured level of one system: a fresh server, a warm-up not counted, the run, the server stopped
level() {
  local system="$1" rate="$2" round="$3" label="$1-R$2-$3" warm_rate
  warm_rate=$((rate < WARMUP_RATE ? rate : WARMUP_RATE))
  echo "--- $label"
  if [ "$system" = ejabberd ]; then
    "$KIT/start-ejabberd.sh" > /dev/null
    node "$KIT/xmpp-load.mjs" --users "$USERS" --rate "$warm_rate" --duration "$WARMUP_S" --quiet > /dev/null
    local beam; beam="$(pgrep -u ejabberd -x beam.smp)" # ejabberd's own: other Erlang services may run here
    node "$KIT/xmpp-load.mjs" --users "$USERS" --rate "$rate" --duration "$DURATION" --label "$label" \
      --server-pid "$beam" --quiet \
      | jq -c --arg s ejabberd --argjson r "$round" '. + {system: $s, round: $r, refused: 0}' >> "$RESULTS"
    "$KIT/stop-ejabberd.sh" > /dev/null
  elif [ "$system" = cluster ]; then
    start_cluster
    node "$KIT/minichat-load.mjs" --url "$CLUSTER_URLS" --users "$USERS" --first 1 --rate "$warm_rate" \
      --duration "$WARMUP_S" --server-pid "$CLUSTER_PIDS" --quiet > /dev/null
    node "$KIT/minichat-load.mjs" --url "$CLUSTER_URLS" --users "$USERS" --first 1 --rate "$rate" \
      --duration "$DURATION" --server-pid "$CLUSTER_PIDS" --label "$label" --quiet \
      | jq -c --argjson r "$round" --arg names "$CLUSTER_SERVICES" \
          '. + {system: "cluster", round: $r, process_names: ($names | split(" "))}' >> "$RESULTS"
    stop_cluster
  else
    start_minichat
    node "$KIT/minichat-load.mjs" --url "ws://127.0.0.1:$PORT/ws" --users "$USERS" --first 1 --rate "$warm_rate" \
      --duration "$WARMUP_S" --server-pid "$AIO_PID" --quiet > /dev/null
    node "$KIT/minichat-load.mjs" --url "ws://127.0.0.1:$PORT/ws" --users "$USERS" --first 1 --rate "$rate" \
      --duration "$DURATION" --server-pid "$AIO_PID" --label "$label" --quiet \
      | jq -c --argjson r "$round" '. + {round: $r}' >> "$RESULTS"
    stop_minichat
  fi
  tail -1 "$RESULTS" | jq -r '"    sent \(.sent) received \(.received) lost \(.lost) refused \(.refused) dup \(.duplicates) | p50 \(.sched_lat_ms_p50) p99 \(.sched_lat_ms_p99) max \(.sched_lat_ms_max) ms | server CPU \(.server_cpu_pct) % | other processes \(.other_procs_cpu_pct) %"'
}

if [[ " $SYSTEMS " == *" ejabberd "* ]]; then
  pgrep -u ejabberd -x beam.smp > /dev/null && { echo "an ejabberd (beam.smp) is running: stop it first" >&2; exit 2; }
  "$KIT/start-ejabberd.sh" > /dev/null
  node "$KIT/register-users.mjs" --count "$USERS" > /dev/null
  "$KIT/stop-ejabberd.sh" > /dev/null
fi

# the day's echo ceiling, with the load tool the other benchmarks use
"$ROOT/scripts/load-test.sh" echo-server --port "$ECHO_PORT" > "$OUT/echo-server.log" 2>&1 &
ECHO_PID=$!
for _ in $(seq 1 40); do grep -q "listening" "$OUT/echo-server.log" && break; sleep 0.25; done
"$ROOT/scripts/load-test.sh" chat --target echo -u "ws://127.0.0.1:$ECHO_PORT/ws" --users 1000 --rate 0 --window 8 \
  --duration 10s --warmup 3s --server-pid "$ECHO_PID" --report "$OUT/echo" > "$OUT/echo.txt" 2>&1 || true
kill "$ECHO_PID"; ECHO_PID=""
ECHO_FPS="$(jq -r '.throughput.delivered_per_s | floor' "$OUT/echo/summary.json" 2>/dev/null || echo "-")"

for ((round = 1; round <= REPEAT; round++)); do
  for rate in $RATES; do
    for system in $SYSTEMS; do level "$system" "$rate" "$round"; done
  done
done

node "$KIT/summarize.mjs" "$RESULTS" --echo "$ECHO_FPS" | tee "$OUT/report.md"
