// `npm run bench:events`: events ingested per second through `POST /api/events` in batches, beside the
// same server's no-op rate (`GET /api/health`), how soon the live stream delivers an event after its
// POST is answered (p50/p95), and the trigger latency: from an event's POST to the request of the
// webhook action it fires arriving at a receiver started here (p50/p95). Targets (docs/events.md,
// docs/automations.md): ≥ 1,000 events/s ingested in batches; trigger latency p50 ≤ 50 ms, p95 ≤ 250 ms.
//   EVENTS_BATCH     events per request (default 100)
//   EVENTS_COUNT     requests per measurement (default 200)
//   EVENTS_STREAMED  events timed through the stream (default 50)
//   EVENTS_TRIGGERED events timed through an automation (default 50)
import { createServer } from 'node:http';
import { DEV_KEY } from '../test/e2e/harness.ts';
import { connectionPool, request, runLoad, summarize } from './load/http.mjs';
import { startLocal } from './load/servers.mjs';

const BATCH = Number(process.env.EVENTS_BATCH ?? 100);
const COUNT = Number(process.env.EVENTS_COUNT ?? 200);
const STREAMED = Number(process.env.EVENTS_STREAMED ?? 50);
const TRIGGERED = Number(process.env.EVENTS_TRIGGERED ?? 50);
const CONCURRENCY = 8;
const TARGET = 1_000;
const TRIGGER_TARGET = { p50: 50, p95: 250 };

const headers = { authorization: `Bearer ${DEV_KEY}` };
const event = (name, i) => ({
  id: crypto.randomUUID(),
  occurred: new Date().toISOString(),
  event: `bench.${name}`,
  resource: { 'prefect.resource.id': `bench.resource.${i % 50}` },
  related: [{ 'prefect.resource.id': 'bench.flow.1', 'prefect.resource.role': 'flow' }],
  payload: { i },
});

const server = await startLocal({
  name: 'events',
  script: 'scripts/server.mjs',
  env: { EDGEFLOW_LOG_LEVEL: 'warn' },
});
const agent = connectionPool(CONCURRENCY);
const send = (options) => request(server.url, { ...options, headers, agent });
const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

