#!/usr/bin/env bash
# The change feed's benchmark (issue 10), on the in-memory store: GET by id throughput with no
# watchers and with 100 idle watchers (wrk, 32 connections, one run each, same service), and the
# time from a PATCH's response to its event at 100 watchers (p50, p99; bench/feed_latency.py).
# Needs the built jar (mvn -B -ntp -o package -DskipTests) and wrk, curl, python3.
#   bench/feed.sh [SECONDS]
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
. "$ROOT/scripts/lib.sh"
find_jdk >/dev/null
DURATION=${1:-10}
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$JAVA_HOME/bin/java" ${CHYP_JAVA_OPTS:--XX:+UseSerialGC -Xmx96m} -jar "$ROOT/bootstrap/target/chypervisord.jar" \
  --kv mem:// -p "$PORT" -l error > /dev/null 2>&1 &
SVC=$!
WATCHERS=()
cleanup() {
  for p in "${WATCHERS[@]}"; do kill "$p" 2>/dev/null || true; done
  kill "$SVC" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "localhost:$PORT/hypervisors" > /dev/null && break; sleep 0.2; done
ID=abcd1234-abcd-1234-abcd-1234abcd1234
curl -sf -XPOST "localhost:$PORT/hypervisors" --data-binary "{\"id\":\"$ID\"}" > /dev/null
wrk -t2 -c32 -d"$DURATION"s "http://127.0.0.1:$PORT/hypervisors/$ID" > /dev/null # JIT warm-up
none=$(wrk -t2 -c32 -d"$DURATION"s "http://127.0.0.1:$PORT/hypervisors/$ID" | awk '/Requests\/sec/ {print $2}')
for _ in $(seq 1 100); do curl -sN "http://127.0.0.1:$PORT/hypervisors?watch=true" > /dev/null & WATCHERS+=($!); done
sleep 2
idle=$(wrk -t2 -c32 -d"$DURATION"s "http://127.0.0.1:$PORT/hypervisors/$ID" | awk '/Requests/ {print $2}')
echo "GET by id: $none req/s without watchers, $idle req/s with 100 idle watchers (ratio $(python3 -c "print(round($idle/$none, 2))"))"
for p in "${WATCHERS[@]}"; do kill "$p" 2>/dev/null || true; done
WATCHERS=()
python3 "$BENCH_DIR/feed_latency.py" "$PORT" "$ID"
