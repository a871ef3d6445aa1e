#!/usr/bin/env bash
# Loopback load against a Release node on 127.0.0.1:8787, the same loads as ../../shared/anchors/workerd/bench.sh.
# Needs wrk (apt-get install -y wrk) and node. Usage: bash bench/edge/run.sh
# (env: DUR=10 CONNS=50 OBJS=1000 MEMOBJS=10000 PORT=8787;
#  DLL=<a Durable.Web.dll built elsewhere>, e.g. a copy of an earlier build for an A/B in one session)
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${DUR:-10} CONNS=${CONNS:-50} OBJS=${OBJS:-1000} MEMOBJS=${MEMOBJS:-10000}
DLL=${DLL:-src/Durable.Web/bin/Release/net10.0/Durable.Web.dll}
export PORT=${PORT:-8787}
BASE=http://127.0.0.1:$PORT
DATA=$(mktemp -d /tmp/durable-bench.XXXX)
[ -f "$DLL" ] || dotnet build -c Release src/Durable.Web >/dev/null
NODE_ARGS=("$DLL" --urls "$BASE" "--Durable:Storage:Sqlite:Path=$DATA/durable.db")

start_node() { dotnet "${NODE_ARGS[@]}" >"$DATA/node.log" 2>&1 & PID=$!
  until curl -fs "$BASE/healthz" >/dev/null; do sleep 0.05; done; }
stop_node() { kill -TERM "$PID"; wait "$PID" || true; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
row() { # name method ns nobjects suffix
  wrk -t1 -c"$CONNS" -d2s -s bench/edge/names.lua "$BASE" -- "$2" "$3" "$4" "$5" >/dev/null 2>&1   # warm-up
  printf '%-22s ' "$1"; wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -s bench/edge/names.lua "$BASE" -- "$2" "$3" "$4" "$5" | grep '^WRK'; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
start_node
row echo_1obj            GET  echo    1       /
node bench/edge/touch.mjs GET echo o / "$OBJS" "$CONNS" "$BASE" >/dev/null
row "echo_${OBJS}obj"    GET  echo    "$OBJS" /
row incr_1obj            POST counter 1       /increment
node bench/edge/touch.mjs POST counter o /increment "$OBJS" "$CONNS" "$BASE" >/dev/null
row "incr_${OBJS}obj"    POST counter "$OBJS" /increment
printf '%-22s ' activate_new_echo; wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -s bench/edge/new-names.lua "$BASE" -- GET /ns/echo/name/ / "n$RANDOM" | grep '^WRK'
printf '%-22s ' activate_new_incr; wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -s bench/edge/new-names.lua "$BASE" -- POST /ns/counter/name/ /increment "n$RANDOM" | grep '^WRK'
stop_node

rm -rf "$DATA"/durable.db*; start_node
echo "rss_idle_kb            $(rss_kb)"
printf '%-22s ' "create_${MEMOBJS}obj"; node bench/edge/touch.mjs POST counter m /increment "$MEMOBJS" "$CONNS" "$BASE"
echo "rss_after_${MEMOBJS}obj_kb $(rss_kb)"
sleep 15   # as the anchor's rss_after_10000obj_idle15s
echo "rss_after_${MEMOBJS}obj_idle15s_kb $(rss_kb)"
stop_node

printf '%-22s ' coldstart; node bench/edge/coldstart.mjs 5 "$DATA/cold" -- dotnet "$DLL" --urls "$BASE" "--Durable:Storage:Sqlite:Path=$DATA/cold/durable.db"
# COLD_PUBLISHED=<dir>: also the cold start of a published node there (e.g. self-contained ReadyToRun composite, README)
if [[ -n "${COLD_PUBLISHED:-}" ]]; then
  printf '%-22s ' coldstart_published; node bench/edge/coldstart.mjs 5 "$DATA/cold" -- "$COLD_PUBLISHED/Durable.Web" --urls "$BASE" "--Durable:Storage:Sqlite:Path=$DATA/cold/durable.db"
fi
# The floor: the smallest ASP.NET Core app with the node's runtime settings (bench/AspNetFloor), same probe
FLOOR=bench/AspNetFloor/bin/Release/net10.0/AspNetFloor.dll
[ -f "$FLOOR" ] || dotnet build -c Release bench/AspNetFloor >/dev/null
printf '%-22s ' coldstart_aspnet_floor; node bench/edge/coldstart.mjs 5 "$DATA/cold" -- dotnet "$FLOOR" --urls "$BASE"
dotnet "$FLOOR" --urls "$BASE" >/dev/null 2>&1 & PID=$!
until curl -fs "$BASE/ns/echo/name/a/" >/dev/null; do sleep 0.05; done
echo "rss_idle_aspnet_floor_kb $(rss_kb)"
stop_node
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$DATA"
