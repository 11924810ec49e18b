-- bench/add.lua -- wrk script: POST Number/ adding one number a request to
-- the carrier ADD_CARRIER (a customer's own number, BYOC: API.md §2.3),
-- each a number never added before: ADD_BASE + a counter (Berlin numbers,
-- 49 30 1xxxxxxx, never in the US inventory the bench imports).  One wrk
-- thread (WRK_THREADS=1): the counter is the thread's own.
local seq = 0
local base = tonumber(os.getenv("ADD_BASE") or "0")
local carrier = os.getenv("ADD_CARRIER")
local path = os.getenv("ADD_PATH")

-- wrk.format's headers replace the -H ones: the Authorization is copied in
local headers = {}

function init(args)
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
end

function request()
  seq = seq + 1
  local n = string.format("49301%07d", base + seq)
  local body = '{"numbers":"' .. n .. '","carrier":"' .. carrier .. '","region":"Berlin"}'
  return wrk.format("POST", path, headers, body)
end