try {
  const noop = summarize([
    await runLoad({
      concurrency: CONCURRENCY,
      count: COUNT * 5,
      operation: () => send({ path: '/api/health' }),
    }),
  ]);
  const ingest = summarize([
    await runLoad({
      concurrency: CONCURRENCY,
      count: COUNT,
      operation: (i) =>
        send({
          method: 'POST',
          path: '/api/events',
          body: Array.from({ length: BATCH }, (_, j) => event('ingest', i * BATCH + j)),
        }),
    }),
  ]);
  const eventsPerSecond = ingest.opsPerSecond * BATCH;

  // The stream: one follower; each event is posted alone and timed from its POST's answer to its arrival.
  const controller = new AbortController();
  const response = await fetch(
    `${server.url}/api/events/stream?filter=${encodeURIComponent(
      JSON.stringify({ event: { name: ['bench.streamed'] } }),
    )}`,
    { headers, signal: controller.signal },
  );
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const arrivals = new Map();
  let ready = false;
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) return;
      buffer += decoder.decode(value);
      if (buffer.includes('event: ready')) ready = true;
      for (const match of buffer.matchAll(/"i":(\d+)/g)) arrivals.set(Number(match[1]), performance.now());
      buffer = buffer.slice(buffer.lastIndexOf('\n'));
    }
  })();
  while (!ready) await new Promise((r) => setTimeout(r, 10));
  const lags = [];
  for (let i = 0; i < STREAMED; i++) {
    // A random pause first: events arrive at random moments of the stream's polling period, not just
    // after a read (which a post sent right after the last arrival would, every time).
    await new Promise((r) => setTimeout(r, Math.random() * 300));
    await send({ method: 'POST', path: '/api/events', body: [event('streamed', i)] });
    const answered = performance.now();
    while (!arrivals.has(i)) await new Promise((r) => setTimeout(r, 2));
    lags.push(arrivals.get(i) - answered);
  }
  controller.abort();
  await pump;
  lags.sort((a, b) => a - b);

  // The trigger: a Reactive automation whose action calls a receiver here, which stamps each arrival
  // (so the wait loop's polling is not in the figure). Timed from the POST sent: the upper bound of
  // "event accepted to action executed", the POST's own round trip included.
  const calls = new Map();
  const receiver = createServer((incoming, answer) => {
    let body = '';
    incoming.on('data', (chunk) => {
      body += chunk;
    });
    incoming.on('end', () => {
      calls.set(Number(body), { at: performance.now(), wall: Date.now() });
      answer.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const created = await send({
    method: 'POST',
    path: '/api/automations',
    body: {
      name: 'bench-trigger',
      trigger: { type: 'event', posture: 'Reactive', expect: ['bench.triggered'] },
      actions: [
        {
          type: 'call-webhook',
          url: `http://127.0.0.1:${receiver.address().port}/bench`,
          payload: '{{ event.payload.i }}',
        },
      ],
    },
  });
  if (created.status !== 201)
    throw new Error(`automation not created: ${JSON.stringify(created).slice(0, 300)}`);
  const triggerLags = [];
  for (let i = 0; i < TRIGGERED; i++) {
    await new Promise((r) => setTimeout(r, Math.random() * 100));
    const sent = performance.now();
    await send({ method: 'POST', path: '/api/events', body: [event('triggered', i)] });
    const deadline = sent + 10_000;
    while (!calls.has(i) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    if (!calls.has(i)) throw new Error(`the webhook action for event ${i} did not arrive within 10 s`);
    triggerLags.push(calls.get(i).at - sent);
  }
  await new Promise((resolve) => receiver.close(resolve));
  // "Accepted" is the event's `received`, stamped by the server when it stores the event (same
  // machine, same clock as the receiver's stamp; millisecond precision).
  const stored = await send({
    method: 'POST',
    path: '/api/events/filter',
    body: { filter: { event: { name: ['bench.triggered'] } }, limit: TRIGGERED },
  });
  const acceptedLags = stored.body.events.map((e) => calls.get(e.payload.i).wall - Date.parse(e.received));
  triggerLags.sort((a, b) => a - b);
  acceptedLags.sort((a, b) => a - b);
  const trigger = { p50: percentile(acceptedLags, 50), p95: percentile(acceptedLags, 95) };
  const triggerMet = trigger.p50 <= TRIGGER_TARGET.p50 && trigger.p95 <= TRIGGER_TARGET.p95;

  console.log(`\n${CONCURRENCY} clients; ${COUNT} requests of ${BATCH} events each`);
  console.log(`no-op (GET /api/health)         ${noop.opsPerSecond.toFixed(0).padStart(8)} req/s`);
  console.log(
    `POST /api/events (${BATCH}/request)   ${ingest.opsPerSecond.toFixed(0).padStart(8)} req/s  = ${eventsPerSecond.toFixed(0)} events/s (p50 ${ingest.p50.toFixed(1)} ms, p99 ${ingest.p99.toFixed(1)} ms, ${ingest.errors} errors)`,
  );
  console.log(
    `stream lag after the answer      p50 ${percentile(lags, 50).toFixed(0)} ms, p95 ${percentile(lags, 95).toFixed(0)} ms (${STREAMED} events, polling D1 every 250 ms)`,
  );
  console.log(
    `trigger latency, event accepted → webhook action received  p50 ${trigger.p50.toFixed(0)} ms, p95 ${trigger.p95.toFixed(0)} ms (${acceptedLags.length} events, one at a time)`,
  );
  console.log(
    `  the same from the event's POST sent (its round trip included)  p50 ${percentile(triggerLags, 50).toFixed(0)} ms, p95 ${percentile(triggerLags, 95).toFixed(0)} ms`,
  );
  console.log(`target ≥ ${TARGET} events/s: ${eventsPerSecond >= TARGET ? 'met' : 'MISSED'}`);
  console.log(
    `target trigger latency p50 ≤ ${TRIGGER_TARGET.p50} ms, p95 ≤ ${TRIGGER_TARGET.p95} ms: ${triggerMet ? 'met' : 'MISSED'}`,
  );
  if (ingest.errors > 0) console.log(`first error: ${JSON.stringify(ingest.firstError).slice(0, 300)}`);
  process.exitCode = eventsPerSecond >= TARGET && ingest.errors === 0 && triggerMet ? 0 : 1;
} finally {
  await server.stop();
}
