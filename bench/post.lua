-- wrk script: POST a JSON body read from a file, each request with its own hookInstance;
-- prints one JSON line (prefixed BENCH_JSON) with p50/p99 latency and error counts.
-- Usage: wrk ... -s post.lua URL -- BODY_FILE MARKER

local counter = 0
local prefix, suffix
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local body = file:read("*a")
  file:close()
  local first, last = string.find(body, args[2], 1, true)
  if first then
    prefix, suffix = body:sub(1, first - 1), body:sub(last + 1)
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = body
end

function request()
  if suffix == nil then
    return wrk.format()
  end
  counter = counter + 1
  local hook_instance = string.format("%08x-0000-4000-8000-%012x", thread_id, counter)
  return wrk.format(nil, nil, nil, prefix .. hook_instance .. suffix)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
