#!/usr/bin/env bash
# Cluster benchmarks on Akka.Cluster (issue 17): Release nodes on 127.0.0.1 sharing the PostgreSQL of scripts/postgres.sh
# (database $PGDB, a fresh schema per run, dropped at the end). Every node's output goes to $WORK/node-<port>-<n>.log;
# every node this script started is killed at the end, on failure and on Ctrl-C too.
#   1. POST /ns/counter/name/o{1..OBJS}/increment, CONNS connections in all, 2 s warm-up + DUR s per row:
#      sqlite_1node (reference, no cluster), pg_1node (one cluster node on PostgreSQL), then with 2 and with 3 nodes:
#      spread (one wrk per node, each over all objects: ~(N-1)/N of requests go to another node's object) and direct (one
#      wrk per node, each asking only the objects whose shards its node holds: nothing crosses nodes). With 3 nodes,
#      spread is measured first cold (the DUR s right after the third node's shards settled), then direct, then warm.
#   2. Handoff: time from starting a node until /cluster shows the counter shards balanced and none rebalancing (1 -> 2,
#      2 -> 3 on idle objects, and 2 -> 3 again with OBJS objects running on the two), with the shards each node
#      counted in durable_cluster_shards_handed_off / _started (its /metrics) over the join.
#   3. Failover: SIGKILL the node C holding a counter's shard, time to the first 200 for it through A (polled every
#      20 ms), RUNS times (C restarted and rejoined between runs).
# Needs wrk (apt-get install -y wrk), node, curl, psql. Usage: bash bench/cluster/run.sh
#   env: DUR=10 CONNS=48 OBJS=1000 RUNS=3 PORT=18741 PGDB=durable_cbench SHARDS=64 (Durable:Objects:Shards, all nodes)
# Every result is one line starting with an upper-case key (WRK_*, HANDOFF_* (SETTLED ...), MOVES_*, FAILOVER*, LOAD).
# On failure the node logs are copied to /tmp/durable-cbench-failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${DUR:-10} CONNS=${CONNS:-48} OBJS=${OBJS:-1000} RUNS=${RUNS:-3} PORT=${PORT:-18741} PGDB=${PGDB:-durable_cbench}
SHARDS=${SHARDS:-64}
DLL=src/Durable.Web/bin/Release/net10.0/Durable.Web.dll
HELPER=bench/cluster/cluster.mjs
SCHEMA="cbench_$(date +%s)_$$"
WORK=$(mktemp -d /tmp/durable-cbench.XXXX)
declare -A PIDS=()   # HTTP port -> pid of the node process started by this script
declare -A LOGS=()   # HTTP port -> log file of its newest node

load() { echo "LOAD $1 $(cut -d' ' -f1-3 /proc/loadavg)"; }
say() { echo "# $*" >&2; }

