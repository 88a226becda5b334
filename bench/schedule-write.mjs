// What a deployment write with a dense schedule costs against the real local server (`npm run server`
// on a free port, fresh state): each write's own time, how long /api/health waited meanwhile (probed
// every 50 ms, as the fault suite does every 200), and how many runs existed when it answered. Each
// round: create, the Cron Trigger tick that plans the rest, PATCH (withdraws what the tick planned),
// pause, resume, delete. No pass/fail.
//   ROUNDS      rounds (default 5)
//   SERVER_OUT  set: show the server's output, console.log lines included
import { startLocalServer } from './local-server.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const MINUTELY = [
  ['cron every minute', { cron: '* * * * *', timezone: 'UTC' }],
  ['interval 60 s', { interval: 60 }],
  ['rrule FREQ=MINUTELY', { rrule: 'FREQ=MINUTELY', timezone: 'UTC' }],
];

const { base, call, tick, stop } = await startLocalServer({
  showOutput: Boolean(process.env.SERVER_OUT),
  env: { EDGEFLOW_LOG_LEVEL: process.env.SERVER_OUT ? 'log' : 'warn' },
});

/** Runs `work` while probing /api/health; its time and the longest a probe waited. */
async function measured(work) {
  let running = true;
  let worst = 0;
  const probing = (async () => {
    while (running) {
      const started = performance.now();
      await (await fetch(`${base}/api/health`)).text();
      worst = Math.max(worst, performance.now() - started);
      await new Promise((done) => setTimeout(done, 50));
    }
  })();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  running = false;
  await probing;
  return { ms, worst };
}

const runsOf = async (deploymentId) =>
  (
    await call('POST', '/api/flow_runs/filter', {
      flow_runs: { deployment_id: { any_: [deploymentId] } },
      limit: 200,
    })
  ).length;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
let named = 0;

try {
  await call('POST', '/api/work_pools', { name: 'bench', type: 'process' });
  const flow = await call('POST', '/api/flows', { name: 'bench' });
  const body = (schedule, count = 1) => ({
    name: `bench-${named++}`,
    flow_id: flow.id,
    entrypoint: 'flows/hello.ts:hello',
    work_pool_name: 'bench',
    schedules: Array.from({ length: count }, () => ({ schedule })),
  });
  // Warm the isolate and the pool's object.
  await call('POST', '/api/deployments', body({ interval: 3600 }));
  await tick();

  console.log('\ndeployment writes with a minutely schedule, local server (workerd + local D1)');
  console.log(
    `median of ${ROUNDS}: the write, the longest /api/health wait meanwhile, runs when it answered\n`,
  );
  const row = (label, results, runs) =>
    console.log(
      `${label.padEnd(40)}${`${median(results.map((r) => r.ms)).toFixed(0)} ms`.padStart(10)}` +
        `${`${median(results.map((r) => r.worst)).toFixed(0)} ms`.padStart(10)}${String(median(runs)).padStart(6)}`,
    );
  for (const [label, schedule] of MINUTELY) {
    const creates = [];
    const patches = [];
    const pauses = [];
    const resumes = [];
    const ticks = [];
    const [createdRuns, patchedRuns, pausedRuns, resumedRuns, tickedRuns] = [[], [], [], [], []];
    for (let round = 0; round < ROUNDS; round++) {
      let deployment;
      creates.push(
        await measured(async () => {
          deployment = await call('POST', '/api/deployments', body(schedule));
        }),
      );
      createdRuns.push(await runsOf(deployment.id));
      ticks.push(await measured(() => tick()));
      tickedRuns.push(await runsOf(deployment.id));
      patches.push(
        await measured(() => call('PATCH', `/api/deployments/${deployment.id}`, { description: `${round}` })),
      );
      patchedRuns.push(await runsOf(deployment.id));
      pauses.push(await measured(() => call('POST', `/api/deployments/${deployment.id}/pause_deployment`)));
      pausedRuns.push(await runsOf(deployment.id));
      resumes.push(await measured(() => call('POST', `/api/deployments/${deployment.id}/resume_deployment`)));
      resumedRuns.push(await runsOf(deployment.id));
      await call('DELETE', `/api/deployments/${deployment.id}`);
    }
    row(`${label}: create`, creates, createdRuns);
    row(`${label}: the next tick`, ticks, tickedRuns);
    row(`${label}: PATCH`, patches, patchedRuns);
    row(`${label}: pause`, pauses, pausedRuns);
    row(`${label}: resume`, resumes, resumedRuns);
  }
  // Many dense schedules in one write: the per-request bound, not the per-schedule one, applies.
  const creates = [];
  const createdRuns = [];
  for (let round = 0; round < ROUNDS; round++) {
    let deployment;
    creates.push(
      await measured(async () => {
        deployment = await call('POST', '/api/deployments', body({ interval: 60 }, 5));
      }),
    );
    createdRuns.push(await runsOf(deployment.id));
    await call('DELETE', `/api/deployments/${deployment.id}`);
  }
  row('5 schedules of interval 60 s: create', creates, createdRuns);
} finally {
  await stop();
}
