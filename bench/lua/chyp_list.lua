-- GET /hypervisors: the whole list. (wrk.path would be overridden by the URL's path, so the
-- request is formatted here.)
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local req
function init(args)
  req = wrk.format("GET", "/hypervisors")
end

function request()
  return req
end