cleanup() {
  local rc=$? port
  trap - EXIT INT TERM
  for port in "${!PIDS[@]}"; do kill -KILL "${PIDS[$port]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n "${PGHOST:-}" ]]; then psql -d "$PGDB" -qc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" 2>/dev/null || true; fi
  if [[ $rc -ne 0 ]]; then
    mkdir -p /tmp/durable-cbench-failed && cp "$WORK"/*.log /tmp/durable-cbench-failed/ 2>/dev/null || true
    say "failed (exit $rc); node logs copied to /tmp/durable-cbench-failed"
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v wrk >/dev/null || apt-get install -y wrk >&2
eval "$(scripts/postgres.sh start)"   # exports DURABLE_TEST_PG; host, port and user are the script's defaults
export PGHOST=127.0.0.1 PGPORT=${DURABLE_PG_PORT:-54329} PGUSER=postgres PGDATABASE=$PGDB
psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PGDB'" | grep -q 1 || psql -d postgres -qc "CREATE DATABASE $PGDB"
psql -qc "CREATE SCHEMA $SCHEMA"
CS="Host=$PGHOST;Port=$PGPORT;Username=postgres;Database=$PGDB;Maximum Pool Size=30;Timeout=15;Search Path=$SCHEMA"

if [[ ! -f "$DLL" || -n "${BUILD:-}" ]]; then
  say "building src/Durable.Web (Release)"
  dotnet build -c Release src/Durable.Web >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
fi
A=$PORT B=$((PORT + 1)) C=$((PORT + 2)) S=$((PORT + 3))
for p in $A $B $C $S; do
  if curl -s -o /dev/null "http://127.0.0.1:$p/"; then echo "port $p is in use; set PORT=" >&2; exit 1; fi
done

url() { echo "http://127.0.0.1:$1"; }
# start_node <port> [extra args...]: a cluster node on PostgreSQL (remoting on a free port, formed through PostgreSQL)
start_node() {
  local port=$1; shift
  local log="$WORK/node-$port-$(date +%s%N).log"
  dotnet "$DLL" --urls "$(url "$port")" --Durable:Storage:Provider=postgres "--Durable:Storage:Postgres:ConnectionString=$CS" \
    --Durable:Cluster:Enabled=true "--Durable:Objects:Shards=$SHARDS" "$@" >"$log" 2>&1 &
  PIDS[$port]=$!
  LOGS[$port]=$log
}
wait_healthy() { local i; for i in $(seq 1 1200); do curl -fs "$(url "$1")/healthz" >/dev/null && return; sleep 0.05; done
  echo "node on port $1 not healthy after 60 s; log: $(tail -5 "${LOGS[$1]:-/dev/null}")" >&2; exit 1; }
stop_node() { kill "-$2" "${PIDS[$1]}" 2>/dev/null || true; wait "${PIDS[$1]}" 2>/dev/null || true; unset "PIDS[$1]"; }
settle() { node "$HELPER" wait "$(url "$1")" "$2" 120 ${3:+"$3"}; }   # settle <port> <nodes> [start-epoch-ms]
touch_objects() { node bench/edge/touch.mjs POST counter o /increment "$OBJS" "$CONNS" "$(url "$1")" >/dev/null; }
now_ms() { date +%s%3N; }
# metric <port> <name>: the node's counter summed over its series (0 when absent)
metric() { curl -fs "$(url "$1")/metrics" | awk -v name="$2" '$1 == name || index($1, name "{") == 1 { sum += $2 } END { printf "%d", sum }'; }
MOVES="durable_cluster_shards_handed_off_total durable_cluster_shards_started_total"
moves() { local p m; for p in "$@"; do for m in $MOVES; do echo "$p $m $(metric "$p" "$m")"; done; done; }
# ports_file: "akka-address http-port" for every running node (cluster.mjs owners names nodes by their Akka address)
ports_file() { local p; : >"$WORK/ports"; for p in "$@"; do
  echo "$(curl -fs "$(url "$p")/cluster" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).node))') $p" >>"$WORK/ports"; done; }

wrk_row() { # wrk_row <port> <connections> <duration-s>: one wrk over all objects, the WRK line of names.lua
  wrk -t1 -c"$2" -d"${3}s" --latency -s bench/edge/names.lua "$(url "$1")" -- POST counter "$OBJS" /increment | grep '^WRK'; }
# many_wrk <duration-s> <out-prefix> <spread|direct> <ports...>: one wrk per node at once, CONNS/N connections each
many_wrk() {
  local secs=$1 out=$2 mode=$3 p pids=(); shift 3
  local per=$(( (CONNS + $# - 1) / $# ))
  for p in "$@"; do
    if [[ $mode == direct ]]; then
      wrk -t1 -c"$per" -d"${secs}s" --latency -s bench/cluster/list.lua "$(url "$p")" -- POST counter "$WORK/$p.names" /increment \
        | grep '^WRK' >"$WORK/$out-$p" & pids+=($!)
    else
      wrk_row "$p" "$per" "$secs" >"$WORK/$out-$p" & pids+=($!)
    fi
  done
  wait "${pids[@]}"; }
# sum_rows <label> <out-prefix> <ports...>: one WRK line per node, then the sum of requests/s and the worst p50 and p99
sum_rows() {
  local label=$1 out=$2 p files=(); shift 2
  for p in "$@"; do echo "WRK_${label}_via_$p $(cat "$WORK/$out-$p")"; files+=("$WORK/$out-$p"); done
  awk -v label="$label" '{for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      rps += v["rps"]; req += v["requests"]; err += v["sockerr"] + v["non2xx"]; if (v["p99_ms"] > p99) p99 = v["p99_ms"]; if (v["p50_ms"] > p50) p50 = v["p50_ms"] }
     END { printf "WRK_%s_total rps=%.1f worst_p50_ms=%.3f worst_p99_ms=%.3f requests=%d errors=%d\n", label, rps, p50, p99, req, err }' "${files[@]}"; }
# row_set <label> <ports...>: spread and direct rows on the running nodes (owners read from /cluster just before)
row_set() {
  local label=$1; shift
  ports_file "$@"; node "$HELPER" owners "$(url "$1")" counter o "$OBJS" "$WORK" "$SHARDS"
  many_wrk 2 warm direct "$@"; many_wrk "$DUR" "$label-direct" direct "$@"; sum_rows "${label}_direct" "$label-direct" "$@"
  many_wrk 2 warm spread "$@"; many_wrk "$DUR" "$label-spread" spread "$@"; sum_rows "${label}_spread" "$label-spread" "$@"; }
# join <label> <new-port> <existing ports...>: start a node, time to balanced, the shard moves each node counted
join() {
  local label=$1 new=$2 t; shift 2
  moves "$@" >"$WORK/moves-before"
  t=$(now_ms); start_node "$new"
  echo "HANDOFF_$label $(settle "$1" $(($# + 1)) "$t")"
  wait_healthy "$new"
  sleep 2   # the nodes diff their shard lists every second (ClusterMetrics): let the last moves be counted
  moves "$@" "$new" >"$WORK/moves-after"
  awk 'NR == FNR { before[$1 " " $2] = $3; next } { d = $3 - before[$1 " " $2]; sub(/durable_cluster_shards_/, "", $2); sub(/_total/, "", $2)
       line = line " " $1 "_" $2 "=" d } END { print "MOVES_'"$label"'" line }' "$WORK/moves-before" "$WORK/moves-after"; }

load start

# --- one SQLite node, no cluster (reference) ---
mkdir -p "$WORK/sqlite"
dotnet "$DLL" --urls "$(url "$S")" "--Durable:Storage:Sqlite:Path=$WORK/sqlite/durable.db" >"$WORK/node-sqlite.log" 2>&1 &
PIDS[$S]=$!; LOGS[$S]="$WORK/node-sqlite.log"
wait_healthy "$S"; touch_objects "$S"
wrk_row "$S" "$CONNS" 2 >/dev/null
echo "WRK_sqlite_1node $(wrk_row "$S" "$CONNS" "$DUR")"
stop_node "$S" TERM
load "after sqlite_1node"

# --- one cluster node on PostgreSQL ---
start_node "$A"; wait_healthy "$A"; touch_objects "$A"
wrk_row "$A" "$CONNS" 2 >/dev/null
echo "WRK_pg_1node $(wrk_row "$A" "$CONNS" "$DUR")"
load "after pg_1node"

# --- two nodes ---
join 1to2 "$B" "$A"
for p in $A $B; do touch_objects "$p"; done
row_set pg_2nodes "$A" "$B"
load "after 2 nodes"

# --- three nodes: spread cold, direct, spread warm ---
join 2to3 "$C" "$A" "$B"
touch_objects "$C"
ports_file "$A" "$B" "$C"
many_wrk "$DUR" cold spread "$A" "$B" "$C"; sum_rows pg_3nodes_spread_cold cold "$A" "$B" "$C"
row_set pg_3nodes "$A" "$B" "$C"
load "after 3 nodes"

# --- handoff with running objects: C leaves gracefully, objects run on A and B, C joins again ---
stop_node "$C" TERM; settle "$A" 2 >/dev/null
touch_objects "$A"
join 2to3_busy "$C" "$A" "$B"
load "after handoff"

# --- failover of C's shards, observed through A ---
for run in $(seq 1 "$RUNS"); do
  settle "$A" 3 >/dev/null
  node "$HELPER" failover "$run" "$(url "$A")" "$(url "$C")" "${PIDS[$C]}" "$SHARDS" | tee -a "$WORK/failover"
  wait "${PIDS[$C]}" 2>/dev/null || true; unset "PIDS[$C]"
  settle "$A" 2 >/dev/null
  start_node "$C"; wait_healthy "$C"
done
awk '/^FAILOVER/ { split($3, kv, "="); print kv[2] }' "$WORK/failover" | sort -n \
  | awk '{ v[NR] = $1 } END { printf "FAILOVER_summary runs=%d median_ms=%d min_ms=%d max_ms=%d promise_ms=10000\n", NR, v[int((NR + 1) / 2)], v[1], v[NR] }'
load end
for port in "${!PIDS[@]}"; do stop_node "$port" TERM; done   # graceful at the end; cleanup kills what is left on failure
