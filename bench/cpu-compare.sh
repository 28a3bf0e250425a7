#!/usr/bin/env bash
# Server CPU per delivery of two or more opsbus builds, paired: all nodes run at once on core 0 (each
# its own bench jar's opsbus-server, warm for the whole comparison), the generator of THIS tree on
# core 1 drives one after the other, round after round, the order rotating. Each round gives one ratio
# per load of every build to the first; the median of the ratios and their spread are printed.
# Pairing cancels what drifts over minutes on a shared host (steal, frequency), which unpaired runs
# of a few minutes could not.
#
#   bench/cpu-compare.sh A.jar B.jar [C.jar ...] [--rounds N]   (A: the reference, e.g. the tree before a change)
#   BENCH_CMP_LOADS=20000,40000 BENCH_CMP_CLIENTS=1000 BENCH_CMP_PROTOCOL=opsbus (or sockjs)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JARS=(); ROUNDS=8
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift ;;
    *) JARS+=("$1") ;;
  esac
  shift
done
(( ${#JARS[@]} >= 2 )) || { echo "usage: cpu-compare.sh A.jar B.jar [C.jar ...] [--rounds N]" >&2; exit 2; }
NAMES=(A B C D E F)
GEN_JAR="${BENCH_CMP_GENERATOR:-$BENCH_DIR/target/opsbus-bench.jar}"
LOADS="${BENCH_CMP_LOADS:-20000,40000}"
CLIENTS="${BENCH_CMP_CLIENTS:-1000}"
PROTOCOL="${BENCH_CMP_PROTOCOL:-opsbus}"
PASSWORD=bench-admin-password
OUT="$BENCH_DIR/results/$(date +%Y%m%d-%H%M%S)-cpu-compare"
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log() { printf '[cpu-compare %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start() { # name jar -> sets PORT_<name>, CONTROL_<name>, PID_<name>
  local name="$1" jar="$2" logf="$OUT/server-$1.log" i
  : >"$logf"
  OPSBUS_ADMIN_PASSWORD="$PASSWORD" taskset -c 0 java -Xms512m -Xmx2g -XX:+AlwaysPreTouch \
    -jar "$jar" opsbus-server --port 0 --control-port 0 >"$logf" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for i in $(seq 120); do grep -q '"control":' "$logf" && break; sleep 1; done
  grep -q '"control":' "$logf" || { log "$name did not start (see $logf)"; exit 1; }
  printf -v "PORT_$name" '%s' "$(grep -m1 -o '"listening":[0-9]*' "$logf" | cut -d: -f2)"
  printf -v "CONTROL_$name" '%s' "$(grep -m1 -o '"control":[0-9]*' "$logf" | cut -d: -f2)"
  printf -v "PID_$name" '%s' "$pid"
}

{
  for i in "${!JARS[@]}"; do
    start "${NAMES[$i]}" "${JARS[$i]}"
    echo "${NAMES[$i]}=${JARS[$i]}"
  done
  echo "generator=$GEN_JAR loads=$LOADS clients=$CLIENTS rounds=$ROUNDS protocol=$PROTOCOL load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/meta.txt"
log "$(tr '\n' ' ' < "$OUT/meta.txt")"

drive() { # name round
  local name="$1" round="$2" port control pid
  port="PORT_$name"; control="CONTROL_$name"; pid="PID_$name"
  taskset -c 1 java -Xms1g -Xmx3g -jar "$GEN_JAR" load --protocol "$PROTOCOL" --server "$name" \
    --url "ws://127.0.0.1:${!port}" --control "http://127.0.0.1:${!control}" --server-pid "${!pid}" \
    --user admin --password "$PASSWORD" --clients "$CLIENTS" --loads "$LOADS" --run "$round" \
    --warmup 2 --duration 10 --drain 3 --pause 1 --prewarm 3 --out "$OUT/points.csv" >>"$OUT/generator.log" 2>&1 \
    || log "generator failed against $name in round $round"
}

n=${#JARS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  for ((i = 0; i < n; i++)); do drive "${NAMES[$(((i + r) % n))]}" "$r"; done
  log "round $r done"
done

java -cp "$GEN_JAR" dev.opsbus.bench.CpuCompare "$OUT/points.csv" | tee "$OUT/summary.md"
