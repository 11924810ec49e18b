-- bench/buy.lua -- wrk script: POST PhoneNumber/{n}/ for unique numbers,
-- taken in turn from the file named by the BUY_FILE environment variable.
-- Each wrk thread takes every Nth line (N = threads), so no two requests
-- ask for the same number.
local numbers = {}
local idx, step = 0, 1

function setup(thread)
  thread:set("tid", _G.__tid or 0)
  _G.__tid = (_G.__tid or 0) + 1
end

function init(args)
  local f = assert(io.open(os.getenv("BUY_FILE"), "r"))
  for line in f:lines() do numbers[#numbers + 1] = line end
  f:close()
  idx = tid or 0
  step = tonumber(os.getenv("WRK_THREADS") or "1")
end

function request()
  idx = idx + step
  local n = numbers[idx] or numbers[#numbers]
  return wrk.format("POST", os.getenv("BUY_PATH") .. n .. "/")
end
