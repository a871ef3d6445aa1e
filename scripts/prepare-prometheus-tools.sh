#!/usr/bin/env bash
# Sourced by scripts/test.sh (or run alone): installs the Prometheus tools the /metrics tests parse a node's scrape
# with — Debian's `prometheus` package for `promtool check metrics`, and `python3-prometheus-client` for
# /usr/bin/python3's prometheus_client.parser. Idempotent; runs `apt-get update` only when an install needs it.
_durable_need_apt=()
command -v promtool >/dev/null 2>&1 || _durable_need_apt+=(prometheus)
/usr/bin/python3 -c 'import prometheus_client.parser' >/dev/null 2>&1 || _durable_need_apt+=(python3-prometheus-client)
if [ ${#_durable_need_apt[@]} -gt 0 ]; then
  echo "prepare-prometheus-tools: installing ${_durable_need_apt[*]}"
  _durable_sudo=""
  [ "$(id -u)" -ne 0 ] && _durable_sudo="sudo"
  # Only the tools are wanted: the package's server must not start. Without a policy-rc.d (a machine other than
  # a container image) one that refuses every service start is put in place for the install and removed after it.
  _durable_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    _durable_policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $_durable_sudo tee "$_durable_policy" >/dev/null && $_durable_sudo chmod +x "$_durable_policy"
  fi
  _durable_install() {
    DEBIAN_FRONTEND=noninteractive $_durable_sudo apt-get install -y -qq --no-install-recommends "${_durable_need_apt[@]}" >/dev/null
  }
  _durable_install || { $_durable_sudo apt-get update -qq && _durable_install; }
  _durable_status=$?
  [ -n "$_durable_policy" ] && $_durable_sudo rm -f "$_durable_policy"
  # A service manager that ignored the policy (systemd) may have started the server: the tests need only its tools.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    $_durable_sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
  unset -f _durable_install
  [ "$_durable_status" -eq 0 ] || { unset _durable_need_apt _durable_sudo _durable_policy _durable_status; return 1 2>/dev/null || exit 1; }
fi
unset _durable_need_apt _durable_sudo _durable_policy _durable_status
return 0 2>/dev/null || exit 0
