-- The load for one benchmark run; BENCH_ENDPOINT picks the request:
--   get  : GET /notes/{id}, ids drawn at random from 1..BENCH_NOTES
--   list : GET /notes?limit=50
--   post : POST /notes with a JSON body of a note text no other request sends
-- BENCH_TOKEN, when set, is sent as a bearer token with every request (the auth variants).
-- Reading each answer costs wrk time, so answers are counted only where a figure needs
-- them: on POST (rows added against 201s), and on any endpoint with BENCH_COUNT=1 (the
-- write-load case looks for 500s). Every thread counts the requests it sent, the answers
-- it read, and the 201s and 500s among them.
-- done() prints one line, "BENCH {json}", that load.py reads. When wrk stops, requests
-- still in flight are dropped unanswered, though the server may yet complete them: so
-- rows added must lie between the 201s and the 201s plus the requests in flight.

local endpoint = os.getenv("BENCH_ENDPOINT") or "get"
local notes = tonumber(os.getenv("BENCH_NOTES") or "1000")
local token = os.getenv("BENCH_TOKEN")
local counting = endpoint == "post" or os.getenv("BENCH_COUNT") == "1"
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  created, failed, sent, answered = 0, 0, 0, 0
  math.randomseed(os.time() * 100 + number)
  run = os.getenv("BENCH_RUN") or tostring(os.time())
end

local headers = {}
if token then
  headers["Authorization"] = "Bearer " .. token
end

local build
if endpoint == "get" then
  build = function()
    return wrk.format("GET", "/notes/" .. math.random(1, notes), headers)
  end
elseif endpoint == "list" then
  build = function()
    return wrk.format("GET", "/notes?limit=50", headers)
  end
elseif endpoint == "post" then
  local json = { ["Content-Type"] = "application/json", ["Authorization"] = headers["Authorization"] }
  build = function()
    -- Note texts are unique: each request's is its run, thread and count.
    local text = "load " .. run .. "-" .. number .. "-" .. sent
    return wrk.format("POST", "/notes", json, '{"text": "' .. text .. '", "completed": false}')
  end
else
  error("BENCH_ENDPOINT must be get, list or post, not " .. endpoint)
end

if counting then
  request = function()
    sent = sent + 1
    return build()
  end
  response = function(status, headers, body)
    answered = answered + 1
    if status == 201 then
      created = created + 1
    elseif status == 500 then
      failed = failed + 1
    end
  end
else
  request = build
end

function done(summary, latency, requests)
  local created_total, failed_total, in_flight = 0, 0, 0
  for _, thread in ipairs(threads) do
    created_total = created_total + (thread:get("created") or 0)
    failed_total = failed_total + (thread:get("failed") or 0)
    in_flight = in_flight + (thread:get("sent") or 0) - (thread:get("answered") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"non2xx": %d, "socket_errors": %d, "timeouts": %d, "created": %d, "status_500": %d, '
      .. '"in_flight": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write, errors.timeout, created_total,
    failed_total, in_flight
  ))
end
