#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine: installs and starts what the tests need, builds, runs
# `dotnet test`, and ends with one line "N passed, M failed". Exit code: non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Prerequisites of individual test suites register here as they are added (PostgreSQL, Node, Chromium).
for prepare in scripts/prepare-*.sh; do
  [ -e "$prepare" ] || continue
  echo "== $prepare"
  # shellcheck disable=SC1090
  source "$prepare" || { echo "$prepare failed"; echo "0 passed, 1 failed"; exit 1; }
done

# Build in parallel, then run the test projects one at a time: several of them share the PostgreSQL server, and the
# crash tests restart it, which xunit's collections can only keep apart inside one test assembly.
dotnet build DurableAkka.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 0 ]; then
  dotnet test DurableAkka.sln -c Release --no-build -m:1 --blame-hang-timeout 5m 2>&1 | tee -a "$log"
  status=${PIPESTATUS[0]}
fi

# Sum the per-assembly summaries: "Passed!  - Failed:     0, Passed:    75, Skipped: ..."
read -r passed failed < <(grep -E '^(Passed|Failed)!' "$log" | awk -F'[:,]' \
  '{ for (i = 1; i < NF; i++) { if ($i ~ /Failed$/) f += $(i+1); if ($i ~ /Passed$/) p += $(i+1) } } END { print p+0, f+0 }')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the build or a test host failed without a summary line
fi
echo "$passed passed, $failed failed"
exit "$status"
