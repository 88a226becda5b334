// The load client: keep-alive JSON requests from a fixed number of concurrent clients, timed per request.
import http from 'node:http';

/** One HTTP/1.1 keep-alive connection per client, as a Prefect client holds its connection open. */
export function connectionPool(concurrency) {
  return new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
}

/** Sends one request; resolves with the status, the parsed body (or null) and the latency in ms. */
export function request(base, { method = 'GET', path, body, headers = {}, agent }) {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const started = performance.now();
  return new Promise((done) => {
    const sent = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed = null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = text;
          }
          done({ status: response.statusCode, body: parsed, ms: performance.now() - started });
        });
        response.on('error', (error) =>
          done({ status: 0, body: String(error), ms: performance.now() - started }),
        );
      },
    );
    sent.on('error', (error) => done({ status: 0, body: String(error), ms: performance.now() - started }));
    sent.end(payload);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Runs `count` operations from `concurrency` clients, each taking the next index as it finishes one.
 * `operation(i)` returns a request's result; `isError(result)` says whether it counts as an error.
 */
export async function runLoad({
  concurrency,
  count,
  operation,
  isError = (r) => r.status < 200 || r.status >= 300,
}) {
  let next = 0;
  const latencies = [];
  const errors = [];
  const results = new Array(count);
  const started = performance.now();
  const client = async () => {
    while (next < count) {
      const index = next++;
      const result = await operation(index);
      results[index] = result;
      latencies.push(result.ms);
      if (isError(result)) errors.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, client));
  const seconds = (performance.now() - started) / 1000;
  return { count, seconds, latencies, errors, results };
}

/** Sums blocks of one contender's load into ops/s, errors and latency percentiles. */
export function summarize(blocks) {
  const count = blocks.reduce((sum, block) => sum + block.count, 0);
  const seconds = blocks.reduce((sum, block) => sum + block.seconds, 0);
  const sorted = blocks.flatMap((block) => block.latencies).sort((a, b) => a - b);
  return {
    count,
    opsPerSecond: count / seconds,
    errors: blocks.reduce((sum, block) => sum + block.errors.length, 0),
    firstError: blocks.flatMap((block) => block.errors)[0],
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}
