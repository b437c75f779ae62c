-- The reference for POST /hypervisors: one txn that puts a new hypervisor's record if its
-- metadata key is absent (create_revision == 0), with a fresh random id.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local headers = { ["Content-Type"] = "application/json" }

function init(args)
  seed()
end

function request()
  local id = random_uuid()
  local key = "lochness/hypervisors/" .. id .. "/metadata"
  local record = '{"id":"' .. id .. '",' .. RECORD_FIELDS .. '}'
  local body = '{"compare":[{"key":"' .. base64(key)
    .. '","target":"CREATE","result":"EQUAL","create_revision":"0"}],'
    .. '"success":[{"request_put":{"key":"' .. base64(key) .. '","value":"' .. base64(record) .. '"}}]}'
  return wrk.format("POST", "/v3/kv/txn", headers, body)
end
