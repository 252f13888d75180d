-- wrk script of the ingest benchmark (tests/bench/bench_ingest.sh): POSTs each school's
-- document with its own Bearer token, a unique Idempotency-Key and a unique body, and counts
-- the answers.
--
--   wrk -t2 -c64 -d15s --latency -s post_report.lua URL -- PATH FIXTURE TAG THREADS [IDS_OUT]
--     PATH     /api/v1/reports or /api/v1/meetings
--     FIXTURE  reports.tsv or meetings.tsv of make_fixture.py: code<TAB>token<TAB>JSON, the
--              JSON holding "@@SEQ@@" once
--     TAG      a run tag, part of every key and body (unique keys across runs)
--     THREADS  wrk's -t (a thread cannot learn it otherwise)
--     IDS_OUT  optional file for the ids of the documents acknowledged 201, one a line, read
--              from the answer's "id": the DB check compares them with what was stored
--
-- Thread t of T sends school t+1, t+1+T, t+1+2T, ... round robin: a school is never in
-- flight twice at a time while the concurrency stays under the number of schools (schools
-- send their own documents one after another; contention on one report's slot row is not
-- what this measures). "@@SEQ@@" becomes TAG-t-n, n counting this thread's requests, and
-- the same text is the Idempotency-Key: every request stores a new version.
--
-- done() prints one line that bench_ingest.sh parses:
--   MWBENCH requests=N duration_us=N sent=N c201=N c2xx=N other=N statuses=S:N,...
--           errors_connect=N errors_read=N errors_write=N errors_timeout=N
--           p50_us=N p90_us=N p99_us=N p999_us=N max_us=N mean_us=N

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function init(args)
   path, fixture, tag = args[1], args[2], args[3]
   nthreads = tonumber(args[4]) or 1
   ids_out = args[5] or ""
   docs = {}
   for line in io.lines(fixture) do
      local token, body = line:match("^[^\t]*\t([^\t]*)\t(.*)$")
      if token ~= nil then
         local s, e = body:find("@@SEQ@@", 1, true)
         assert(s ~= nil, "no @@SEQ@@ in a document of " .. fixture)
         table.insert(docs, { pre = body:sub(1, s - 1), post = body:sub(e + 1),
                              auth = "Bearer " .. token })
      end
   end
   assert(#docs > 0, "no documents in " .. fixture)
   headers = { ["Content-Type"] = "application/json" }
   sent, c201, c2xx, other = 0, 0, 0, 0
   statuses = {}
   ids = {}
end

function request()
   local i = (tid + sent * nthreads) % #docs + 1
   sent = sent + 1
   local d = docs[i]
   local seq = tag .. "-" .. tid .. "-" .. sent
   headers["Authorization"] = d.auth
   headers["Idempotency-Key"] = seq
   return wrk.format("POST", path, headers, d.pre .. seq .. d.post)
end

function response(status, hdrs, body)
   if status == 201 then
      c201 = c201 + 1
      -- The stored row's id: {"status":"created","id":N,...}
      local id = body:match('"id":(%d+)')
      if id ~= nil then
         ids[#ids + 1] = id
      end
   end
   if status >= 200 and status < 300 then
      c2xx = c2xx + 1
   else
      other = other + 1
   end
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local t = { sent = 0, c201 = 0, c2xx = 0, other = 0 }
   local st = {}
   -- done() runs in the main script state, where init() never ran: the path comes from a
   -- thread's state.
   local ids_out = #threads > 0 and threads[1]:get("ids_out") or nil
   local out = nil
   if ids_out ~= nil and ids_out ~= "" then
      out = assert(io.open(ids_out, "w"))
   end
   for _, thread in ipairs(threads) do
      for k, _ in pairs(t) do
         t[k] = t[k] + (thread:get(k) or 0)
      end
      for code, n in pairs(thread:get("statuses") or {}) do
         st[code] = (st[code] or 0) + n
      end
      if out ~= nil then
         for _, id in ipairs(thread:get("ids") or {}) do
            out:write(id, "\n")
         end
      end
   end
   if out ~= nil then
      out:close()
   end
   local codes = {}
   for code, n in pairs(st) do
      codes[#codes + 1] = code .. ":" .. n
   end
   table.sort(codes)
   local e = summary.errors
   io.write(string.format(
      "MWBENCH requests=%d duration_us=%d sent=%d c201=%d c2xx=%d other=%d statuses=%s " ..
      "errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d " ..
      "p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%d\n",
      summary.requests, summary.duration, t.sent, t.c201, t.c2xx, t.other,
      #codes > 0 and table.concat(codes, ",") or "-",
      e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.max, latency.mean))
end

