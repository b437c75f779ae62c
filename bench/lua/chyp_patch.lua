-- PATCH /hypervisors/{id}/config of one key (key0) over random loaded ids. Args: IDS_FILE
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local headers = { ["Content-Type"] = "application/json" }

function init(args)
  seed()
  load_ids(args[1])
end

function request()
  local body = '{"key0":"v' .. math.random(1000000) .. '"}'
  return wrk.format("PATCH", "/hypervisors/" .. random_id() .. "/config", headers, body)
end
