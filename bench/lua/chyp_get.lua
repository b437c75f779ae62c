-- GET /hypervisors/{id} over random loaded ids. Args: IDS_FILE
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")

function init(args)
  seed()
  load_ids(args[1])
end

function request()
  return wrk.format("GET", "/hypervisors/" .. random_id())
end
