-- wrk script: spread requests over N objects of one namespace.
--   wrk ... -s bench/edge/names.lua URL -- <METHOD> <NAMESPACE> <N> [SUFFIX]
--   N = 1 -> always /ns/<NAMESPACE>/name/a<SUFFIX>; N > 1 -> /ns/<NAMESPACE>/name/o<random 1..N><SUFFIX>
-- done() (report.lua) prints one line starting with "WRK " (same fields as the workerd anchor's script).
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

dofile((debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "") .. "report.lua")   -- done(): the WRK line
