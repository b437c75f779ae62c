-- POST /hypervisors: a new hypervisor each time (the service makes the id).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local req
function init(args)
  req = wrk.format("POST", "/hypervisors", { ["Content-Type"] = "application/json" }, "{" .. RECORD_FIELDS .. "}")
end

function request()
  return req
end
