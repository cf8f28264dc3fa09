-- wrk script for bench/peers: POSTs one GraphQL request body (from WRK_BODY_FILE) with an optional bearer
-- token (WRK_TOKEN), counts answers that are not HTTP 200 or carry GraphQL "errors", and prints the
-- summary as one JSON line after "WRK_JSON " for run.ts to read.
local file = assert(io.open(os.getenv("WRK_BODY_FILE"), "rb"))
local body = file:read("*a")
file:close()
local token = os.getenv("WRK_TOKEN")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/graphql-response+json, application/json"
  if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
  failed = 0
  firstFailure = ""
end

function response(status, headers, answer)
  if status ~= 200 or string.find(answer, '"errors"', 1, true) then
    failed = failed + 1
    if firstFailure == "" then firstFailure = status .. " " .. string.sub(answer, 1, 200) end
  end
end

function done(summary, latency, requests)
  local graphqlFailed, first = 0, ""
  for _, thread in ipairs(threads) do
    graphqlFailed = graphqlFailed + thread:get("failed")
    if first == "" then first = thread:get("firstFailure") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"graphql":%d},"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, graphqlFailed,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
  if first ~= "" then io.write("WRK_FIRST_FAILURE " .. first:gsub("\n", " ") .. "\n") end
end
