-- wrk script: spread requests over N objects of one namespace.
--   wrk ... -s bench/edge/names.lua URL -- <METHOD> <NAMESPACE> <N> [SUFFIX]
--   N = 1 -> always /ns/<NAMESPACE>/name/a<SUFFIX>; N > 1 -> /ns/<NAMESPACE>/name/o<random 1..N><SUFFIX>
-- done() prints one line starting with "WRK " (same fields as the workerd anchor's script).
local method, ns, n, suffix

function init(args)
  method = args[1] or "GET"
  ns = args[2] or "echo"
  n = tonumber(args[3] or "1")
  suffix = args[4] or "/"
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  local name
  if n <= 1 then name = "a" else name = "o" .. math.random(1, n) end
  return wrk.format(method, "/ns/" .. ns .. "/name/" .. name .. suffix)
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "WRK rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d sockerr=%d non2xx=%d\n",
    summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end
