#!/usr/bin/env bash
# Connect rate of the all-in-one process versus one gateway of the local cluster, in alternating runs of the
# connect storm, with the gateway process's RSS and live heap (after a full GC) before and while connected, the
# CPU of every server process, and the machine's other load during each ramp (this machine may be shared).
#
# Both systems must be up: the all-in-one on ws://127.0.0.1:8080/ws (its pid in AIO_PID) and
# scripts/local-cluster.sh (its gateway-1 on ws://127.0.0.1:8081/ws). CHAT_JWT_SECRET must match theirs.
#
#   AIO_PID=<pid> scripts/bench-connect.sh [runs per system, 3] [connections, 5000] [in flight, 128]
#
# READY_ON=sync counts a connection ready only once its presence registration is done (see load-test --ready-on).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-3}"
CONNECTIONS="${2:-5000}"
IN_FLIGHT="${3:-128}"
READY_ON="${READY_ON:-heart}"
HOLD_S="${HOLD_S:-8}"
# a departed user stays online for the presence grace period (5 s): let the previous run's leave settle first
PAUSE_S="${PAUSE_S:-10}"
WARMUP_RUNS="${WARMUP_RUNS:-2}"
# on a shared machine, wait (at most this long) for the CPU to be 85% idle before each run; 0: don't wait
QUIET_WAIT_S="${QUIET_WAIT_S:-120}"
OUT="${BENCH_OUT:-$ROOT/target/bench/connect-$READY_ON}"
: "${AIO_PID:?set AIO_PID to the all-in-one process id}"
CLUSTER_PID="$(cat "$ROOT/run/gateway-1.pid")"
mkdir -p "$OUT"

# live heap in KiB right after a full GC (what the process really holds, unlike RSS, which follows heap sizing)
live_heap_kib() {
  jcmd "$1" GC.run > /dev/null
  jcmd "$1" GC.heap_info | awk '/ heap +total/ { for (i = 1; i <= NF; i++) if ($i == "used") { sub(/K,?/, "", $(i + 1)); print $(i + 1); exit } }'
}

# one storm against $2, reading the gateway process $3 (and the other server processes in $4, comma separated);
# prints: system rate p50 p99 serverCpuUs gatewayCpuUs otherLoadCoreS rssBeforeMiB rssReadyMiB heapBeforeKiB heapHeldKiB
storm() {
  local system="$1" url="$2" gateway="$3" others="$4" run="$5" first_user="$6" log heap_before heap_held
  log="$OUT/$system-$run.txt"
  : > "$log" # now, not in the background job: the wait below must not see a previous run's lines
  heap_before="$(live_heap_kib "$gateway")"
  await_quiet
  "$ROOT/scripts/load-test.sh" connect -n "$CONNECTIONS" --in-flight "$IN_FLIGHT" -u "$url" \
    --ready-on "$READY_ON" --first-user "$first_user" --hold "${HOLD_S}s" --server-pid "$gateway${others:+,$others}" \
    > "$log" 2>&1 &
  local tool=$!
  until grep -q '] hold' "$log" 2>/dev/null || ! kill -0 "$tool" 2>/dev/null; do sleep 0.2; done
  heap_held="$(live_heap_kib "$gateway")"
  wait "$tool" || echo "warning: $system run $run had failures, see $log" >&2
  awk -v name="$system" -v hb="$heap_before" -v hh="$heap_held" '
    /^connect rate/ { rate = $3 }
    /^connect latency/ { p50 = $4; p99 = $10 }
    /^server pid/ && !rb { for (i = 1; i <= NF; i++) { if ($i == "before") rb = $(i + 1); if ($i == "ready") rr = $(i + 1) } }
    /^ +CPU .* during the ramp/ && !gcpu { for (i = 1; i <= NF; i++) if ($i == "µs") gcpu = substr($(i - 1), 2) }
    /^machine CPU/ { for (i = 1; i <= NF; i++) { if ($i == "µs") scpu = substr($(i - 1), 2); if ($i == "else") other = $(i + 1) } }
    END { print name, rate, p50, p99, scpu, gcpu, other, rb, rr, hb, hh }' "$log"
}

# percent of the machine's CPU idle over the next 2 s
idle_percent() {
  local a b
  read -r -a a < /proc/stat; sleep 2; read -r -a b < /proc/stat
  local busy=$(( (b[1] + b[2] + b[3] + b[6] + b[7] + b[8]) - (a[1] + a[2] + a[3] + a[6] + a[7] + a[8]) ))
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) ))
  echo $(( 100 * idle / (busy + idle) ))
}

await_quiet() {
  local deadline=$((SECONDS + QUIET_WAIT_S))
  while [ "$SECONDS" -lt "$deadline" ] && [ "$(idle_percent)" -lt 85 ]; do :; done
}

cluster_others() {
  local name pids=()
  for name in presence-1 message-1 message-2 gateway-2; do pids+=("$(cat "$ROOT/run/$name.pid")"); done
  (IFS=,; echo "${pids[*]}")
}

aio() { storm all-in-one ws://127.0.0.1:8080/ws "$AIO_PID" "" "$@"; }
cluster() { storm cluster ws://127.0.0.1:8081/ws "$CLUSTER_PID" "$(cluster_others)" "$@"; }

results="$OUT/results.txt"
: > "$results"
# fresh users every run (ids from a per-invocation base), so that no run meets users still in their grace period
base=$(( ($(date +%s) % 1000) * 10000000 + 1000000000 ))
echo "warm-up (not counted): $WARMUP_RUNS storm(s) each, so that both servers' JIT is warm"
for ((run = 1; run <= WARMUP_RUNS; run++)); do
  aio "warmup-$run" $((base + 100000 * run)) > /dev/null; sleep "$PAUSE_S"
  cluster "warmup-$run" $((base + 100000 * run + 50000)) > /dev/null; sleep "$PAUSE_S"
done
for ((run = 1; run <= RUNS; run++)); do
  aio "$run" $((base + 1000000 + 100000 * run)) | tee -a "$results"; sleep "$PAUSE_S"
  cluster "$run" $((base + 1000000 + 100000 * run + 50000)) | tee -a "$results"; sleep "$PAUSE_S"
done

echo
echo "| system | run | connects/s | p50 ms | p99 ms | server CPU µs/connect (all processes) | gateway CPU µs/connect | other load core-s | gateway RSS before → ready MiB | gateway live heap before → held MiB | live heap per connection |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
awk -v n="$CONNECTIONS" '{ run[$1]++; printf "| %s | %d | %s | %s | %s | %s | %s | %s | %s → %s | %.0f → %.0f | %.1f KiB |\n", $1, run[$1], $2, $3, $4, $5, $6, $7, $8, $9, $10 / 1024, $11 / 1024, ($11 - $10) / n }' "$results"
echo
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for system in all-in-one cluster; do
  rate="$(awk -v s="$system" '$1 == s { print $2 }' "$results" | median)"
  p99="$(awk -v s="$system" '$1 == s { print $4 }' "$results" | median)"
  cpu="$(awk -v s="$system" '$1 == s { print $5 }' "$results" | median)"
  echo "median $system: $rate connects/s, p99 $p99 ms, server CPU $cpu µs/connect (all its processes)"
  eval "rate_${system//-/_}=$rate p99_${system//-/_}=$p99"
done
# shellcheck disable=SC2154 # set by the eval above
awk -v ra="$rate_all_in_one" -v rc="$rate_cluster" -v pa="$p99_all_in_one" -v pc="$p99_cluster" \
  'BEGIN { printf "cluster / all-in-one: connects/s × %.2f, p99 × %.2f\n", rc / ra, pc / pa }'
