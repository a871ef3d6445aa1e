#!/usr/bin/env bash
# RSS of a fresh Release node idle, right after a burst of new counters, and after 15 s idle, for node variants given
# as "label|environment|arguments" (environment: space-separated NAME=value, for runtime settings the runtimeconfig
# also takes as DOTNET_ variables). Variants alternate within each round so load affects all of them.
# Usage: bash bench/edge/burst-idle.sh <Durable.Web.dll> <rounds> "<label>|<env>|<args>" ...   (env: MEMOBJS=10000 CONNS=50)
set -euo pipefail
cd "$(dirname "$0")/../.."
DLL=$1 ROUNDS=$2; shift 2
MEMOBJS=${MEMOBJS:-10000} CONNS=${CONNS:-50} BASE=http://127.0.0.1:${PORT:-8787}
DATA=$(mktemp -d /tmp/burst-idle.XXXX)
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
for round in $(seq "$ROUNDS"); do
  for variant in "$@"; do
    IFS='|' read -r label vars args <<<"$variant"
    rm -f "$DATA"/durable.db*
    # shellcheck disable=SC2086
    env $vars dotnet "$DLL" --urls "$BASE" "--Durable:Storage:Sqlite:Path=$DATA/durable.db" $args >"$DATA/node.log" 2>&1 & PID=$!
    until curl -fs "$BASE/healthz" >/dev/null; do sleep 0.05; done
    idle=$(rss_kb); load=$(cut -d' ' -f1 /proc/loadavg)
    node bench/edge/touch.mjs POST counter m /increment "$MEMOBJS" "$CONNS" "$BASE" >/dev/null
    after=$(rss_kb); sleep 15
    printf '%-28s load=%s rss_idle_kb=%s rss_after_%sobj_kb=%s rss_after_idle15s_kb=%s\n' "$label" "$load" "$idle" "$MEMOBJS" "$after" "$(rss_kb)"
    kill -TERM "$PID"; wait "$PID" || true
  done
done
rm -rf "$DATA"
