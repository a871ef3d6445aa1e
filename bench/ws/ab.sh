#!/usr/bin/env bash
# Idle socket memory and echo throughput of two node builds, alternated (A, B, A, B ...) so both see the same load.
# Usage: bash bench/ws/ab.sh <A Durable.Web.dll> <B Durable.Web.dll> [rounds=2]   (env: SOCKETS=10000 WAIT=9 PORT=8801
#   NODE_ARGS="--Durable:WebSockets:SendBufferMessages=64": more arguments for both nodes; SOCKETS=0: echo runs only, no hold)
# Each run gets a fresh node (own SQLite file, objects idle after 5 s). Prints one line per run, tagged A or B.
set -euo pipefail
cd "$(dirname "$0")"
A=$1 B=$2 ROUNDS=${3:-2} SOCKETS=${SOCKETS:-10000} WAIT=${WAIT:-9} PORT=${PORT:-8801}
BASE=127.0.0.1:$PORT
DATA=$(mktemp -d /tmp/ws-ab.XXXX)
start_node() { rm -f "$DATA"/db*; dotnet "$1" --urls "http://$BASE" --Durable:Objects:IdleTimeout=5s "--Durable:Storage:Sqlite:Path=$DATA/db" ${NODE_ARGS:-} >"$DATA/node.log" 2>&1 & PID=$!
  until curl -fs "http://$BASE/healthz" >/dev/null; do sleep 0.05; done; }
stop_node() { kill -TERM "$PID"; wait "$PID" || true; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
for round in $(seq "$ROUNDS"); do
  for side in A B; do
    dll=${!side}
    if [ "$SOCKETS" -gt 0 ]; then
      start_node "$dll"; echo "$side hold  load=$(load) $(node hold.mjs "$PID" "$SOCKETS" 100 "$WAIT" "ws://$BASE")"; stop_node
    fi
    start_node "$dll"; echo "$side echo1 load=$(load) $(node ws-bench.mjs 50 1 10 "ws://$BASE/ns/echo/name/w{i}/websocket")"
    echo "$side echo50 load=$(load) $(node ws-bench.mjs 50 50 10 "ws://$BASE/ns/echo/name/w{i}/websocket")"; stop_node
  done
done
rm -rf "$DATA"
