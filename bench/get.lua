-- wrk script: GET requests cycling through the paths listed (one per line) in
-- $BENCH_PATHS_FILE, or the URL's own path when that is unset. Each thread starts at a
-- different place in the list. done() reports the phase (see common.lua).
local common = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "common.lua")

setup = common.setup

local requests, n, i

function init(args)
  requests = {}
  local file = os.getenv("BENCH_PATHS_FILE")
  if file and file ~= "" then
    for _, path in ipairs(common.read_lines(file)) do
      requests[#requests + 1] = wrk.format("GET", path)
    end
  end
  if #requests == 0 then requests[1] = wrk.format("GET", wrk.path) end
  n = #requests
  i = tid % n  -- `tid` comes from setup()
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return requests[i]
end

function done(summary, latency, _)
  common.report(summary, latency, {})
end
