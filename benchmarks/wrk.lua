-- The load for one benchmark run; BENCH_ENDPOINT picks the request:
--   get  : GET /notes/{id}, ids drawn at random from 1..BENCH_NOTES
--   list : GET /notes?limit=50
--   post : POST /notes with a JSON body; every thread counts the requests it sent, the
--          responses it read and the 201s among them
-- done() prints one line, "BENCH {json}", that run.py reads. When wrk stops, requests
-- still in flight are dropped unanswered, though the server may yet complete them: so
-- rows added must lie between the 201s and the 201s plus the requests in flight.

local endpoint = os.getenv("BENCH_ENDPOINT") or "get"
local notes = tonumber(os.getenv("BENCH_NOTES") or "1000")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  created, sent, answered = 0, 0, 0
  math.randomseed(os.time() * 100 + number)
  run = os.getenv("BENCH_RUN") or tostring(os.time())
end

if endpoint == "get" then
  request = function()
    return wrk.format("GET", "/notes/" .. math.random(1, notes))
  end
elseif endpoint == "list" then
  request = function()
    return wrk.format("GET", "/notes?limit=50")
  end
elseif endpoint == "post" then
  local headers = { ["Content-Type"] = "application/json" }
  request = function()
    sent = sent + 1
    -- Note texts are unique: each request's is its run, thread and count.
    local text = "load " .. run .. "-" .. number .. "-" .. sent
    return wrk.format("POST", "/notes", headers, '{"text": "' .. text .. '", "completed": false}')
  end
  response = function(status, headers, body)
    answered = answered + 1
    if status == 201 then
      created = created + 1
    end
  end
else
  error("BENCH_ENDPOINT must be get, list or post, not " .. endpoint)
end

function done(summary, latency, requests)
  local created_total, in_flight = 0, 0
  for _, thread in ipairs(threads) do
    created_total = created_total + (thread:get("created") or 0)
    in_flight = in_flight + (thread:get("sent") or 0) - (thread:get("answered") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"non2xx": %d, "socket_errors": %d, "timeouts": %d, "created": %d, "in_flight": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write, errors.timeout, created_total, in_flight
  ))
end
