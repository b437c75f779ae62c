-- The reference for GET /hypervisors/{id}: one range read of the hypervisor's prefix
-- (lochness/hypervisors/{id}/ up to lochness/hypervisors/{id}0) on etcd's JSON gateway.
-- Args: IDS_FILE
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local headers = { ["Content-Type"] = "application/json" }

function init(args)
  seed()
  load_ids(args[1])
end

function request()
  local p = "lochness/hypervisors/" .. random_id()
  local body = '{"key":"' .. base64(p .. "/") .. '","range_end":"' .. base64(p .. "0") .. '"}'
  return wrk.format("POST", "/v3/kv/range", headers, body)
end
