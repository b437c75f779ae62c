-- GET /hypervisors: the whole list. (wrk.path would be overridden by the URL's path, so the
-- request is formatted here.) Args: IDS_FILE [EXPECTED]: with EXPECTED, every 200 answer's
-- records are counted (occurrences of {"id":" in the body) and done() reports how many answers
-- were checked and how many did not hold exactly EXPECTED records.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

local req
expected = nil
checked = 0
wrong = 0
last_count = -1

function init(args)
  req = wrk.format("GET", "/hypervisors")
  expected = tonumber(args[2])
end

function request()
  return req
end

-- Only defined when there is something to check: wrk then buffers each body for the callback.
function response(status, headers, body)
  if expected == nil or status ~= 200 then return end
  local n, pos = 0, 1
  local find = string.find
  while true do
    local s = find(body, '{"id":"', pos, true)
    if not s then break end
    n = n + 1
    pos = s + 7
  end
  checked = checked + 1
  last_count = n
  if n ~= expected then wrong = wrong + 1 end
end
