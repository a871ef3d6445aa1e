-- done() for the wrk scripts here and in bench/cluster: one line starting with "WRK " (the workerd anchor's fields).
-- Loaded with dofile from the script's own directory, so wrk may run from any working directory.
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "WRK rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d sockerr=%d non2xx=%d\n",
    summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
