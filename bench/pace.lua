-- bench/pace.lua -- wrk script: the same GET at a paced rate.  Each
-- connection waits DELAY_MS between its requests, so that
-- connections x 1000 / DELAY_MS is the offered rate (a latency well under
-- DELAY_MS adds little).  Used for "p99 at 80 % of peak".
local d = tonumber(os.getenv("DELAY_MS") or "1")

function delay()
  return d
end
