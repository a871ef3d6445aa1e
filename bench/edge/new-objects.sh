#!/usr/bin/env bash
# New objects activated per second, the same wrk load against this node and against the workerd anchor: every request
# names an object never used before. Each row runs on a fresh process and data directory after a 2 s warm-up on one
# object, and the two servers alternate, so the ratio compares like with like (run.sh's activate_new_* rows run on a
# node that earlier rows have filled, and the anchor's own activate_new_obj row uses touch.mjs, a Node.js client).
# Usage: bash bench/edge/new-objects.sh <workerd-dir> [pairs]
#   <workerd-dir>: a copy of ../shared/anchors/workerd with `npm install` done. Env: DUR=10 CONNS=50
set -euo pipefail
cd "$(dirname "$0")/../.."
WD=$(readlink -f "${1:?usage: new-objects.sh <workerd-dir> [pairs]}"); PAIRS=${2:-2}
DUR=${DUR:-10} CONNS=${CONNS:-50}
DLL=src/Durable.Web/bin/Release/net10.0/Durable.Web.dll
BASE=http://127.0.0.1:8787
[ -f "$DLL" ] || dotnet build -c Release src/Durable.Web >/dev/null
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null || true' EXIT

wait_ready() { for _ in $(seq 400); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE$1" || true)" = 200 ] && return 0; sleep 0.05; done
  echo "server did not come up" >&2; return 1; }
start() { # ours|workerd data-dir
  if [ "$1" = ours ]; then
    dotnet "$DLL" --urls "$BASE" "--Durable:Storage:Sqlite:Path=$2/durable.db" >"$2/server.log" 2>&1 & PID=$!
    wait_ready /healthz
  else
    (cd "$WD" && exec node_modules/.bin/workerd serve config.capnp --experimental --directory-path "do-storage=$2") >"$2/server.log" 2>&1 & PID=$!
    wait_ready /ping/ready
  fi; }
stop() { kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }
row() { # server kind(echo|counter)
  local data method warm prefix suffix
  data=$(mktemp -d /tmp/durable-newobj.XXXX)
  if [ "$1" = ours ]; then
    [ "$2" = echo ] && { method=GET; prefix=/ns/echo/name/; suffix=/; } || { method=POST; prefix=/ns/counter/name/; suffix=/increment; }
  else
    [ "$2" = echo ] && { method=GET; prefix=/ping/; suffix=""; } || { method=POST; prefix=/incr/; suffix=""; }
  fi
  start "$1" "$data"
  wrk -t1 -c"$CONNS" -d2s -s bench/edge/new-names.lua "$BASE" -- "$method" "$prefix" "$suffix" warm >/dev/null 2>&1
  printf '%-8s new_%-8s ' "$1" "$2"
  wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -s bench/edge/new-names.lua "$BASE" -- "$method" "$prefix" "$suffix" "n$RANDOM" | grep '^WRK'
  stop; rm -rf "$data"; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$PAIRS"); do
  for kind in echo counter; do row ours "$kind"; row workerd "$kind"; done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
