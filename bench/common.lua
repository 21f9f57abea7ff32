-- Shared by the wrk scripts of bench/run.sh (loaded with dofile; not a wrk script itself).
--
-- wrk runs a script in one Lua state per thread plus one main state: setup() and done()
-- run in the main state, init()/request()/response() in each thread's state. The main
-- state reaches a thread's globals only through thread:get()/thread:set(), so setup()
-- keeps the thread objects and done() collects from them.

local common = {}

common.threads = {}

-- setup(thread): number the threads 0..T-1 (global `tid` in each thread's state).
function common.setup(thread)
  thread:set("tid", #common.threads)
  table.insert(common.threads, thread)
end

function common.read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  return lines
end

-- Minimal JSON encoder: numbers, strings without control characters, booleans,
-- tables (a table with [1] is an array, otherwise an object with string keys).
local function encode(v)
  local t = type(v)
  if t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
    return string.format("%.6f", v)
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif t == "boolean" then
    return tostring(v)
  elseif t == "table" then
    local parts = {}
    if v[1] ~= nil then
      for _, x in ipairs(v) do parts[#parts + 1] = encode(x) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local x = v[k]
      if x == nil then x = v[tonumber(k)] end
      parts[#parts + 1] = encode(k) .. ":" .. encode(x)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end
common.encode = encode

-- done(): the phase's numbers as one JSON object, written to $BENCH_RESULT_FILE and
-- echoed as a "BENCH_RESULT {...}" line. Latencies are in microseconds (wrk's unit).
function common.report(summary, latency, extra)
  local seconds = summary.duration / 1e6
  local result = {
    requests = summary.requests,
    duration_us = summary.duration,
    bytes = summary.bytes,
    rps = seconds > 0 and summary.requests / seconds or 0,
    latency_us = {
      min = latency.min,
      mean = latency.mean,
      max = latency.max,
      p50 = latency:percentile(50),
      p90 = latency:percentile(90),
      p99 = latency:percentile(99),
      p999 = latency:percentile(99.9),
    },
    errors = {
      connect = summary.errors.connect,
      read = summary.errors.read,
      write = summary.errors.write,
      timeout = summary.errors.timeout,
      status = summary.errors.status,  -- responses with status > 399
    },
    threads = #common.threads,
  }
  for k, v in pairs(extra or {}) do result[k] = v end
  local text = encode(result)
  local path = os.getenv("BENCH_RESULT_FILE")
  if path and path ~= "" then
    local f = assert(io.open(path, "w"))
    f:write(text, "\n")
    f:close()
  end
  io.write("BENCH_RESULT ", text, "\n")
end

return common
