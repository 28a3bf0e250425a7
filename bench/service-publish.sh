#!/usr/bin/env bash
# The service-publish scenario (issue 15): one internal service publishes the stamped bench message
# to N browsers (WebSocket bridge subscribers of bench.fanout) over HTTP batches, the TCP bridge and
# the WebSocket bridge, in turn, against one opsbus bench server. The browsers' side is the fan-out
# generator unchanged (load --protocol opsbus); the publisher is `service-publisher`, a process of
# its own holding a service key. Writes service_publish.csv (the fan-out CSV columns, with
# server = opsbus-<via>) and the logs under bench/results/<stamp>-services/.
#
#   bench/service-publish.sh                    # 1,000 browsers, 20,100,300 msg/s, 1 run
#   BENCH_SVC_CLIENTS=1000 BENCH_SVC_RATES=20,100,300,500 BENCH_SVC_RUNS=2 BENCH_SVC_CONNECT_RATE=500 bench/service-publish.sh
set -euo pipefail
cd "$(dirname "$0")"
JAR=target/opsbus-bench.jar
[[ -f "$JAR" ]] || { echo "build first: mvn -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
CLIENTS="${BENCH_SVC_CLIENTS:-1000}"
RATES="${BENCH_SVC_RATES:-20,100,300}"
RUNS="${BENCH_SVC_RUNS:-1}"
VIAS="${BENCH_SVC_VIAS:-http tcp websocket}"
DURATION="${BENCH_SVC_DURATION:-5}"
OUT="results/$(date -u +%Y%m%d-%H%M%S)-services"
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
export OPSBUS_ADMIN_PASSWORD="${OPSBUS_ADMIN_PASSWORD:-bench-admin-$RANDOM$RANDOM}"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# waits for a JSON line matching $2 in file $1 written by pid $3
await_line() {
  for _ in $(seq 1 1200); do
    line="$(grep -m1 -o "$2" "$1" 2>/dev/null || true)"
    [[ -n "$line" ]] && { echo "$line"; return 0; }
    kill -0 "$3" 2>/dev/null || { echo "process $3 ended: see $1" >&2; return 1; }
    sleep 0.1
  done
  echo "timed out waiting in $1" >&2; return 1
}

for run in $(seq 1 "$RUNS"); do
  # a fresh server per run; per-connection bridge rate raised so one service connection is not
  # held to the default 100 frames/s (see docs/BENCHMARKS.md)
  java -Xmx1g -jar "$JAR" opsbus-server --port 0 --control-port 0 --bridge-rate 100000 >"$OUT/server-$run.log" 2>&1 &
  spid=$!; PIDS+=("$spid")
  line="$(await_line "$OUT/server-$run.log" '{"listening":.*}' "$spid")"
  gw="$(sed -E 's/.*"listening":([0-9]+).*/\1/' <<<"$line")"
  ctl="$(sed -E 's/.*"control":([0-9]+).*/\1/' <<<"$line")"
  tcp="$(sed -E 's/.*"tcp":([0-9]+).*/\1/' <<<"$line")"
  echo "run $run: gateway $gw, control $ctl, tcp bridge $tcp, server pid $spid"
  # order of the ways in alternates between runs
  vias=($VIAS); (( run % 2 == 0 )) && vias=($(printf '%s\n' "${vias[@]}" | tac))
  for via in "${vias[@]}"; do
    java -Xmx512m -jar "$JAR" service-publisher --url "http://127.0.0.1:$gw" --server-control "http://127.0.0.1:$ctl" \
      --via "$via" --tcp-port "$tcp" >"$OUT/publisher-$via-$run.log" 2>&1 &
    ppid=$!; PIDS+=("$ppid")
    pline="$(await_line "$OUT/publisher-$via-$run.log" '{"control":[0-9]*' "$ppid")"
    pctl="${pline##*:}"
    java -Xmx1g -jar "$JAR" load --protocol opsbus --url "ws://127.0.0.1:$gw" --control "http://127.0.0.1:$pctl" \
      --server-pid "$spid" --server "opsbus-$via" --scenario service_publish --run "$run" --clients "$CLIENTS" \
      --rates "$RATES" --connect-rate "${BENCH_SVC_CONNECT_RATE:-100}" --warmup 1 --duration "$DURATION" --drain 3 --pause 1 \
      --out "$OUT/service_publish.csv" 2>>"$OUT/load-$via-$run.log" | tee -a "$OUT/summary.txt"
    kill "$ppid"; wait "$ppid" 2>/dev/null || true
    grep -h "service-publisher" "$OUT/publisher-$via-$run.log" | tee -a "$OUT/summary.txt" || true
  done
  kill "$spid"; wait "$spid" 2>/dev/null || true
done
uptime | tee "$OUT/load-average.txt"
echo "results in bench/$OUT"
