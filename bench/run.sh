#!/usr/bin/env bash
# Runs the opsbus benchmarks: each server pinned to core 0, the load generator to core 1, the
# scenarios that apply, raw CSV under bench/results/<stamp>/, the report (default docs/BENCHMARKS.md)
# and a capacity chart beside it. See bench/README.md.
#
#   bench/run.sh [--quick] [--report PATH] [--runs N] [--servers raw,socketio,opsbus,opsbus-sockjs] [--no-build]
#   bench/run.sh --transports [--runs N] [--no-build]: quick fan-out with the gateway on nio and on epoll
#     beside the peers, and the generator's own ceiling against the plain sink (bench/README.md)
#   BENCH_SCENARIOS="fanout latency idle terminal operations ops crossnode logs" (default: all) selects scenarios
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODE=full
REPORT="$BENCH_DIR/../docs/BENCHMARKS.md"
RUNS=""
SERVERS=""
BUILD=1
TRANSPORTS=0
SERVER_CORE="${BENCH_SERVER_CORE:-0}"
GEN_CORE="${BENCH_GEN_CORE:-1}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) MODE=quick ;;
    --transports) MODE=quick; TRANSPORTS=1 ;;
    --report) REPORT="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    --servers) SERVERS="${2//,/ }"; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [[ "$MODE" == quick ]]; then
  RUNS="${RUNS:-1}"
  CLIENT_COUNTS="1000 5000 10000"
  LOADS="20000,40000,60000,80000,100000,130000"
  WARMUP=1; DURATION=3; DRAIN=2; PAUSE=0.5
  LAT_WARMUP=2; LAT_DURATION=8
  SETTLE=2
else
  RUNS="${RUNS:-5}"
  CLIENT_COUNTS="1000 5000 10000"
  # the sweep stops after two failed points, so the top of the list only runs for a server that passes
  LOADS="20000,40000,50000,60000,70000,80000,90000,100000,120000,140000,170000,200000"
  WARMUP=2; DURATION=5; DRAIN=2; PAUSE=1
  LAT_WARMUP=5; LAT_DURATION=20
  SETTLE=3
fi
LAT_CLIENTS=1000
LAT_RATE=20
IDLE_STEPS="1000,10000"
# for short trials while developing: BENCH_CLIENT_COUNTS="200 500" BENCH_LOADS=4000,8000 ...
CLIENT_COUNTS="${BENCH_CLIENT_COUNTS:-$CLIENT_COUNTS}"
LOADS="${BENCH_LOADS:-$LOADS}"
LAT_CLIENTS="${BENCH_LAT_CLIENTS:-$LAT_CLIENTS}"
IDLE_STEPS="${BENCH_IDLE_STEPS:-$IDLE_STEPS}"
MAX_CLIENTS=10000
CONNECT_RATE="${BENCH_CONNECT_RATE:-2000}"
# how long a fan-out server may take to print its listening line (an opsbus node starts PostgreSQL first)
START_TIMEOUT="${BENCH_START_TIMEOUT:-60}"
# a point is thrown out when the generator's own I/O loop ran later than this at p99 (ms): the
# generator may then have added that much to the latencies it measured (LoopLagProbe) ...
MAX_GEN_LAG="${BENCH_MAX_GEN_LAG_MS:-10}"
# ... or when the generator's core is busier than this (percent): a core that full leaves no margin
MAX_GEN_BUSY="${BENCH_MAX_GEN_BUSY:-95}"
# before the first point of a generator run, the server publishes this long at the first load, unmeasured
PREWARM="${BENCH_PREWARM_SECONDS:-3}"
# which scenarios run (default: all of them): fanout latency idle terminal operations ops crossnode logs
SCENARIOS=" ${BENCH_SCENARIOS:-fanout latency idle terminal operations ops crossnode logs} "
scenario_on() { [[ "$SCENARIOS" == *" $1 "* ]]; }

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ------------------------------------------------------------------ limits
# every client is one socket in the generator and one in the server: raise the descriptor limit
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE="$(ulimit -n)"
if [[ "$NOFILE" != unlimited && "$NOFILE" -lt $((MAX_CLIENTS + 1000)) ]]; then
  log "warning: only $NOFILE file descriptors (hard limit); 10k-client points will fail to connect"
fi
# the generator's sockets all go to one server address and port: each needs its own local port
read -r PORT_LO PORT_HI < /proc/sys/net/ipv4/ip_local_port_range
if (( PORT_HI - PORT_LO + 1 < MAX_CLIENTS + 1000 )); then
  log "warning: ephemeral port range $PORT_LO-$PORT_HI is too small for $MAX_CLIENTS clients"
fi
NPROC="$(nproc)"
if (( NPROC < 2 )); then
  log "warning: $NPROC core(s): server and generator cannot be pinned apart"
  GEN_CORE="$SERVER_CORE"
fi

# ------------------------------------------------------------------ build and install
JAR="$BENCH_DIR/target/opsbus-bench.jar"
if [[ "$BUILD" == 1 || ! -f "$JAR" ]]; then
  log "building the bench jar (and the opsbus modules it embeds, from this checkout)"
  mvn -q -B -f "$BENCH_DIR/../pom.xml" -pl bench -am -DskipTests package
fi
SIO_DIR="$BENCH_DIR/peers/socketio"
if ! command -v node >/dev/null; then
  log "node is not installed: the Socket.IO peer is skipped"
  NODE_OK=0
else
  NODE_OK=1
  if [[ ! -d "$SIO_DIR/node_modules/socket.io" || "$SIO_DIR/package-lock.json" -nt "$SIO_DIR/node_modules" ]]; then
    log "installing the Socket.IO peer's packages (npm ci)"
    (cd "$SIO_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# ------------------------------------------------------------------ servers
# >>> OPSBUS HOOK ----------------------------------------------------------------------------
# opsbus joins the run when opsbus_available says yes. start_opsbus starts an opsbus node (gateway
# only, plus the bench publisher verticle that serves /bench/* on its own port and publishes to
# bench.fanout) pinned to $SERVER_CORE, prints nothing, and sets SERVER_PID, SERVER_PORT (WebSocket
# and login) and CONTROL_PORT. The generator logs in as $OPSBUS_USER / $OPSBUS_PASSWORD and
# registers on bench.fanout.
OPSBUS_USER="${OPSBUS_BENCH_USER:-admin}"
OPSBUS_PASSWORD="${OPSBUS_BENCH_PASSWORD:-bench-admin-password}"
# extra JVM flags for the opsbus server only, e.g. a JFR recording:
#   OPSBUS_SERVER_JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/opsbus.jfr,settings=profile'
OPSBUS_SERVER_JAVA_OPTS="${OPSBUS_SERVER_JAVA_OPTS:-}"
# the opsbus servers' jar (fan-out node and cluster nodes): another build's bench jar, to compare it
# with this one under this tree's generator; default: this tree's
SERVER_JAR="${BENCH_SERVER_JAR:-$JAR}"
# the node's --transport (nio, epoll, io_uring); empty: the node's default. Servers opsbus-nio,
# opsbus-epoll, opsbus-io_uring set it for their own start.
OPSBUS_TRANSPORT="${OPSBUS_BENCH_TRANSPORT:-}"
# the bench jar carries the node (gateway, embedded PostgreSQL): opsbus is always available
opsbus_available() { [[ -f "$JAR" ]]; }
start_opsbus() {
  # a gateway-only node with the bench publisher; embedded PostgreSQL in a temporary data dir
  # (its processes inherit the pinning, and are idle while publishing: only login touches them)
  # shellcheck disable=SC2086
  # OPSBUS_CORES: the cores the node may use (default the server core); OPSBUS_GATEWAY_LOOPS: the
  # event loops its gateway accepts on (gateway.eventLoops; default 1)
  OPSBUS_ADMIN_PASSWORD="$OPSBUS_PASSWORD" taskset -c "${OPSBUS_CORES:-$SERVER_CORE}" java -Xms512m -Xmx2g -XX:+AlwaysPreTouch $OPSBUS_SERVER_JAVA_OPTS \
    -jar "$SERVER_JAR" opsbus-server --port 0 --control-port 0 ${OPSBUS_TRANSPORT:+--transport "$OPSBUS_TRANSPORT"} \
    ${OPSBUS_GATEWAY_LOOPS:+--gateway-loops "$OPSBUS_GATEWAY_LOOPS"} >>"$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  wait_listening || return 1
  # login and bridge on the gateway's port; the control API on the publisher's own port
  local control
  control="$(grep -m1 -o '"control":[0-9]*' "$SERVER_LOG" || true)"
  [[ -n "$control" ]] || { log "the opsbus server printed no control port"; return 1; }
  CONTROL_PORT="${control#*:}"
}
# <<< OPSBUS HOOK ----------------------------------------------------------------------------

# >>> TERMINAL AND OPERATIONS SCENARIOS ---------------------------------------------------------

# terminal: keystroke echo through opsbus (terminal WebSocket -> bus -> relay -> sshj) against sshj
# straight to the same SSH server; operations: starts per second on one node, and a storm of
# identical starts across two clustered nodes sharing one PostgreSQL. See bench/README.md.
if [[ "$MODE" == quick ]]; then
  TERM_KEYS=1000; TERM_BURSTS=20
  OPS_WARMUP=3; OPS_DURATION=10
  STORMS=2
else
  TERM_KEYS=1500; TERM_BURSTS=30
  OPS_WARMUP=3; OPS_DURATION=15
  STORMS=3
fi
TERM_KEYS="${BENCH_TERM_KEYS:-$TERM_KEYS}"
TERM_WARMUP="${BENCH_TERM_WARMUP:-200}"
TERM_BURSTS="${BENCH_TERM_BURSTS:-$TERM_BURSTS}"
TERM_BURST_SIZE="${BENCH_TERM_BURST_SIZE:-20}"
OPS_HOSTS="${BENCH_OPS_HOSTS:-8}"
OPS_DURATION="${BENCH_OPS_DURATION:-$OPS_DURATION}"
STORM_STARTS="${BENCH_STORM_STARTS:-500}"
STORMS="${BENCH_STORMS:-$STORMS}"
# the SSH server's password, fresh per bench run; the opsbus relay gets it through the hosts API
BENCH_SSH_PASSWORD="bench-ssh-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export BENCH_SSH_PASSWORD

TO_PIDS=()   # processes these scenarios started, stopped in reverse order
TO_DIRS=()   # their temporary data directories
to_stop_all() {
  local i pid
  for ((i = ${#TO_PIDS[@]} - 1; i >= 0; i--)); do
    pid="${TO_PIDS[$i]}"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  TO_PIDS=()
  for i in "${TO_DIRS[@]}"; do rm -rf "$i"; done
  TO_DIRS=()
}
# the main trap (cleanup) is set further down; these scenarios widen it when they first start something
to_trap() { trap 'cleanup; stop_opsbus_cluster; to_stop_all' EXIT; }

# prints the first match of an extended regex in a log once it appears; fails if the process exits
to_wait_line() {
  local file="$1" pattern="$2" pid="$3" deadline=$((SECONDS + 120)) m
  while (( SECONDS < deadline )); do
    m="$(grep -m1 -o -E "$pattern" "$file" 2>/dev/null || true)"
    if [[ -n "$m" ]]; then printf '%s\n' "$m"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then log "process $pid exited; end of $file:"; tail -20 "$file" >&2; return 1; fi
    sleep 0.2
  done
  log "no /$pattern/ in $file within 120 s"; return 1
}

# the bench SSH server (DemoSshServer, password $BENCH_SSH_PASSWORD) on the server core, or on the core
# given as the second argument, with the server flags that follow: start_bench_ssh TAG [CORE [FLAGS...]];
# sets SSH_PORT, SSH_FP, SSH_USER
start_bench_ssh() {
  local file="$RESULTS/ssh-server-$1.log" line pid
  to_trap
  : >"$file"
  taskset -c "${2:-$SERVER_CORE}" java -Xms64m -Xmx256m -jar "$JAR" ssh-server --port 0 "${@:3}" >>"$file" 2>&1 &
  pid=$!
  TO_PIDS+=("$pid")
  line="$(to_wait_line "$file" '"listening":[0-9]+,"fingerprint":"[^"]+","user":"[^"]+"' "$pid")" || return 1
  SSH_PORT="$(sed -E 's/.*"listening":([0-9]+).*/\1/' <<<"$line")"
  SSH_FP="$(sed -E 's/.*"fingerprint":"([^"]+)".*/\1/' <<<"$line")"
  SSH_USER="$(sed -E 's/.*"user":"([^"]+)".*/\1/' <<<"$line")"
}

# the operation types of the scenarios, in the nodes' config file
to_config() {
  local file="$RESULTS/ops-config.json"
  [[ -f "$file" ]] || cat >"$file" <<'JSON'
{"operations": {"commands": [
  {"name": "bench_true", "command": "true", "roles": ["operator"], "timeoutSeconds": 60},
  {"name": "bench_hold", "command": "sleep 300", "roles": ["operator"], "timeoutSeconds": 600}
]}}
JSON
  printf '%s\n' "$file"
}

# an opsbus node (the real launcher, from the bench jar, or from BENCH_NODE_JAR: the bench jar of
# another commit, to compare its node under the same generator) on the server core: gateway, operations and
# SSH relay, embedded PostgreSQL in a temporary data dir unless --pg-url is among the extra flags.
# Usage: start_opsbus_node NAME [extra node flags]; sets NODE_PORT, NODE_PID, NODE_LOG
start_opsbus_node() {
  local name="$1"; shift
  local dir line
  dir="$(mktemp -d "${TMPDIR:-/tmp}/opsbus-bench-$name.XXXXXX")"
  TO_DIRS+=("$dir")
  NODE_LOG="$RESULTS/node-$name.log"
  : >"$NODE_LOG"
  to_trap
  # shellcheck disable=SC2086
  OPSBUS_ADMIN_PASSWORD="$OPSBUS_PASSWORD" taskset -c "$SERVER_CORE" java -Xms256m -Xmx1g $OPSBUS_SERVER_JAVA_OPTS \
    -jar "${BENCH_NODE_JAR:-$JAR}" node --http-host 127.0.0.1 --http-port 0 --data-dir "$dir" --config "${NODE_CONFIG:-$(to_config)}" \
    --verticles gateway,operations,ssh-relay "$@" >>"$NODE_LOG" 2>&1 &
  NODE_PID=$!
  NODE_DIR="$dir"
  TO_PIDS+=("$NODE_PID")
  line="$(to_wait_line "$NODE_LOG" 'listening on http://127\.0\.0\.1:[0-9]+' "$NODE_PID")" || return 1
  NODE_PORT="${line##*:}"
}

to_generator() {
  BENCH_SERVER_CORE="$SERVER_CORE" BENCH_GEN_CORE="$GEN_CORE" taskset -c "$GEN_CORE" java -Xms256m -Xmx1g -jar "$JAR" "$@" \
    --user "$OPSBUS_USER" --password "$OPSBUS_PASSWORD" --ssh-port "$SSH_PORT" --ssh-user "$SSH_USER" \
    --ssh-fingerprint "$SSH_FP"
}

# terminal echo and operations starts per second share one node and one SSH server per run (each
# node start costs an embedded PostgreSQL and its migrations); the terminal is closed before the
# operations start. Usage: run_node_scenarios RUN
run_node_scenarios() {
  local run="$1" rc=0
  if start_bench_ssh "node-$run" && start_opsbus_node "single-$run"; then
    if scenario_on terminal; then
      log "terminal echo: run $run, $TERM_KEYS keystrokes one at a time + $TERM_BURSTS bursts of $TERM_BURST_SIZE, opsbus and sshj direct"
      to_generator terminal --url "http://127.0.0.1:$NODE_PORT" --run "$run" --keys "$TERM_KEYS" --warmup "$TERM_WARMUP" \
        --bursts "$TERM_BURSTS" --burst-size "$TERM_BURST_SIZE" --server-pid "$NODE_PID" --out "$RESULTS/terminal.csv" \
        >>"$RESULTS/generator-terminal.log" 2>&1 || { log "terminal generator failed (see generator-terminal.log)"; rc=1; }
    fi
    if scenario_on operations; then
      log "operations: run $run, starts per second over $OPS_HOSTS hosts for ${OPS_DURATION}s"
      to_generator operations --mode rate --urls "http://127.0.0.1:$NODE_PORT" --run "$run" --hosts "$OPS_HOSTS" \
        --warmup "$OPS_WARMUP" --duration "$OPS_DURATION" --server-pid "$NODE_PID" --out "$RESULTS/operations.csv" \
        >>"$RESULTS/generator-operations.log" 2>&1 || { log "operations rate generator failed (see generator-operations.log)"; rc=1; }
    fi
  else
    rc=1
  fi
  to_stop_all
  return $rc
}

# two clustered nodes, one PostgreSQL (node A's embedded one), a cluster name of this run's own.
# Usage: run_storm_scenario RUN
run_storm_scenario() {
  local run="$1" rc=0 pg="" a_port cluster="bench-$STAMP-$1"
  log "operations: run $run, $STORMS storms (+1 warm-up) of $STORM_STARTS identical starts across 2 clustered nodes"
  if start_bench_ssh "storm-$run" && start_opsbus_node "storm-a-$run" --cluster --cluster-name "$cluster"; then
    a_port="$NODE_PORT"
    pg="$(to_wait_line "$NODE_LOG" 'embedded PostgreSQL in .* on port [0-9]+' "$NODE_PID")" && pg="${pg##* }"
    # node B: A's database (with the password in A's keys) and A's key files, as every cluster node needs
    local a_dir="$NODE_DIR"
    if [[ -n "$pg" ]] && OPSBUS_CREDENTIALS_KEY_FILE="$a_dir/keys/credentials.key" OPSBUS_JWT_KEY_FILE="$a_dir/keys/jwt.key" \
        start_opsbus_node "storm-b-$run" --cluster --cluster-name "$cluster" \
        --pg-url "postgresql://postgres:$(cat "$a_dir/keys/postgres.password")@localhost:$pg/postgres" \
        && to_wait_line "$NODE_LOG" 'cluster has 2 members' "$NODE_PID" >/dev/null; then
      to_generator operations --mode storm --urls "http://127.0.0.1:$a_port,http://127.0.0.1:$NODE_PORT" --run "$run" \
        --starts "$STORM_STARTS" --storms "$STORMS" --out "$RESULTS/operations.csv" \
        >>"$RESULTS/generator-operations.log" 2>&1 || { log "operations storm generator failed (see generator-operations.log)"; rc=1; }
    else
      rc=1
    fi
  else
    rc=1
  fi
  to_stop_all
  return $rc
}
# ops: accepted starts per second apart from completions per second, one node, $OPS_BURST_HOSTS distinct
# hosts (host rows of their own on one bench SSH server); each round starts one operation per host at
# once and waits for them all to end. Round 1 opens the relay's SSH connections, later rounds reuse them.
if [[ "$MODE" == quick ]]; then OPS_ROUNDS=3; else OPS_ROUNDS=6; fi
OPS_BURST_HOSTS="${BENCH_OPS_BURST_HOSTS:-250}"
OPS_ROUNDS="${BENCH_OPS_ROUNDS:-$OPS_ROUNDS}"
OPS_CONNECTIONS="${BENCH_OPS_CONNECTIONS:-64}"   # HTTP requests in flight at once
# health sampling of the bench hosts, every host every this many seconds (the relay's default is 30:
# with thousands of hosts on one SSH server that sampling, not the starts, fills the server core)
OPS_HEALTH_PERIOD="${BENCH_OPS_HEALTH_PERIOD_SECONDS:-3600}"
# operations.maxRunning of the node (empty: its default, 200); a small value keeps the completions'
# database writes from sharing the database with the starts, so the starts are measured alone
OPS_MAX_RUNNING="${BENCH_OPS_MAX_RUNNING:-}"
# sshRelay.poolMaxTotal of the node: by default room for one connection per bench host (at least the
# relay's default 256), so that rounds after the first reuse their hosts' connections as a fleet's
# node sized for it would; a smaller value measures a pool that reconnects hosts round after round
OPS_POOL_TOTAL="${BENCH_OPS_POOL_TOTAL:-$(( OPS_BURST_HOSTS > 256 ? OPS_BURST_HOSTS : 256 ))}"
# the core of the SSH server the operations run on: the generator's by default, as the fleet's hosts
# are other machines (on the server core, the hosts' shells and commands took half of it from the node)
OPS_SSH_CORE="${BENCH_OPS_SSH_CORE:-$GEN_CORE}"
# how the bench hosts run the operations' `true`: in-process (default: answered inside the SSH server,
# over the real SSH protocol, without a process; see InstantTrue) or process (a shell each, as a real
# host: on this machine those processes took three quarters of the generator's core)
OPS_HOST_TRUE="${BENCH_OPS_HOST_TRUE:-in-process}"
ops_config() {
  local file="$RESULTS/ops-burst-config.json"
  [[ -f "$file" ]] || sed -E 's/^\{"operations": \{/{"sshRelay": {"healthPeriodSeconds": '"$OPS_HEALTH_PERIOD"', "poolMaxTotal": '"$OPS_POOL_TOTAL"'}, "operations": {'"${OPS_MAX_RUNNING:+\"maxRunning\": $OPS_MAX_RUNNING, }"'/' "$(to_config)" >"$file"
  printf '%s\n' "$file"
}
run_ops_scenario() {
  local run="$1" rc=0
  log "ops: run $run, $OPS_ROUNDS rounds of one start on each of $OPS_BURST_HOSTS hosts at once"
  local host_flags=()
  [[ "$OPS_HOST_TRUE" == in-process ]] && host_flags=(--in-process-true true)
  if start_bench_ssh "ops-$run" "$OPS_SSH_CORE" "${host_flags[@]}" && NODE_CONFIG="$(ops_config)" start_opsbus_node "ops-$run"; then
    # the peer: plain INSERTs into the node's embedded PostgreSQL from the generator, before each round
    local pg_port
    pg_port="$(grep -m1 -o -E 'embedded PostgreSQL in .* on port [0-9]+' "$NODE_LOG" | grep -o -E '[0-9]+$' || true)"
    to_generator operations --mode ops --urls "http://127.0.0.1:$NODE_PORT" --run "$run" --hosts "$OPS_BURST_HOSTS" \
      --rounds "$OPS_ROUNDS" --connections "$OPS_CONNECTIONS" --server-pid "$NODE_PID" --out "$RESULTS/ops.csv" \
      ${pg_port:+--pg-port "$pg_port" --pg-password-file "$NODE_DIR/keys/postgres.password"} \
      >>"$RESULTS/generator-ops.log" 2>&1 || { log "ops generator failed (see generator-ops.log)"; rc=1; }
  else
    rc=1
  fi
  to_stop_all
  return $rc
}
# <<< TERMINAL AND OPERATIONS SCENARIOS ---------------------------------------------------------
# >>> CROSS-NODE AND LOG-LINES SCENARIOS -----------------------------------------------------
# Cross-node delivery: two opsbus bench nodes in one Hazelcast cluster on loopback (cluster.xml,
# a cluster name of their own), both pinned to $SERVER_CORE: node A publisher-only (embedded
# PostgreSQL), node B the gateway the clients connect to (A's PostgreSQL). Each run measures the
# latency point (1k x 20 msg/s) twice on the same cluster and the same clients' gateway: published on
# B (same-node) and on A (cross-node), in alternating order.
# Log lines: one gateway-only node; its bench source feeds the SSH relay's LogBatcher with stamped
# lines at each rate, batched (10 lines or 100 ms) and unbatched (one message per line).
CROSS_CLIENTS="${BENCH_CROSS_CLIENTS:-$LAT_CLIENTS}"
CROSS_RATE="$LAT_RATE"
LOG_RATES="${BENCH_LOG_RATES:-1000,5000}"
LOG_CLIENTS="${BENCH_LOG_CLIENTS:-1}"
if [[ "$MODE" == quick ]]; then
  CROSS_WARMUP=2; CROSS_DURATION=8
  LOG_WARMUP=1; LOG_DURATION=4
else
  CROSS_WARMUP=5; CROSS_DURATION=20
  LOG_WARMUP=2; LOG_DURATION=8
fi
CLUSTER_A_PID=""
CLUSTER_B_PID=""

# waits for the {"listening":...} line of a bench server: file, pid; prints the line
await_listening_line() {
  local file="$1" pid="$2" deadline=$((SECONDS + 120)) line
  while (( SECONDS < deadline )); do
    line="$(grep -m1 -o '{"listening":.*}' "$file" 2>/dev/null || true)"
    if [[ -n "$line" ]]; then printf '%s\n' "$line"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { log "server exited:"; tail -20 "$file" >&2; return 1; }
    sleep 0.2
  done
  log "server did not start within 120 s"; return 1
}
json_field() { grep -o "\"$1\":\"\\?[^,\"}]*" <<<"$2" | head -1 | sed -E 's/^"[^"]*":"?//'; }

# starts node A then node B of a fresh cluster; sets CLUSTER_A_PID, CLUSTER_B_PID, CLUSTER_GATEWAY,
# CLUSTER_A_CONTROL, CLUSTER_B_CONTROL
start_opsbus_cluster() {
  local name="opsbus-bench-$STAMP-$1-$$" line pg keys
  # a log per node and run: the listening line read must be this start's
  local log_a="$RESULTS/server-opsbus-node-a-run$1.log" log_b="$RESULTS/server-opsbus-node-b-run$1.log"
  : > "$log_a"; : > "$log_b"
  # shellcheck disable=SC2086
  OPSBUS_ADMIN_PASSWORD="$OPSBUS_PASSWORD" taskset -c "$SERVER_CORE" java -Xms512m -Xmx2g $OPSBUS_SERVER_JAVA_OPTS \
    -jar "$SERVER_JAR" opsbus-server --port 0 --control-port 0 --cluster --cluster-name "$name" --publisher-only >>"$log_a" 2>&1 &
  CLUSTER_A_PID=$!
  line="$(await_listening_line "$log_a" "$CLUSTER_A_PID")" || return 1
  CLUSTER_A_CONTROL="$(json_field control "$line")"
  pg="$(json_field pg "$line")"
  keys="$(json_field keys "$line")"
  # shellcheck disable=SC2086
  OPSBUS_CREDENTIALS_KEY_FILE="$keys/credentials.key" OPSBUS_JWT_KEY_FILE="$keys/jwt.key" \
  OPSBUS_ADMIN_PASSWORD="$OPSBUS_PASSWORD" taskset -c "$SERVER_CORE" java -Xms512m -Xmx2g $OPSBUS_SERVER_JAVA_OPTS \
    -jar "$SERVER_JAR" opsbus-server --port 0 --control-port 0 --cluster --cluster-name "$name" --pg-url "$pg" \
    --await-members 2 >>"$log_b" 2>&1 &
  CLUSTER_B_PID=$!
  line="$(await_listening_line "$log_b" "$CLUSTER_B_PID")" || return 1
  CLUSTER_GATEWAY="$(json_field listening "$line")"
  CLUSTER_B_CONTROL="$(json_field control "$line")"
}

stop_opsbus_cluster() {
  local pid
  for pid in "$CLUSTER_B_PID" "$CLUSTER_A_PID"; do   # B first: A holds the PostgreSQL
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  CLUSTER_A_PID=""; CLUSTER_B_PID=""
}

run_crossnode() {
  local run="$1" order topology control
  if (( run % 2 == 1 )); then order="same-node cross-node"; else order="cross-node same-node"; fi
  log "cross-node: run $run, $CROSS_CLIENTS clients x $CROSS_RATE msg/s on node B, published on B and on A ($order)"
  if start_opsbus_cluster "$run"; then
    for topology in $order; do
      if [[ "$topology" == same-node ]]; then control="$CLUSTER_B_CONTROL"; else control="$CLUSTER_A_CONTROL"; fi
      # CPU columns are node B's (the fan-out); the server core's busy share counts both nodes
      taskset -c "$GEN_CORE" java -Xms1g -Xmx3g -jar "$JAR" load --protocol opsbus --server "$topology" \
        --scenario crossnode --url "ws://127.0.0.1:$CLUSTER_GATEWAY" --control "http://127.0.0.1:$control" \
        --server-pid "$CLUSTER_B_PID" --user "$OPSBUS_USER" --password "$OPSBUS_PASSWORD" \
        --connect-rate "$CONNECT_RATE" --max-generator-busy "$MAX_GEN_BUSY" --max-generator-lag-ms "$MAX_GEN_LAG" \
        --prewarm "$PREWARM" --run "$run" --clients "$CROSS_CLIENTS" \
        --rates "$CROSS_RATE" --warmup "$CROSS_WARMUP" --duration "$CROSS_DURATION" --drain "$DRAIN" \
        --out "$RESULTS/cross_node.csv" || log "generator failed against the cluster ($topology)"
    done
  fi
  stop_opsbus_cluster
}

run_logs() {
  local run="$1" modes
  if (( run % 2 == 1 )); then modes="batched,unbatched"; else modes="unbatched,batched"; fi
  log "log lines: run $run, $LOG_RATES lines/s, $modes, $LOG_CLIENTS browser(s)"
  SERVER_LOG="$RESULTS/server-opsbus-logs-run$run.log"
  : > "$SERVER_LOG"
  if start_opsbus; then
    taskset -c "$GEN_CORE" java -Xms512m -Xmx2g -jar "$JAR" logs --server opsbus \
      --url "ws://127.0.0.1:$SERVER_PORT" --control "http://127.0.0.1:$CONTROL_PORT" \
      --user "$OPSBUS_USER" --password "$OPSBUS_PASSWORD" --run "$run" --clients "$LOG_CLIENTS" \
      --rates "$LOG_RATES" --modes "$modes" --warmup "$LOG_WARMUP" --duration "$LOG_DURATION" --drain "$DRAIN" \
      --out "$RESULTS/logs.csv" || log "log-lines generator failed"
  fi
  stop_server
}
# <<< CROSS-NODE AND LOG-LINES SCENARIOS -----------------------------------------------------

if [[ -z "$SERVERS" ]]; then
  SERVERS="raw"
  [[ "$NODE_OK" == 1 ]] && SERVERS="socketio $SERVERS"
  # opsbus twice: its raw bridge path (/eventbus/websocket) and the browser's path (SockJS websocket)
  opsbus_available && SERVERS="opsbus opsbus-sockjs $SERVERS"
fi

SERVER_PID=""
SERVER_PORT=""
CONTROL_PORT=""
SERVER_LOG=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap 'cleanup; stop_opsbus_cluster' EXIT

# waits for the {"listening":PORT,...} line a bench server prints once it is up
wait_listening() {
  local deadline=$((SECONDS + START_TIMEOUT)) line
  while (( SECONDS < deadline )); do
    line="$(grep -m1 -o '"listening":[0-9]*' "$SERVER_LOG" 2>/dev/null || true)"
    if [[ -n "$line" ]]; then
      SERVER_PORT="${line#*:}"
      CONTROL_PORT="$SERVER_PORT"
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { log "server exited:"; cat "$SERVER_LOG" >&2; return 1; }
    sleep 0.2
  done
  log "server did not start within $START_TIMEOUT s"; return 1
}

start_server() {
  local name="$1"
  SERVER_LOG="$RESULTS/server-$name.log"
  : > "$SERVER_LOG"
  case "$name" in
    raw)
      taskset -c "$SERVER_CORE" java -Xms512m -Xmx2g -XX:+AlwaysPreTouch -jar "$JAR" raw-server --port 0 >>"$SERVER_LOG" 2>&1 &
      SERVER_PID=$!; wait_listening ;;
    socketio)
      (cd "$SIO_DIR" && exec taskset -c "$SERVER_CORE" node --expose-gc server.js --port 0) >>"$SERVER_LOG" 2>&1 &
      SERVER_PID=$!; wait_listening ;;
    opsbus)
      start_opsbus ;;
    opsbus-nio|opsbus-epoll|opsbus-io_uring)
      OPSBUS_TRANSPORT="${name#opsbus-}" start_opsbus ;;
    opsbus-sockjs)
      # the same node; the generator speaks SockJS's websocket transport, as vertx-eventbus.js does
      start_opsbus ;;
    opsbus-loops2)
      # the gateway accepting on two event loops (default transport, epoll), the node still on the server core alone (what the
      # second loop costs when there is no second core)
      OPSBUS_GATEWAY_LOOPS=2 start_opsbus ;;
    opsbus-loops2-cores2)
      # two loops on two cores: the server core and the generator's (on a two-core machine the
      # generator shares its core with the node's second loop: its busy share counts both)
      OPSBUS_GATEWAY_LOOPS=2 OPSBUS_CORES="$SERVER_CORE,$GEN_CORE" start_opsbus ;;
    sink|sink-vertx)
      # the plain sink (FrameSinkServer): WebSockets on its Netty port, the control API on its own
      taskset -c "$SERVER_CORE" java -Xms512m -Xmx2g -XX:+AlwaysPreTouch -jar "$JAR" sink-server --port 0 --control-port 0 >>"$SERVER_LOG" 2>&1 &
      SERVER_PID=$!
      wait_listening || return 1
      CONTROL_PORT="$(grep -m1 -o '"control":[0-9]*' "$SERVER_LOG" | cut -d: -f2)" ;;
    *) log "unknown server $name"; return 1 ;;
  esac
}

