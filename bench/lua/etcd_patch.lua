-- The reference for PATCH /hypervisors/{id}/config: one txn that compares the hypervisor's
-- metadata key (it exists: create_revision > 0) and puts config/key0. Args: IDS_FILE
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local headers = { ["Content-Type"] = "application/json" }

function init(args)
  seed()
  load_ids(args[1])
end

function request()
  local p = "lochness/hypervisors/" .. random_id() .. "/"
  local body = '{"compare":[{"key":"' .. base64(p .. "metadata")
    .. '","target":"CREATE","result":"GREATER","create_revision":"0"}],'
    .. '"success":[{"request_put":{"key":"' .. base64(p .. "config/key0")
    .. '","value":"' .. base64("v" .. math.random(1000000)) .. '"}}]}'
  return wrk.format("POST", "/v3/kv/txn", headers, body)
end
