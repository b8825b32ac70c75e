#!/usr/bin/env bash
# Idle CPU of one bench server process, held by the C load tool: CPU seconds per minute
# (/proc/PID/stat utime+stime, 10 ms ticks) with no connection, then with N silent connections
# (lineload hold, in processes of at most 19,000: a process may open 20,000 files).
#
#   tether-bench/scripts/idle-cpu.sh JAR MAIN_CLASS [N] [SECONDS]
#   e.g. tether-bench/scripts/idle-cpu.sh tether-cli/target/tether.jar io.tether.bench.server.TetherBenchServer 19000 60
#        tether-bench/scripts/idle-cpu.sh /tmp/tether-bench-8e228b261c3b/tether-cli/target/tether.jar io.tether.bench.server.TetherBenchServer
#
# lineload.c: $TETHER_LINELOAD_SRC, else ../shared/tools/lineload.c from the project root.
set -euo pipefail
jar=$1 main=$2 n=${3:-19000} secs=${4:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
src=${TETHER_LINELOAD_SRC:-$root/../shared/tools/lineload.c}
[ -f "$src" ] || { echo "lineload.c not found at $src: set TETHER_LINELOAD_SRC (it is shared/tools/lineload.c beside the project)" >&2; exit 2; }
work=$(mktemp -d)
gcc -O2 -Wall -o "$work/lineload" "$src"
port=$((20000 + RANDOM % 10000))
mkfifo "$work/in"
sleep $((secs * 3 + 600)) > "$work/in" &   # keeps the server's stdin open; its end stops the server
keep=$!
java -XX:+UseSerialGC -Xms1g -Xmx1g -XX:+AlwaysPreTouch -Dio.netty.leakDetection.level=disabled \
     -cp "$jar" "$main" --port "$port" --idle-ms 600000 < "$work/in" > "$work/out" 2> "$work/err" &
for _ in $(seq 100); do grep -q '^READY' "$work/out" 2>/dev/null && break; sleep 0.2; done
pid=$(awk '/^READY/ {print $3}' "$work/out")
[ -n "$pid" ] || { echo "server did not start; see $work/err" >&2; kill $keep; exit 1; }
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
measure() {
  sleep 5
  local c0; c0=$(cpu); sleep "$secs"; local c1; c1=$(cpu)
  awk -v d=$((c1 - c0)) -v s="$secs" -v what="$1" 'BEGIN { printf "%s: %.3f CPU s/min (%d ticks in %d s)\n", what, d / 100 * 60 / s, d, s }'
}
measure "no connection"
holders=()
left=$n
while [ "$left" -gt 0 ]; do
  k=$((left > 19000 ? 19000 : left))
  "$work/lineload" hold 127.0.0.1 "$port" "$k" $((secs + 120)) > "$work/hold.$left.json" 2> "$work/hold.$left.err" &
  holders+=($!)
  left=$((left - k))
done
for _ in $(seq 300); do [ "$(grep -c opened "$work"/hold.*.err 2>/dev/null | awk -F: '{s+=$2} END {print s+0}')" -ge "${#holders[@]}" ] && break; sleep 0.2; done
measure "$n idle connections"
kill "${holders[@]}" 2>/dev/null || true
kill $keep
wait 2>/dev/null || true
rm -rf "$work"