stop_server() {
  cleanup
  SERVER_PID=""
}

# the generator's subscriber side: netty (the default) or vertx (the generator before issue 17)
GEN_CLIENT="${BENCH_GEN_CLIENT:-netty}"
generator() {
  local server="$1"; shift
  local extra=() protocol="$server" client="$GEN_CLIENT"
  case "$server" in
    opsbus-sockjs) protocol=sockjs; extra=(--user "$OPSBUS_USER" --password "$OPSBUS_PASSWORD") ;;
    opsbus*) protocol=opsbus; extra=(--user "$OPSBUS_USER" --password "$OPSBUS_PASSWORD") ;;
    sink) protocol=raw ;;
    sink-vertx) protocol=raw; client=vertx ;;
  esac
  taskset -c "$GEN_CORE" java -Xms1g -Xmx3g -jar "$JAR" load --protocol "$protocol" --server "$server" --client "$client" \
    --url "ws://127.0.0.1:$SERVER_PORT" --control "http://127.0.0.1:$CONTROL_PORT" \
    --connect-rate "$CONNECT_RATE" --max-generator-busy "$MAX_GEN_BUSY" --max-generator-lag-ms "$MAX_GEN_LAG" \
    --prewarm "$PREWARM" "${extra[@]}" "$@"
}

