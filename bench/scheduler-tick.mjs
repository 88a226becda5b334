// Scheduler tick cost against the real local server (`npm run server` on a free port, fresh state):
// does a Cron Trigger tick cost what is due, or what exists? Seeds schedules through the batch route,
// then times ticks (`GET /cdn-cgi/local/scheduled`) with 10 schedules and with SCALE schedules, idle
// and with 10 due, and prints them side by side with their ratios. No pass/fail.
//   SCALE  how many schedules to seed (default 10000)
import { startLocalServer } from './local-server.mjs';

const SCALE = Number(process.env.SCALE ?? 10_000);
const SCHEDULES_PER_DEPLOYMENT = 10;
// 100 schedules a request: well within one request's schedule work budget (docs/schedules.md).
const DEPLOYMENTS_PER_REQUEST = 10;
const TICKS = 5;
// Feb 29: never within the 100-day horizon from here, so a seeded schedule costs nothing once planned.
const SPARSE = { cron: '0 0 29 2 *', timezone: 'UTC' };

const server = await startLocalServer();
const { call } = server;

/** One Cron Trigger tick's time. */
async function tick() {
  const started = performance.now();
  await (await server.tick()).text();
  return performance.now() - started;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function idleTicks() {
  const times = [];
  for (let i = 0; i < TICKS; i++) times.push(await tick());
  return median(times);
}

let seeded = 0;
/** `count` schedules through POST /api/deployments/bulk, 10 deployments of 10 schedules a request. */
async function seed(flowId, count, schedule) {
  const perDeployment = Math.min(SCHEDULES_PER_DEPLOYMENT, count);
  const deployments = Array.from({ length: Math.ceil(count / perDeployment) }, () => ({
    name: `bench-${seeded++}`,
    flow_id: flowId,
    entrypoint: 'flows/hello.ts:hello',
    work_pool_name: 'bench',
    schedules: Array.from({ length: perDeployment }, () => ({ schedule })),
  }));
  for (let start = 0; start < deployments.length; start += DEPLOYMENTS_PER_REQUEST) {
    await call('POST', '/api/deployments/bulk', {
      deployments: deployments.slice(start, start + DEPLOYMENTS_PER_REQUEST),
    });
  }
}

const DUE_ROUNDS = 3;

/** 10 new hourly schedules (one deployment each), then a tick: it plans 3 runs each, 30 runs. Median of 3. */
async function dueTicks(flowId) {
  const times = [];
  for (let round = 0; round < DUE_ROUNDS; round++) {
    const deployments = Array.from({ length: 10 }, () => ({
      name: `bench-due-${seeded++}`,
      flow_id: flowId,
      entrypoint: 'flows/hello.ts:hello',
      work_pool_name: 'bench',
      schedules: [{ schedule: { cron: '0 * * * *', timezone: 'UTC' } }],
    }));
    await call('POST', '/api/deployments/bulk', { deployments });
    times.push(await tick());
  }
  return median(times);
}

try {
  await call('POST', '/api/work_pools', { name: 'bench', type: 'process' });
  const flow = await call('POST', '/api/flows', { name: 'bench' });
  await tick(); // warm the isolate

  await seed(flow.id, 10, SPARSE);
  const firstSmall = await tick();
  const idleSmall = await idleTicks();
  const dueSmall = await dueTicks(flow.id);

  const seedStarted = performance.now();
  await seed(flow.id, SCALE - 10, SPARSE);
  const seedMs = performance.now() - seedStarted;
  const firstLarge = await tick();
  const idleLarge = await idleTicks();
  const dueLarge = await dueTicks(flow.id);

  const ms = (value) => `${value.toFixed(1)} ms`.padStart(11);
  const row = (label, small, large) =>
    console.log(`${label.padEnd(44)}${ms(small)}${ms(large)}${`${(large / small).toFixed(2)}×`.padStart(9)}`);
  console.log(`\nscheduler tick, local server (workerd + local D1), scale: ${SCALE} schedules`);
  console.log(
    `seeded ${SCALE - 10} schedules through /api/deployments/bulk in ${(seedMs / 1000).toFixed(1)} s\n`,
  );
  console.log(`${''.padEnd(44)}${'10'.padStart(11)}${String(SCALE).padStart(11)}    ratio`);
  row(`tick, none due (median of ${TICKS})`, idleSmall, idleLarge);
  row(`tick, 10 schedules due, 30 runs (median of ${DUE_ROUNDS})`, dueSmall, dueLarge);
  row('first tick after writing them (all due once)', firstSmall, firstLarge);
  console.log(
    '\nThe first two rows should stay near 1×: a tick reads only schedules whose next_check_at has come.' +
      '\nThe last grows with the schedules just written, which a tick plans once each.',
  );
} finally {
  await server.stop();
}
