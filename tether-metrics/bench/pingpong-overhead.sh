#!/usr/bin/env bash
# Ping/pong round trips per second with metrics off and on, in one run (docs/BENCHMARKS.md,
# "Metrics overhead"). Two `tether server` processes: one without an admin endpoint (no observer
# at all), one with --admin-port (TetherMetrics counts every event; /metrics is scraped every 5 s
# meanwhile, three times as often as a common 15 s scrape interval). Each round loads one, then
# the other, alternating which goes first.
# Usage: tether-metrics/bench/pingpong-overhead.sh [ROUNDS] [CONNECTIONS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}; conns=${2:-100}; secs=${3:-10}
jar=tether-cli/target/tether.jar
[ -f "$jar" ] || ./mvnw -q -B -o -DskipTests -pl tether-cli -am package
src=../shared/tools/lineload.c; [ -f "$src" ] || src=/work/shared/tools/lineload.c
[ -x /tmp/lineload ] || gcc -O2 -Wall -o /tmp/lineload "$src"
off_port=19711; on_port=19712; admin_port=19713
opts="-XX:+UseSerialGC -Xms512m -Xmx512m"
TETHER_LOG_LEVEL=WARN java $opts -jar "$jar" server --port $off_port --ping-min-interval 0 > /tmp/overhead-off.log 2>&1 & off_pid=$!
TETHER_LOG_LEVEL=WARN java $opts -jar "$jar" server --port $on_port --ping-min-interval 0 --admin-port $admin_port > /tmp/overhead-on.log 2>&1 & on_pid=$!
trap 'kill $off_pid $on_pid 2>/dev/null; wait $off_pid $on_pid 2>/dev/null || true' EXIT
for p in $off_port $on_port $admin_port; do
  for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.1; done
done
run() { # $1 label, $2 port; prints "label rate"
  local scraper=""
  if [ "$1" = on ]; then
    (while true; do curl -s -o /dev/null http://127.0.0.1:$admin_port/metrics; sleep 5; done) & scraper=$!
  fi
  local out; out=$(/tmp/lineload pingpong 127.0.0.1 "$2" "$conns" "$secs" 2>&1)
  [ -n "$scraper" ] && { kill $scraper; wait $scraper 2>/dev/null || true; }
  echo "$out" | sed 's/^/    /' >&2
  echo "$1 $(echo "$out" | grep -oE '"round_trips_per_s":[0-9.]+' | cut -d: -f2) p99_us $(echo "$out" | grep -oE '"p99":[0-9]+' | cut -d: -f2)"
}
results=()
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="off on"; else order="on off"; fi
  for which in $order; do
    port=$off_port; [ "$which" = on ] && port=$on_port
    echo "round $r: metrics $which" >&2
    results+=("$(run $which $port)")
  done
done
printf '%s\n' "${results[@]}"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
off=$(printf '%s\n' "${results[@]}" | awk '$1=="off"{print $2}' | median)
on=$(printf '%s\n' "${results[@]}" | awk '$1=="on"{print $2}' | median)
echo "median off $off/s, on $on/s, on/off $(awk -v a="$on" -v b="$off" 'BEGIN{printf "%.3f", a/b}')"
echo "scrape after the run:" >&2
curl -s http://127.0.0.1:$admin_port/metrics | grep -E '^tether_(pings_received_total|connections_opened_total|connections_closed_total\{reason="peer closed"\})' >&2
