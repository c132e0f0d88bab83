// Runs autocannon in its own process, so the load generator does not share an
// event loop (or a core) with the gateway it measures. Started by
// bench/gateway-load.ts with one JSON argument; prints one JSON object.
import autocannon from 'autocannon';

const { url, headers, connections, durationSeconds } = JSON.parse(process.argv[2] ?? '{}');

const result = await autocannon({ url, headers, connections, duration: durationSeconds, pipelining: 1 });
process.stdout.write(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    requestsPerSecondStddev: result.requests.stddev,
    requestsPerSecondP50: result.requests.p50,
    requestsTotal: result.requests.total,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      mean: result.latency.mean,
      max: result.latency.max,
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
  }),
);