# servers in a different order each run, so no server always follows the same one
rotated() {
  local run="$1"; local -a list=($SERVERS); local n=${#list[@]} i
  for ((i = 0; i < n; i++)); do printf '%s ' "${list[$(((i + run) % n))]}"; done
}

# ------------------------------------------------------------------ results
STAMP="$(date +%Y%m%d-%H%M%S)"
RESULTS="$BENCH_DIR/results/$STAMP-$MODE"
mkdir -p "$RESULTS"
{
  echo "machine=$NPROC cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB memory, Linux $(uname -r), loopback"
  echo "software=$(java -version 2>&1 | head -1); node $(node --version 2>/dev/null || echo absent); $(cd "$SIO_DIR" && node -e 'console.log("socket.io " + require("socket.io/package.json").version + ", ws " + require("ws/package.json").version)' 2>/dev/null || true)"
  echo "mode=$MODE"
  echo "runs=$RUNS"
  echo "scenarios=$(echo $SCENARIOS)"
  echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "results_dir=bench/results/$STAMP-$MODE"
  echo "note=load average at start: $(cut -d' ' -f1-3 /proc/loadavg); servers on core $SERVER_CORE, generator on core $GEN_CORE; points thrown out above $MAX_GEN_BUSY% generator-core busy or $MAX_GEN_LAG ms generator loop lag at p99; $PREWARM s unmeasured publishing before a generator's first point; descriptors $NOFILE; ephemeral ports $PORT_LO-$PORT_HI"
} > "$RESULTS/meta.txt"
log "mode=$MODE runs=$RUNS servers=[$SERVERS] results=$RESULTS"

# BENCH_SCRAPE_METRICS=1: after each opsbus point, the node's /metrics (its in-server delivery latency
# histogram, bus arrival to socket write, which the generator's own reading does not stretch) beside the CSV
SCRAPES=0
run_point() { # server, then generator flags; a failed server or generator is logged, the run goes on
  local server="$1"; shift
  if start_server "$server"; then
    generator "$server" "$@" || log "generator failed against $server ($*)"
    if [[ "${BENCH_SCRAPE_METRICS:-0}" == 1 && "$server" == opsbus* ]]; then
      SCRAPES=$((SCRAPES + 1))
      curl -s "http://127.0.0.1:$SERVER_PORT/metrics" -o "$RESULTS/metrics-$server-$SCRAPES.txt" || log "no /metrics from $server"
    fi
  fi
  stop_server
}

# ------------------------------------------------------------------ transports (--transports)
# Fan-out at TRANSPORT_CLIENTS clients: the gateway on nio and on epoll beside the peers (same loads),
# then the plain sink with the Netty generator and with the Vert.x one, at higher loads: the generator's
# own ceiling. The summary (bench transport-summary) goes beside the CSV; no report is rewritten.
if [[ "$TRANSPORTS" == 1 ]]; then
  TRANSPORT_CLIENTS="${BENCH_TRANSPORT_CLIENTS:-1000}"
  TRANSPORT_LOADS="${BENCH_TRANSPORT_LOADS:-40000,80000,120000,160000,200000,250000}"
  SINK_LOADS="${BENCH_SINK_LOADS:-100000,200000,300000,400000,500000}"
  TRANSPORT_SERVERS="${BENCH_TRANSPORT_SERVERS:-opsbus-nio opsbus-epoll raw}"
  [[ "$NODE_OK" == 1 && -z "${BENCH_TRANSPORT_SERVERS:-}" ]] && TRANSPORT_SERVERS="$TRANSPORT_SERVERS socketio"
  [[ "$TRANSPORT_SERVERS" == none ]] && TRANSPORT_SERVERS=""   # the sink pair alone: the generator's ceiling
  SERVERS="$TRANSPORT_SERVERS ${BENCH_TRANSPORT_SINKS-sink sink-vertx}"
  echo "transports=servers [$SERVERS], $TRANSPORT_CLIENTS clients, loads $TRANSPORT_LOADS (sink: $SINK_LOADS)" >> "$RESULTS/meta.txt"
  for ((run = 1; run <= RUNS; run++)); do
    for server in $(rotated "$run"); do
      loads="$TRANSPORT_LOADS"
      [[ "$server" == sink* ]] && loads="$SINK_LOADS"
      log "transports: run $run, $TRANSPORT_CLIENTS clients, $server, loads $loads"
      run_point "$server" --scenario fanout --run "$run" --clients "$TRANSPORT_CLIENTS" --loads "$loads" \
        --warmup "$WARMUP" --duration "$DURATION" --drain "$DRAIN" --pause "$PAUSE" --stop-after-failures 2 \
        --out "$RESULTS/fanout.csv"
    done
  done
  echo "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/meta.txt"
  java -jar "$JAR" transport-summary --results "$RESULTS"
  log "transports: summary in $RESULTS/transport-summary.md"
  exit 0
fi

# ------------------------------------------------------------------ scenarios
for ((run = 1; run <= RUNS; run++)); do
  if scenario_on fanout; then
    for clients in $CLIENT_COUNTS; do
      for server in $(rotated "$run"); do
        log "fan-out: run $run, $clients clients, $server"
        run_point "$server" --scenario fanout --run "$run" --clients "$clients" --loads "$LOADS" \
          --warmup "$WARMUP" --duration "$DURATION" --drain "$DRAIN" --pause "$PAUSE" --stop-after-failures 2 \
          --out "$RESULTS/fanout.csv"
      done
    done
  fi
  for server in $(rotated "$run"); do
    if scenario_on latency; then
      log "latency: run $run, $LAT_CLIENTS clients x $LAT_RATE msg/s, $server"
      run_point "$server" --scenario latency --run "$run" --clients "$LAT_CLIENTS" --rates "$LAT_RATE" \
        --warmup "$LAT_WARMUP" --duration "$LAT_DURATION" --drain "$DRAIN" --out "$RESULTS/latency.csv"
    fi
    if scenario_on idle; then
      log "memory: run $run, idle connections $IDLE_STEPS, $server"
      run_point "$server" --mode idle --run "$run" --clients 1 --idle-steps "$IDLE_STEPS" --settle "$SETTLE" \
        --out "$RESULTS/idle.csv"
    fi
  done
  if scenario_on terminal || scenario_on operations; then
    run_node_scenarios "$run" || log "terminal/operations scenario failed in run $run"
  fi
  if scenario_on operations; then
    run_storm_scenario "$run" || log "operations storm failed in run $run"
  fi
  if scenario_on ops; then
    run_ops_scenario "$run" || log "ops scenario failed in run $run"
  fi
  if opsbus_available && [[ " $SERVERS " == *" opsbus "* ]]; then
    if scenario_on crossnode; then run_crossnode "$run"; fi
    if scenario_on logs; then run_logs "$run"; fi
  fi
done

# ------------------------------------------------------------------ report
CHART="$(dirname "$REPORT")/benchmarks-capacity.png"
java -jar "$JAR" report --results "$RESULTS" --report "$REPORT" --chart "$CHART"
cp "$CHART" "$RESULTS/" 2>/dev/null || true
log "report: $REPORT, chart: $CHART, raw CSV: $RESULTS"
