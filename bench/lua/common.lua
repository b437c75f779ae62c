-- Shared by the benchmark's wrk scripts (loaded with dofile from each of them, in every wrk
-- thread's Lua state and in the main one): base64, random ids, per-thread seeding, and a
-- machine-readable summary line printed by done().
local bit = require("bit")

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local b64chars = {}
for i = 1, 64 do b64chars[i - 1] = B64:sub(i, i) end

function base64(s)
  local out, n = {}, #s
  for i = 1, n, 3 do
    local a, b, c = s:byte(i, i + 2)
    local v = bit.bor(bit.lshift(a, 16), bit.lshift(b or 0, 8), c or 0)
    out[#out + 1] = b64chars[bit.band(bit.rshift(v, 18), 63)]
    out[#out + 1] = b64chars[bit.band(bit.rshift(v, 12), 63)]
    out[#out + 1] = b and b64chars[bit.band(bit.rshift(v, 6), 63)] or "="
    out[#out + 1] = c and b64chars[bit.band(v, 63)] or "="
  end
  return table.concat(out)
end

-- ids: the loaded hypervisor ids, read from the file given as the first script argument.
ids = {}
function load_ids(path)
  local f = assert(io.open(path, "r"), "cannot open ids file " .. tostring(path))
  for line in f:lines() do
    if #line > 0 then ids[#ids + 1] = line end
  end
  f:close()
  assert(#ids > 0, "no ids in " .. path)
end

function random_id()
  return ids[math.random(#ids)]
end

local HEX = "0123456789abcdef"
function random_uuid()
  local t = {}
  for i = 1, 36 do
    if i == 9 or i == 14 or i == 19 or i == 24 then
      t[i] = "-"
    elseif i == 15 then
      t[i] = "4"
    elseif i == 20 then
      local r = math.random(8, 11) + 1
      t[i] = HEX:sub(r, r)
    else
      local r = math.random(16)
      t[i] = HEX:sub(r, r)
    end
  end
  return table.concat(t)
end

RECORD_FIELDS = '"metadata":{},"ip":"10.0.0.1","netmask":"255.255.255.0","gateway":"10.0.0.254",'
  .. '"mac":"52:54:00:12:34:56","total_resources":{"memory":1024,"disk":1024,"cpu":1},'
  .. '"available_resources":{"memory":1024,"disk":1024,"cpu":1}'

-- Each thread gets its own seed (wrk threads otherwise draw the same sequence); the threads are
-- kept so that done() can sum what their scripts counted.
local counter = 0
local threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  threads[#threads + 1] = thread
end

function seed()
  local tid = tid or 0
  local f = io.open("/dev/urandom", "rb")
  local extra = 0
  if f then
    local b1, b2, b3 = f:read(3):byte(1, 3)
    extra = b1 * 65536 + b2 * 256 + b3
    f:close()
  end
  math.randomseed(os.time() + tid * 7919 + extra)
end

-- checked / wrong: answers a script's response() checked, and those that failed the check
-- (e.g. a list without every record); 0 / 0 for scripts that check nothing.
function done(summary, latency, requests)
  local e = summary.errors
  local checked, wrong, last = 0, 0, -1
  for _, t in ipairs(threads) do
    checked = checked + (tonumber(t:get("checked")) or 0)
    wrong = wrong + (tonumber(t:get("wrong")) or 0)
    local l = tonumber(t:get("last_count")) or -1
    if l >= 0 then last = l end
  end
  io.write(string.format(
    "BENCHRESULT requests=%d duration_us=%d status_errors=%d socket_errors=%d p50_us=%d p99_us=%d checked=%d wrong=%d last_count=%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), checked, wrong, last))
end
