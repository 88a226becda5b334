// Named concurrency limits: acquire/release round trips per second on one limit, and how long a waiter
// takes to get a slot after it frees: a request held by the server (wait_seconds) beside a baseline
// that polls every second (Prefect's clients retry on a sleep), in the same run. Prints p50/p95; the
// goal is a held waiter granted within 100 ms at p95 (docs/concurrency.md). Gates nothing.
//   npm run bench:limits [-- ROUND_TRIPS=300 TRIALS=20]   EDGEFLOW_API_URL to use a running server
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_KEY, startServer } from '../test/e2e/harness.ts';
import { EdgeflowClient, LockedError } from '../worker-agent/src/client/index.ts';

const ROUND_TRIPS = Number(process.argv[2] ?? 300);
const TRIALS = Number(process.argv[3] ?? 20);
const POLL_MS = 1_000;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) };
}

const ms = (value) => `${value.toFixed(1).padStart(8)} ms`;

const external = process.env.EDGEFLOW_API_URL;
const server = external
  ? {
      client: new EdgeflowClient({ apiUrl: external, apiKey: process.env.EDGEFLOW_API_KEY ?? DEV_KEY }),
      stop: async () => undefined,
    }
  : await startServer();
const { limits } = server.client;
const suffix = Date.now().toString(36);

/** Resolves once the limit holds a waiting request (the held waiter is in line before the release). */
async function untilWaiting(name) {
  while ((await limits.holders(name)).waiters.length === 0) await sleep(2);
}

/** A waiter held by the server: from the holder's release to the waiter's grant. */
async function heldTrial(name) {
  const holder = await limits.acquire({ names: [name], slots: 1 });
  let granted = 0;
  const waiter = limits.acquire({ names: [name], slots: 1, wait_seconds: 30 }).then((grant) => {
    granted = performance.now();
    return grant;
  });
  await untilWaiting(name);
  await sleep(Math.random() * 100);
  const released = performance.now();
  await limits.release(holder.lease_id);
  const grant = await waiter;
  await limits.release(grant.lease_id);
  return granted - released;
}

/** A waiter that asks every second (no wait_seconds): from the release to its next successful ask. */
async function pollingTrial(name) {
  const holder = await limits.acquire({ names: [name], slots: 1 });
  let granted = 0;
  let stop = false;
  const poller = (async () => {
    while (!stop) {
      try {
        const grant = await limits.acquire({ names: [name], slots: 1 });
        granted = performance.now();
        return grant;
      } catch (error) {
        if (!(error instanceof LockedError)) throw error;
      }
      await sleep(POLL_MS);
    }
  })();
  // The release lands at a random point of the poller's second, as it would in life.
  await sleep(200 + Math.random() * POLL_MS);
  const released = performance.now();
  await limits.release(holder.lease_id);
  const grant = await poller;
  stop = true;
  await limits.release(grant.lease_id);
  return granted - released;
}

try {
  const roundTrip = await limits.create({ name: `bench-round-trip-${suffix}`, limit: 1 });
  for (let i = 0; i < 20; i++)
    await limits.release((await limits.acquire({ names: [roundTrip.name], slots: 1 })).lease_id);
  const acquireMs = [];
  const releaseMs = [];
  const started = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const t0 = performance.now();
    const grant = await limits.acquire({ names: [roundTrip.name], slots: 1 });
    const t1 = performance.now();
    await limits.release(grant.lease_id);
    acquireMs.push(t1 - t0);
    releaseMs.push(performance.now() - t1);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `acquire + release on one limit: ${ROUND_TRIPS} round trips, ${(ROUND_TRIPS / seconds).toFixed(0)}/s ` +
      `(one client, one after another); acquire p50 ${ms(summary(acquireMs).p50)}, release p50 ${ms(summary(releaseMs).p50)}`,
  );

  const held = await limits.create({ name: `bench-held-${suffix}`, limit: 1 });
  const polled = await limits.create({ name: `bench-polled-${suffix}`, limit: 1 });
  const results = { held: [], polled: [] };
  // Alternate trials, so both see the same machine.
  for (let i = 0; i < TRIALS; i++) {
    results.held.push(await heldTrial(held.name));
    results.polled.push(await pollingTrial(polled.name));
  }
  const rows = [
    ['held waiter (wait_seconds)', summary(results.held)],
    [`baseline (polls every ${POLL_MS / 1000} s)`, summary(results.polled)],
  ];
  console.log('\nwait-to-grant latency: from the holder releasing to the waiter holding the slot');
  for (const [label, s] of rows)
    console.log(`  ${label.padEnd(30)} n=${s.n}  p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  max ${ms(s.max)}`);
  const heldP95 = rows[0][1].p95;
  console.log(
    `\np95 ratio baseline / held: ${(rows[1][1].p95 / heldP95).toFixed(1)}x; goal p95 ≤ 100 ms: ${heldP95 <= 100 ? 'met' : 'NOT met'}`,
  );
} finally {
  await server.stop();
}
