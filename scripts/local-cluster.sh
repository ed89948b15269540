#!/usr/bin/env bash
# A local minichat cluster of separate JVMs on loopback, joined over Hazelcast TCP/IP:
# 1 presence-service, 2 message-services, 2 gateways (HTTP/WebSocket on 8081 and 8082), one PostgreSQL.
#
#   PG_URL=postgresql://postgres@127.0.0.1:5432/postgres scripts/local-cluster.sh start
#   scripts/local-cluster.sh status
#   scripts/local-cluster.sh stop
#
# Settings (environment): PG_URL (or PGHOST…, required), CHAT_JWT_SECRET, GATEWAY_PORTS ("8081 8082"),
# CHAT_CLUSTER_NAME (minichat-local), CHAT_CLUSTER_PORT (5701: members use it and the 9 after it), JAVA_OPTS
# (JVM flags, default -Xmx512m: without a bound the heap grows far past what is live), GATEWAY_JAVA_OPTS (added to
# the gateways' flags, default those of chat-gateway/Dockerfile that keep the committed heap near the live one),
# START_TIMEOUT_S (90), STOP_TIMEOUT_S (30), MINICHAT_LOG_DIR (logs),
# MINICHAT_RUN_DIR (run). Any other CHAT_* variable is passed to every process (see docs/configuration.md).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LOG_DIR="${MINICHAT_LOG_DIR:-$ROOT/logs}"
RUN_DIR="${MINICHAT_RUN_DIR:-$ROOT/run}"
read -r -a GATEWAY_PORTS <<< "${GATEWAY_PORTS:-8081 8082}"
CLUSTER_PORT="${CHAT_CLUSTER_PORT:-5701}"
CLUSTER_PORT_COUNT=10
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS--XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30}"
START_TIMEOUT_S="${START_TIMEOUT_S:-90}"
STOP_TIMEOUT_S="${STOP_TIMEOUT_S:-30}"

# Hazelcast on JDK 17 needs these (it warns and runs slower paths without them)
JVM_FLAGS=(--add-modules java.se
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.management/sun.management=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED)

PRESENCE_JAR="$ROOT/presence-service/target/minichat-presence-service.jar"
MESSAGE_JAR="$ROOT/message-service/target/minichat-message-service.jar"
GATEWAY_JAR="$ROOT/chat-gateway/target/minichat-chat-gateway.jar"

# name, jar, ready line, in start (and reverse stop) order; gateways are named gateway-<n> for GATEWAY_PORTS[n-1]
SERVICES=(presence-1 message-1 message-2)
for i in "${!GATEWAY_PORTS[@]}"; do SERVICES+=("gateway-$((i + 1))"); done

jar_of() {
  case "$1" in
    presence-*) echo "$PRESENCE_JAR" ;;
    message-*) echo "$MESSAGE_JAR" ;;
    gateway-*) echo "$GATEWAY_JAR" ;;
  esac
}

ready_line_of() {
  case "$1" in
    presence-*) echo "Presence service started" ;;
    message-*) echo "Message service started" ;;
    gateway-*) echo "listening on" ;;
  esac
}

gateway_port_of() {
  echo "${GATEWAY_PORTS[$((${1#gateway-} - 1))]}"
}

pid_file() { echo "$RUN_DIR/$1.pid"; }
log_file() { echo "$LOG_DIR/$1.log"; }

# The pid recorded for a service, if that process still runs our jar (a stale file or a reused pid does not count).
live_pid() {
  local file pid
  file="$(pid_file "$1")"
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$(jar_of "$1")" || return 1
  echo "$pid"
}

port_in_use() {
  ss -ltnH "( sport = :$1 )" 2>/dev/null | grep -q .
}

cluster_members() {
  local members=() port
  for ((port = CLUSTER_PORT; port < CLUSTER_PORT + CLUSTER_PORT_COUNT; port++)); do
    members+=("127.0.0.1:$port")
  done
  (IFS=,; echo "${members[*]}")
}

