#!/usr/bin/env bash
# Cluster benchmarks (issue 7): Release nodes on loopback sharing one PostgreSQL schema (fresh per run, dropped on exit).
#   1. POST /ns/counter/name/o{1..OBJS}/increment, CONNS connections, 2 s warm-up + DUR s: (c) one SQLite node
#      (reference, no cluster), (a) one cluster node on PostgreSQL, (b) three nodes, one wrk per node (CONNS/3 each),
#      ~2/3 of requests forwarded to the owner: first "cold", just after the two new nodes joined (their JIT and every
#      node's forwarding connections are still warming up), then (d) the same nodes with each client sending only to
#      objects its node owns (no forwarding), then (b) again on the now warm nodes.
#   2. Failover: SIGKILL the owner C of a counter, time to the first 200 for it through A (polled every 20 ms), RUNS times.
#   3. Handoff: 2 nodes settled, start a third; time to balanced with no handoff left, and HandoffFinished durations.
#   4. PostgreSQL commits/s and connections during (a), (b), (d) and 4 s idle.
# Needs wrk (apt-get install -y wrk), node, curl, psql; starts PostgreSQL with scripts/postgres.sh.
# Usage: bash bench/cluster/run.sh   (env: DUR=10 CONNS=50 OBJS=1000 RUNS=3 PORT=18741 PGDB=durable_cbench)
# Every result is one line starting with an upper-case key (WRK_*, FAILOVER, HANDOFF, PG_*, LOAD).
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${DUR:-10} CONNS=${CONNS:-50} OBJS=${OBJS:-1000} RUNS=${RUNS:-3} PORT=${PORT:-18741} PGDB=${PGDB:-durable_cbench}
DLL=src/Durable.Web/bin/Release/net10.0/Durable.Web.dll
HELPER=bench/cluster/cluster.mjs
SCHEMA="cbench_$(date +%s)_$$"
WORK=$(mktemp -d /tmp/durable-cbench.XXXX)
declare -A PIDS=()   # port -> pid of the node process started by this script
declare -A LOGS=()   # port -> log file of its newest node

load() { echo "LOAD $1 $(cut -d' ' -f1-3 /proc/loadavg)"; }
say() { echo "# $*" >&2; }

