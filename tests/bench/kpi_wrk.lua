-- wrk script for the KPI benchmark: the token from the environment, and one summary line
-- with the percentiles the targets are stated in (wrk's --latency has no p95).
local token = os.getenv("MW_BENCH_TOKEN")

request = function()
    return wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. token })
end

done = function(summary, latency, requests)
    local non2xx = summary.errors.status
    io.write(string.format(
        "RESULT requests=%d rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d non2xx=%d\n",
        summary.requests, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(95) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000,
        summary.errors.connect + summary.errors.read + summary.errors.write +
        summary.errors.timeout, non2xx))
end
