#!/usr/bin/env bash
# Heap per idle connection and closed-loop ping/pong round trips/s, WebSocket against plain TCP lines:
# a server process (tether server, WebSocket on) per kind, and one client process (WsPingLoad: the same
# single-threaded NIO client for both transports). docs/BENCHMARKS.md, "WebSocket".
#
#   tether-bench/scripts/websocket-bench.sh [CONNECTIONS_HELD=5000] [PINGPONG_CONNECTIONS=100] [SECONDS=10] [ROUNDS=3]
#
# HELD=0 skips the heap phase, ROUNDS=0 the ping/pong phase. Needs tether-cli/target/tether.jar
# (./mvnw -B -q -DskipTests -pl tether-cli -am package) and jcmd. NICE="nice -n 19" runs everything niced.
set -euo pipefail
HELD=${1:-5000}; CONNS=${2:-100}; SECS=${3:-10}; ROUNDS=${4:-3}
JAR=${JAR:-tether-cli/target/tether.jar}
PORT=${PORT:-18610}
NICE=${NICE:-}
SERVER=
start_server() {
  $NICE java -XX:+UseSerialGC -Xms512m -Xmx512m -XX:+AlwaysPreTouch -jar "$JAR" server --port "$PORT" \
    --open-websocket-protocol true --ping-min-interval 0 --heartbeat-idle-time 600s --worker-num 1 --log-level warn &
  SERVER=$!
  for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && return; sleep 0.2; done
}
stop_server() { kill $SERVER; wait $SERVER 2>/dev/null || true; }
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null' EXIT
load() { $NICE java -XX:+UseSerialGC -cp "$JAR" io.tether.bench.load.WsPingLoad "$@"; }
heap() { jcmd $SERVER GC.class_histogram > "$1"; awk '/^Total/ {print $3}' "$1"; }
OUT=$(mktemp -d)
for kind in $([ "$HELD" -gt 0 ] && echo line ws); do
  start_server
  load hold-$kind 127.0.0.1 $PORT 1000 1 >/dev/null   # warm-up: classes, pools, the JIT
  load $kind 127.0.0.1 $PORT $CONNS 2 >/dev/null
  sleep 2
  zero=$(heap "$OUT/$kind-0.txt")
  : > "$OUT/$kind-hold.log"
  load hold-$kind 127.0.0.1 $PORT $HELD 15 >"$OUT/$kind-hold.log" &
  HOLDER=$!
  until grep -q holding "$OUT/$kind-hold.log"; do sleep 0.5; done   # every connection open and answered once
  sleep 2
  held=$(heap "$OUT/$kind-$HELD.txt")
  wait $HOLDER
  stop_server
  echo "$kind: live heap per idle connection $(( (held - zero) / HELD )) B ($HELD held; $zero -> $held B; histograms in $OUT)"
done
if [ "$ROUNDS" -gt 0 ]; then
  start_server
  load line 127.0.0.1 $PORT $CONNS 3 >/dev/null; load ws 127.0.0.1 $PORT $CONNS 3 >/dev/null   # warm-up
  for r in $(seq $ROUNDS); do
    load line 127.0.0.1 $PORT $CONNS $SECS
    load ws 127.0.0.1 $PORT $CONNS $SECS
  done
  stop_server
fi
