#!/usr/bin/env bash
# The delivery audit, longer and larger than the run in `mvn verify`: DeliveryAuditTest on a local cluster of
# separate JVMs (1 presence service, 2 message services, 2 gateways), honest pairs chatting at a steady rate each
# way next to a hostile user, with repeated fault rounds (each: SIGKILL of a gateway and of a message service, each
# replaced, a second device joining, a bind held up by a frozen presence service). At the end every acknowledged
# message must have reached every connection bound when it was sent, live, exactly once and in order, and the
# database must match the acks. It stops by itself once the traffic has run and the audit is made.
#
#   scripts/delivery-audit.sh [--pairs 6] [--seconds 300] [--rate 50] [--kills 5] [--seed N]
#                             [--report logs/delivery-audit/report.txt] [--offline]
#
#   --pairs N     honest pairs of users (each user one sending device; second devices join in the fault rounds)
#   --seconds N   seconds of traffic (the cluster's start and the audit come on top)
#   --rate N      messages per second each way per pair
#   --kills N     fault rounds, spread over the traffic
#   --seed N      seed of the hostile input (default: a new one, printed; give it again to replay a run)
#   --report F    where the audit's table is written (also printed)
#   --offline     run Maven offline (-o)
#
# PostgreSQL: PG_URL (or PGHOST…) (the tests need a server); each run makes a fresh database.
# The services' logs go to system-tests/target/cluster-logs/, the test's own output to
# system-tests/target/surefire-reports/io.github.minichat.systemtest.DeliveryAuditTest-output.txt.
# Exit status: 0 when the audit passed, else Maven's (1 for a failed audit).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PAIRS=6 SECONDS_OF_TRAFFIC=300 RATE=50 KILLS=5 SEED="" REPORT="$ROOT/logs/delivery-audit/report.txt" OFFLINE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) PAIRS="$2"; shift ;;
    --seconds) SECONDS_OF_TRAFFIC="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --kills) KILLS="$2"; shift ;;
    --seed) SEED="$2"; shift ;;
    --report) REPORT="$2"; shift ;;
    --offline) OFFLINE="-o" ;;
    -h|--help) sed -n '2,/^set /p' "$0" | sed '$d'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for value in "$PAIRS" "$SECONDS_OF_TRAFFIC" "$RATE" "$KILLS"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "not a positive number: $value" >&2; exit 2; }
done
SEED="${SEED:-$(date +%s)}"
mkdir -p "$(dirname "$REPORT")"
REPORT="$(cd "$(dirname "$REPORT")" && pwd)/$(basename "$REPORT")"
rm -f "$REPORT"

echo "delivery audit: $PAIRS pairs, $RATE msg/s each way, $SECONDS_OF_TRAFFIC s, $KILLS fault rounds, seed $SEED"
# a hung run still ends: the traffic, a minute per fault round for the replacements to start, and the audit
LIMIT_S=$((SECONDS_OF_TRAFFIC + 60 * KILLS + 600))
status=0
(cd "$ROOT" && timeout --kill-after=30 "$LIMIT_S" mvn -q $OFFLINE -pl system-tests -am test \
  -Dtest=DeliveryAuditTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Daudit.pairs="$PAIRS" -Daudit.seconds="$SECONDS_OF_TRAFFIC" -Daudit.rate="$RATE" -Daudit.kills="$KILLS" \
  -Daudit.seed="$SEED" -Daudit.report="$REPORT") || status=$?

if [ -f "$REPORT" ]; then
  cat "$REPORT"
  echo "report: $REPORT"
else
  echo "no report written (the run ended before its audit; status $status): see" \
    "$ROOT/system-tests/target/surefire-reports/ and $ROOT/system-tests/target/cluster-logs/" >&2
fi
[ "$status" -eq 124 ] && echo "the run passed its time limit of $LIMIT_S s and was stopped" >&2
exit "$status"
