-- wrk script: spread requests over the objects named in a file (one name a line), e.g. those one node owns.
--   wrk ... -s bench/cluster/list.lua URL -- <METHOD> <NAMESPACE> <FILE> [SUFFIX]
-- done() prints the same "WRK ..." line as bench/edge/names.lua.
local method, ns, suffix
local names = {}

function init(args)
  method = args[1] or "GET"
  ns = args[2] or "echo"
  for line in io.lines(args[3]) do if #line > 0 then names[#names + 1] = line end end
  suffix = args[4] or "/"
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end

function request()
  return wrk.format(method, "/ns/" .. ns .. "/name/" .. names[math.random(1, #names)] .. suffix)
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