cleanup() {
  local rc=$?
  for port in "${!PIDS[@]}"; do kill -KILL "${PIDS[$port]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n "${PGHOST:-}" ]]; then psql -d "$PGDB" -qc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" 2>/dev/null || true; fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v wrk >/dev/null || apt-get install -y wrk >&2
eval "$(scripts/postgres.sh start)"   # exports DURABLE_TEST_PG; we take host, port and user from the script's defaults
export PGHOST=127.0.0.1 PGPORT=${DURABLE_PG_PORT:-54329} PGUSER=postgres PGDATABASE=$PGDB PGOPTIONS="-c search_path=$SCHEMA"
psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PGDB'" | grep -q 1 || psql -d postgres -qc "CREATE DATABASE $PGDB"
psql -qc "CREATE SCHEMA $SCHEMA"
CS="Host=$PGHOST;Port=$PGPORT;Username=postgres;Database=$PGDB;Pooling=true;Maximum Pool Size=50;Timeout=15;Search Path=$SCHEMA"

say "building src/Durable.Web (Release)"
dotnet build -c Release src/Durable.Web >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
for p in $PORT $((PORT + 1)) $((PORT + 2)) $((PORT + 3)); do
  if curl -s -o /dev/null "http://127.0.0.1:$p/"; then echo "port $p is in use; set PORT=" >&2; exit 1; fi
done

url() { echo "http://127.0.0.1:$1"; }
# start_node <port> [extra args...]: a cluster node on PostgreSQL, stdout and stderr to $WORK/node-<port>-<n>.log
start_node() {
  local port=$1; shift
  local log="$WORK/node-$port-$(date +%s%N).log"
  dotnet "$DLL" --urls "$(url "$port")" --Durable:Storage:Provider=postgres "--Durable:Storage:Postgres:ConnectionString=$CS" \
    --Durable:Cluster:Enabled=true --Logging:LogLevel:Durable.Cluster.Internal.ClusterNode=Debug "$@" >"$log" 2>&1 &
  PIDS[$port]=$!
  LOGS[$port]=$log
}
wait_healthy() { local i; for i in $(seq 1 600); do curl -fs "$(url "$1")/healthz" >/dev/null && return; sleep 0.05; done
  echo "node on port $1 not healthy after 30 s; log: $(tail -5 "${LOGS[$1]:-/dev/null}")" >&2; exit 1; }
kill_node() { kill "-$2" "${PIDS[$1]}" 2>/dev/null || true; wait "${PIDS[$1]}" 2>/dev/null || true; unset "PIDS[$1]"; }
settle() { node "$HELPER" wait "$(url "$1")" "$2" 60 ${3:+"$3"}; }   # settle <port> <nodes> [start-epoch-ms]
touch_objects() { node bench/edge/touch.mjs POST counter o /increment "$OBJS" "$CONNS" "$(url "$1")" >/dev/null; }
wrk_row() { # wrk_row <port> <connections> <duration-s>: one wrk, the WRK line of names.lua
  wrk -t1 -c"$2" -d"${3}s" --latency -s bench/edge/names.lua "$(url "$1")" -- POST counter "$OBJS" /increment | grep '^WRK'; }
commits() { psql -tAc "SELECT xact_commit FROM pg_stat_database WHERE datname = '$PGDB'"; }
conns() { psql -tAc "SELECT count(*) FILTER (WHERE datname = '$PGDB'), count(*) FILTER (WHERE datname = '$PGDB' AND state = 'active'), count(*), current_setting('max_connections') FROM pg_stat_activity" | tr '|' ' '; }
now_ms() { date +%s%3N; }

# pg_row <label> <duration-s> <command...>: runs the command; prints the database's commits/s over the command's run
# time (read again 1 s after it ends, as busy backends report their counters about once a second, so the count also
# holds ~1 s of background commits) and the connections seen half-way through (to $PGDB: all / active; whole server).
pg_row() {
  local label=$1 secs=$2; shift 2
  local c0 t0 c1 t1 mid mine active total max
  c0=$(commits); t0=$(now_ms)
  ( sleep "$((secs / 2))"; conns >"$WORK/conns" ) & mid=$!
  "$@"
  t1=$(now_ms)
  wait "$mid"
  sleep 1
  c1=$(commits)
  read -r mine active total max <"$WORK/conns"
  echo "PG_$label commits_per_s=$(( (c1 - c0) * 1000 / (t1 - t0) )) commits=$((c1 - c0)) run_ms=$((t1 - t0)) conns_db=$mine conns_active=$active conns_server=$total max_connections=$max"
}

A=$PORT B=$((PORT + 1)) C=$((PORT + 2)) S=$((PORT + 3))
load start

# --- 1c: one SQLite node, no cluster (reference) ---
mkdir -p "$WORK/sqlite"
dotnet "$DLL" --urls "$(url "$S")" "--Durable:Storage:Sqlite:Path=$WORK/sqlite/durable.db" >"$WORK/node-sqlite.log" 2>&1 &
PIDS[$S]=$!
wait_healthy "$S"; touch_objects "$S"
wrk_row "$S" "$CONNS" 2 >/dev/null
echo "WRK_sqlite_1node $(wrk_row "$S" "$CONNS" "$DUR")"
kill_node "$S" TERM
load "after 1c"

# --- 1a: one cluster node on PostgreSQL ---
start_node "$A"; wait_healthy "$A"; settle "$A" 1 >/dev/null; touch_objects "$A"
wrk_row "$A" "$CONNS" 2 >/dev/null
one_wrk() { echo "WRK_pg_1node $(wrk_row "$A" "$CONNS" "$DUR")"; }
pg_row 1node "$DUR" one_wrk
load "after 1a"

# --- 1b: three nodes, load spread over all three ---
t=$(now_ms); start_node "$B"; start_node "$C"; wait_healthy "$B"; wait_healthy "$C"
echo "HANDOFF_1to3 $(settle "$A" 3 "$t")"
for p in $A $B $C; do touch_objects "$p"; done
PER=$(( (CONNS + 2) / 3 ))
# three_wrk <duration-s> <out-prefix> [direct]: one wrk per node at once, each WRK line to $WORK/<out-prefix>-<port>;
# with "direct", each wrk asks only for the objects its node owns ($WORK/<port>.names), so nothing is forwarded.
three_wrk() {
  local p pids=()
  for p in $A $B $C; do
    if [[ ${3:-} == direct ]]; then
      wrk -t1 -c"$PER" -d"${1}s" --latency -s bench/cluster/list.lua "$(url "$p")" -- POST counter "$WORK/$p.names" /increment \
        | grep '^WRK' >"$WORK/$2-$p" & pids+=($!)
    else
      wrk_row "$p" "$PER" "$1" >"$WORK/$2-$p" & pids+=($!)
    fi
  done
  wait "${pids[@]}"; }
# sum_rows <label> <out-prefix>: one WRK line per node, then the sum of requests/s and the worst p50 and p99
sum_rows() {
  local p; for p in $A $B $C; do echo "WRK_$1_via_$p $(cat "$WORK/$2-$p")"; done
  awk -v label="$1" '{for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      rps += v["rps"]; req += v["requests"]; err += v["sockerr"] + v["non2xx"]; if (v["p99_ms"] > p99) p99 = v["p99_ms"]; if (v["p50_ms"] > p50) p50 = v["p50_ms"] }
     END { printf "WRK_%s_total rps=%.1f worst_p50_ms=%.3f worst_p99_ms=%.3f requests=%d errors=%d\n", label, rps, p50, p99, req, err }' \
    "$WORK/$2-$A" "$WORK/$2-$B" "$WORK/$2-$C"; }
three_wrk 2 warm
pg_row 3nodes_cold "$DUR" three_wrk "$DUR" cold
sum_rows pg_3nodes_cold cold
# 1d: the same three nodes, each client sending only to objects its node owns (what forwarding costs, against 1b)
node "$HELPER" owners "$(url "$A")" counter o "$OBJS" "$WORK"
three_wrk 2 warm direct
pg_row 3nodes_direct "$DUR" three_wrk "$DUR" direct-run direct
sum_rows pg_3nodes_direct direct-run
# 1b again on warm nodes: the fair comparison with 1d (the cold row mostly measures JIT tier-up after the join)
pg_row 3nodes "$DUR" three_wrk "$DUR" run
sum_rows pg_3nodes run
sleep 3
pg_row 3nodes_idle 4 sleep 4
load "after 1b"

# --- 2: failover of C's objects, observed through A ---
for run in $(seq 1 "$RUNS"); do
  settle "$A" 3 >/dev/null
  node "$HELPER" failover "$run" "$(url "$A")" "$(url "$C")" "${PIDS[$C]}" | tee -a "$WORK/failover"
  wait "${PIDS[$C]}" 2>/dev/null || true; unset "PIDS[$C]"
  settle "$A" 2 >/dev/null
  start_node "$C"; wait_healthy "$C"
done
awk '/^FAILOVER/ { split($3, kv, "="); print kv[2] }' "$WORK/failover" | sort -n \
  | awk '{ v[NR] = $1 } END { printf "FAILOVER_summary runs=%d median_ms=%d min_ms=%d max_ms=%d promise_ms=11000\n", NR, v[int((NR + 1) / 2)], v[1], v[NR] }'
load "after 2"

# --- 3: handoff to a third node joining two settled ones ---
settle "$A" 3 >/dev/null
kill_node "$C" TERM                                  # graceful leave: its leases are released at once
settle "$A" 2 >/dev/null
touch_objects "$A"                                   # objects active on A and B, so handoffs drain real activations
lines_a=$(wc -l <"${LOGS[$A]}") lines_b=$(wc -l <"${LOGS[$B]}")
t=$(now_ms); start_node "$C"
echo "HANDOFF_2to3 $(settle "$A" 3 "$t")"
sleep 1
{ tail -n +"$((lines_a + 1))" "${LOGS[$A]}"; tail -n +"$((lines_b + 1))" "${LOGS[$B]}"; } \
  | grep -o 'handed off to [^ ]* (transferred [A-Za-z]*, [0-9]* objects reset) in [0-9.]* ms' >"$WORK/handoffs" || true
# "handed off to <id> (transferred True, <n> objects reset) in <ms> ms", sorted by ms
sort -t' ' -k11,11g "$WORK/handoffs" | awk '{ ms[NR] = $11; if ($6 != "True,") failed++; reset += $7 } END { n = NR
       printf "HANDOFF_shards count=%d median_ms=%.1f p90_ms=%.1f max_ms=%.1f not_transferred=%d objects_reset=%d\n",
         n, n ? ms[int((n + 1) / 2)] : 0, n ? ms[int(n * 0.9 + 0.5)] : 0, n ? ms[n] : 0, failed, reset }'
load end
