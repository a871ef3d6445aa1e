#!/usr/bin/env bash
# Sourced by scripts/test.sh (or run alone): installs what the JavaScript and browser tests need on a fresh machine —
# Node.js and npm, Debian's Chromium, the npm packages of tests/js (phoenix, playwright-core, ws) and of the node's
# chat page (src/Durable.Web/client: phoenix). Idempotent; quiet when everything is there.
_durable_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

_durable_need_apt=()
command -v node >/dev/null 2>&1 || _durable_need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || _durable_need_apt+=(npm)
[ -x /usr/bin/chromium ] || _durable_need_apt+=(chromium)
if [ ${#_durable_need_apt[@]} -gt 0 ]; then
  echo "prepare-browser: installing ${_durable_need_apt[*]}"
  _durable_sudo=""
  [ "$(id -u)" -ne 0 ] && _durable_sudo="sudo"
  $_durable_sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $_durable_sudo apt-get install -y -qq "${_durable_need_apt[@]}" >/dev/null || return 1
fi

for _durable_dir in tests/js src/Durable.Web/client; do
  if [ ! -d "$_durable_root/$_durable_dir/node_modules" ] || [ "$_durable_root/$_durable_dir/package.json" -nt "$_durable_root/$_durable_dir/node_modules" ]; then
    echo "prepare-browser: npm install in $_durable_dir"
    (cd "$_durable_root/$_durable_dir" && timeout 300 npm install --no-audit --no-fund --loglevel=error) || return 1
    touch "$_durable_root/$_durable_dir/node_modules"
  fi
done
unset _durable_root _durable_need_apt _durable_sudo _durable_dir
return 0 2>/dev/null || exit 0