# Starts one service in its own session (a Ctrl-C in this terminal later does not reach it); its pid is written
# by the process itself just before it becomes the JVM, so the file is right however setsid forks.
launch() {
  local name="$1"; shift
  local log; log="$(log_file "$name")"
  echo "=== $(date '+%F %T') start $name" > "$log"
  local own_flags=""
  case "$name" in gateway-*) own_flags="$GATEWAY_JAVA_OPTS" ;; esac
  # shellcheck disable=SC2086 # JAVA_OPTS and GATEWAY_JAVA_OPTS are lists of flags
  env "$@" setsid bash -c 'echo $$ > "$0"; exec "$@"' "$(pid_file "$name")" \
    java "${JVM_FLAGS[@]}" ${JAVA_OPTS:--Xmx512m} $own_flags -jar "$(jar_of "$name")" >> "$log" 2>&1 < /dev/null &
}

# Waits until each named service has logged its ready line; fails when one exits or the deadline passes.
await_ready() {
  local deadline=$((SECONDS + START_TIMEOUT_S)) name pid pending
  while true; do
    pending=()
    for name in "$@"; do
      if ! grep -qF "$(ready_line_of "$name")" "$(log_file "$name")" 2>/dev/null; then
        pid="$(cat "$(pid_file "$name")" 2>/dev/null || true)"
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
          fail_start "$name exited before it was ready"
        fi
        pending+=("$name")
      fi
    done
    [ ${#pending[@]} -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail_start "${pending[*]} not ready within ${START_TIMEOUT_S}s"
    fi
    sleep 0.2
  done
  for name in "$@"; do echo "  $name ready (pid $(cat "$(pid_file "$name")"))"; done
}

fail_start() {
  echo "start failed: $1" >&2
  for name in "${SERVICES[@]}"; do
    if [ -f "$(log_file "$name")" ] && ! grep -qF "$(ready_line_of "$name")" "$(log_file "$name")"; then
      echo "--- last lines of $(log_file "$name"):" >&2
      tail -n 15 "$(log_file "$name")" >&2
    fi
  done
  echo "stopping what was started" >&2
  stop_all >&2
  exit 1
}

ensure_jars() {
  if [ ! -f "$PRESENCE_JAR" ] || [ ! -f "$MESSAGE_JAR" ] || [ ! -f "$GATEWAY_JAR" ]; then
    echo "building the service jars (mvn -q -DskipTests package)"
    (cd "$ROOT" && mvn -q -DskipTests package -pl presence-service,message-service,chat-gateway -am)
  fi
}

start_all() {
  if [ -z "${PG_URL:-}" ] && [ -z "${PGHOST:-}" ]; then
    cat >&2 <<EOF
PG_URL is not set. The cluster's message services must share one PostgreSQL (without it, each would start its
own embedded database). Point them at a server, e.g. on this machine:

  PG_URL=postgresql://postgres@127.0.0.1:5432/postgres $0 start
EOF
    exit 2
  fi
  local name
  for name in "${SERVICES[@]}"; do
    if live_pid "$name" > /dev/null; then
      echo "$name is already running (pid $(live_pid "$name")): run '$0 stop' first" >&2
      exit 1
    fi
  done
  local port
  for port in "${GATEWAY_PORTS[@]}"; do
    if port_in_use "$port"; then
      echo "port $port is already taken: set GATEWAY_PORTS to free ports" >&2
      exit 1
    fi
  done
  for ((port = CLUSTER_PORT; port < CLUSTER_PORT + CLUSTER_PORT_COUNT; port++)); do
    if port_in_use "$port"; then
      echo "warning: cluster port $port is taken; members will use the next free ones up to" \
        "$((CLUSTER_PORT + CLUSTER_PORT_COUNT - 1)) (set CHAT_CLUSTER_PORT to move the range)" >&2
      break
    fi
  done
  ensure_jars
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  for name in "${SERVICES[@]}"; do rm -f "$(pid_file "$name")"; done

  export CHAT_CLUSTER=tcp
  export CHAT_CLUSTER_NAME="${CHAT_CLUSTER_NAME:-minichat-local}"
  export CHAT_CLUSTER_HOST="${CHAT_CLUSTER_HOST:-127.0.0.1}"
  export CHAT_CLUSTER_PORT="$CLUSTER_PORT"
  export CHAT_CLUSTER_PORT_COUNT="$CLUSTER_PORT_COUNT"
  export CHAT_CLUSTER_MEMBERS="${CHAT_CLUSTER_MEMBERS:-$(cluster_members)}"
  trap 'fail_start "interrupted"' INT TERM

  echo "starting cluster '$CHAT_CLUSTER_NAME' (members $CHAT_CLUSTER_MEMBERS), logs in $LOG_DIR"
  # presence first: the first member forms the cluster, the others join it
  launch presence-1 CHAT_MANAGEMENT_PORT=9093
  await_ready presence-1
  # Flyway takes a database lock, so both message services may migrate at once
  # management servers (health, metrics): the defaults, plus 100 for the second process of a kind
  launch message-1 CHAT_MANAGEMENT_PORT=9092
  launch message-2 CHAT_MANAGEMENT_PORT=9192
  await_ready message-1 message-2
  local gateways=()
  for name in "${SERVICES[@]}"; do
    if [[ "$name" == gateway-* ]]; then
      launch "$name" CHAT_HTTP_PORT="$(gateway_port_of "$name")" CHAT_HTTP_HOST="${CHAT_HTTP_HOST:-127.0.0.1}" \
        CHAT_MANAGEMENT_PORT="$((9091 + 100 * (${name#gateway-} - 1)))"
      gateways+=("$name")
    fi
  done
  await_ready "${gateways[@]}"
  trap - INT TERM
  echo "cluster up:"
  for port in "${GATEWAY_PORTS[@]}"; do echo "  ws://127.0.0.1:$port/ws   http://127.0.0.1:$port/api"; done
}

# SIGTERM to a group of services, then wait for them; returns the names still alive after the wait.
terminate() {
  local deadline=$((SECONDS + STOP_TIMEOUT_S)) name pid alive=()
  for name in "$@"; do
    if pid="$(live_pid "$name")"; then
      kill -TERM "$pid" 2>/dev/null || true
      alive+=("$name")
    fi
  done
  while [ ${#alive[@]} -gt 0 ] && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.2
    local still=()
    for name in "${alive[@]}"; do
      if live_pid "$name" > /dev/null; then still+=("$name"); fi
    done
    alive=("${still[@]+"${still[@]}"}")
  done
  echo "${alive[*]+"${alive[*]}"}"
}

stop_all() {
  local name pid gateways=() services=() leftovers file
  for name in "${SERVICES[@]}"; do
    if [[ "$name" == gateway-* ]]; then gateways+=("$name"); else services+=("$name"); fi
  done
  # gateways started with more GATEWAY_PORTS than this call was given are stopped too
  for file in "$RUN_DIR"/gateway-*.pid; do
    [ -e "$file" ] || continue
    name="$(basename "$file" .pid)"
    if [[ " ${gateways[*]} " != *" $name "* ]]; then gateways+=("$name"); SERVICES+=("$name"); fi
  done
  # gateways first: they drain their sockets (close 1012) while the services that answer them still run
  leftovers="$(terminate "${gateways[@]}") $(terminate "${services[@]}")"
  for name in $leftovers; do
    if pid="$(live_pid "$name")"; then
      echo "  $name (pid $pid) did not stop within ${STOP_TIMEOUT_S}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for name in "${SERVICES[@]}"; do rm -f "$(pid_file "$name")"; done
  echo "stopped"
}

status_all() {
  local name pid running=0 detail
  printf '%-11s %-8s %-10s %-10s %s\n' SERVICE PID RSS UPTIME DETAIL
  for name in "${SERVICES[@]}"; do
    if pid="$(live_pid "$name")"; then
      running=$((running + 1))
      detail=""
      if [[ "$name" == gateway-* ]]; then
        detail="port $(gateway_port_of "$name"), health: $(curl -s -m 2 "http://127.0.0.1:$(gateway_port_of "$name")/health" || echo unreachable)"
      fi
      printf '%-11s %-8s %-10s %-10s %s\n' "$name" "$pid" "$(($(ps -o rss= -p "$pid") / 1024)) MiB" \
        "$(ps -o etime= -p "$pid" | tr -d ' ')" "$detail"
    else
      printf '%-11s %-8s\n' "$name" "-"
    fi
  done
  echo "$running of ${#SERVICES[@]} running"
  [ "$running" -eq "${#SERVICES[@]}" ] && return 0
  [ "$running" -eq 0 ] && return 3
  return 1
}

case "${1:-}" in
  start) start_all ;;
  stop) stop_all ;;
  status) status_all ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
