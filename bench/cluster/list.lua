-- wrk script: spread requests over the objects named in a file (one name a line), e.g. those one node owns.
--   wrk ... -s bench/cluster/list.lua URL -- <METHOD> <NAMESPACE> <FILE> [SUFFIX]
-- done() (bench/edge/report.lua) prints the same "WRK ..." line as bench/edge/names.lua.
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

dofile((debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "") .. "../edge/report.lua")   -- done(): the WRK line
