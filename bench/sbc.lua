-- bench/sbc.lua -- wrk script: SBC lookups over many keys, so that no run
-- measures one cached key.  SBC_KEYS names a file of query strings (one a
-- line, e.g. "src_ip=10.0.0.1&to=%2B14155550100&transport=udp"), SBC_PATH
-- the path they follow ("/sbc/v1/inbound?").  Each connection walks the
-- list from its own random start.  The same script drives nginx (which
-- ignores the query string and serves the same bytes), so both sides pay
-- the same request-building cost.  (The "p99 at 80 % of peak" runs use
-- bench/pacer.c, not wrk.)
local paths = {}
local i = 0

function init(args)
  local prefix = os.getenv("SBC_PATH")
  local f = assert(io.open(os.getenv("SBC_KEYS"), "r"))
  for line in f:lines() do paths[#paths + 1] = prefix .. line end
  f:close()
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
  i = math.random(#paths)
end

function request()
  i = i % #paths + 1
  -- nil method and headers: wrk's GET and the -H headers (the token)
  return wrk.format(nil, paths[i])
end

