-- wrk script: every request goes to an object never used before (activations/s under load).
--   wrk ... -s bench/edge/new-names.lua URL -- <METHOD> <PREFIX> [SUFFIX] [TAG]
-- The path is <PREFIX><TAG>-<thread>-<sequence><SUFFIX>, so runs with different TAGs never reuse an object:
-- "/ns/counter/name/" with "/increment" for this node, "/incr/" with "" for the workerd anchor.
local method, prefix, suffix, tag, seq = "GET", "/ns/echo/name/", "/", "new", 0
local thread_id = 0
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

function init(args)
  method = args[1] or method
  prefix = args[2] or prefix
  suffix = args[3] or suffix
  tag = args[4] or tag
end

function request()
  seq = seq + 1
  return wrk.format(method, prefix .. tag .. "-" .. thread_id .. "-" .. seq .. suffix)
end

dofile((debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "") .. "report.lua")   -- done(): the WRK line
