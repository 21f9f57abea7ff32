-- wrk script: POST /v1/offers/{offerId}/locations/{locationId}, every request a pair
-- never linked before.
--
-- Environment:
--   BENCH_OFFERS_FILE, BENCH_LOCATIONS_FILE  the ids, one per line (N offers, L locations,
--                                            L a multiple of N)
--   BENCH_THREADS                            wrk's -t (the stride of the walk below)
--   BENCH_RESULT_FILE                        where done() writes its JSON
--
-- The pair list is implicit: pair k (0 <= k < N*L) is
--   location[k % L], offer[(k % N + k // L) % N]
-- Round r = k // L links every location to its (r+1)-th offer, so no pair repeats while
-- k < N*L. Thread t walks k = t, t+T, t+2T, ...: disjoint slices, no coordination needed.
-- (wrk asks a thread's request() for the next request whenever one of its connections is
-- free, so a per-thread slice is also disjoint between connections.)
--
-- Bookkeeping, per thread: how many pairs were issued, the responses by status, and the
-- pairs still unanswered (matched back from the ids in each 2xx response body). When the
-- duration ends wrk drops the requests in flight without reading their responses, and at
-- start-up it calls request() once on thread 0 only to check the request's syntax without
-- sending it; run.sh settles those unanswered pairs during verification.
local common = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "common.lua")

setup = common.setup

local offers, locations, n_offers, n_locations, capacity, stride
local filler

-- Globals, read by done() through thread:get().
issued = 0
created = 0     -- 201: newly linked
existing = 0    -- 200: already linked (must stay 0: every pair is new)
failed = 0      -- any other status
statuses = {}   -- status -> count, for the other statuses
unmatched = 0   -- 2xx responses whose ids could not be parsed or matched to a request
pending = {}    -- path -> k, issued and not answered yet
pending_n = 0
exhausted = false

function init(args)
  offers = common.read_lines(assert(os.getenv("BENCH_OFFERS_FILE"), "BENCH_OFFERS_FILE"))
  locations = common.read_lines(assert(os.getenv("BENCH_LOCATIONS_FILE"), "BENCH_LOCATIONS_FILE"))
  n_offers, n_locations = #offers, #locations
  assert(n_offers > 0 and n_locations > 0 and n_locations % n_offers == 0,
         "need offers and locations, the locations a multiple of the offers")
  capacity = n_offers * n_locations
  stride = tonumber(os.getenv("BENCH_THREADS") or "")
  assert(stride and stride >= 1, "BENCH_THREADS")
  assert(tid < stride, "more wrk threads than BENCH_THREADS")
  filler = wrk.format("GET", "/healthz")
end

function request()
  local k = tid + stride * issued
  if k >= capacity then
    -- Out of new pairs: stop this thread; the request returned meanwhile is no link.
    exhausted = true
    wrk.thread:stop()
    return filler
  end
  issued = issued + 1
  local offer = offers[(k % n_offers + math.floor(k / n_locations)) % n_offers + 1]
  local path = "/v1/offers/" .. offer .. "/locations/" .. locations[k % n_locations + 1]
  pending[path] = k
  pending_n = pending_n + 1
  return wrk.format("POST", path)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 200 then
    if body == '{"status":"ok"}' then return end  -- the filler, after exhaustion
    existing = existing + 1
  else
    failed = failed + 1
    statuses[status] = (statuses[status] or 0) + 1
    return
  end
  local offer = body:match('"offer":{"id":"([^"]+)"')
  local location = body:match('"location":{"id":"([^"]+)"')
  local path = offer and location and ("/v1/offers/" .. offer .. "/locations/" .. location)
  if path and pending[path] then
    pending[path] = nil
    pending_n = pending_n - 1
  else
    unmatched = unmatched + 1
  end
end

function done(summary, latency, _)
  local extra = {
    issued = 0, created = 0, existing = 0, failed = 0, unmatched = 0,
    statuses = {}, exhausted = false, per_thread_issued = {}, pending = {},
  }
  for i, thread in ipairs(common.threads) do
    local t_issued = thread:get("issued")
    extra.issued = extra.issued + t_issued
    extra.per_thread_issued[i] = t_issued
    extra.created = extra.created + thread:get("created")
    extra.existing = extra.existing + thread:get("existing")
    extra.failed = extra.failed + thread:get("failed")
    extra.unmatched = extra.unmatched + thread:get("unmatched")
    extra.exhausted = extra.exhausted or thread:get("exhausted")
    for status, count in pairs(thread:get("statuses")) do
      local key = tostring(status)
      extra.statuses[key] = (extra.statuses[key] or 0) + count
    end
    for path, k in pairs(thread:get("pending")) do
      extra.pending[#extra.pending + 1] = { path, k }
    end
  end
  extra.stride = #common.threads
  common.report(summary, latency, extra)
end
