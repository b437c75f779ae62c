-- The reference for GET /hypervisors: one range read of the whole lochness/hypervisors/ prefix.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local req
function init(args)
  req = wrk.format("POST", "/v3/kv/range", { ["Content-Type"] = "application/json" },
    '{"key":"' .. base64("lochness/hypervisors/") .. '","range_end":"' .. base64("lochness/hypervisors0") .. '"}')
end

function request()
  return req
end
