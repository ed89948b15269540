#!/usr/bin/env bash
# Runs the load generator (load-test/target/minichat-load-test.jar), e.g.
#   scripts/load-test.sh connect -n 5000 --url ws://127.0.0.1:8081/ws
# JVM flags suit a short-lived client that shares the cores with the server: C1 only (C2 compiles cost more CPU
# than they save in a run of seconds) and the serial GC (no GC threads). Override them with LOAD_JAVA_OPTS.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jar="$root/load-test/target/minichat-load-test.jar"
if [ ! -f "$jar" ]; then
  (cd "$root" && mvn -q -DskipTests package -pl load-test -am)
fi
# every socket is a file descriptor: take the hard limit (here 20,000; it cannot be raised further)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# shellcheck disable=SC2086 # LOAD_JAVA_OPTS is a list of flags
exec java ${LOAD_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC} -jar "$jar" "$@"
