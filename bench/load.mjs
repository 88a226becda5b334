// `npm run bench:load`: Prefect-shaped load from 16 concurrent clients against Prefect 2.15's own server
// and against Edgeflow (`npm run server`), in one run. Three phases: create flow runs, set_state (RUNNING
// then COMPLETED, as the engine proposes them), read a run. Each phase runs in interleaved blocks (Prefect,
// Edgeflow, Edgeflow, Prefect, …) so both see the same machine. Prints ops/s, the ratio, errors, p50/p99
// and each server's CPU and time spent waiting for a core per request (its whole process tree). Exits 1
// unless Edgeflow does at least GATE times Prefect's ops/s on every phase with no errors on either side
// (docs/performance.md).
//   BENCH_LOAD_RUNS    flow runs per server (default 480)
//   BENCH_LOAD_ROUNDS  blocks per phase and server (default 4)
//   PREFECT_BIN        Prefect 2.15's `prefect` command (default .prefect-env/bin/prefect)
//   LOAD_BUNDLES       Edgeflow builds to compare, each against Prefect, in the same interleaved run:
//                      `before=/tmp/before/index.js,after=` (as ROUTES_BUNDLES in bench/routes.mjs; an
//                      empty path is src/ as it is). The gate applies to the last one.
//   LOAD_FLOOR         1 adds the floor: a minimal Worker with one SQLite object per run and a D1 row per
//                      write (bench/load/floor-worker.mjs), run beside the others, never gated: the most
//                      any design with a database per run reaches on this workerd. Off by default: its
//                      objects closing in the background would weigh on the others' blocks.
import { loadavg } from 'node:os';
import { DEV_KEY } from '../test/e2e/harness.ts';
import { connectionPool, request, runLoad, summarize } from './load/http.mjs';
import { flowBody, flowRunBody, setStateBody } from './load/prefect-bodies.mjs';
import { startLocal, startPrefect, treeCpuSeconds, treeSchedSeconds } from './load/servers.mjs';

const RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 480);
const ROUNDS = Number(process.env.BENCH_LOAD_ROUNDS ?? 4);
const CONCURRENCY = 16;
const READS_PER_RUN = 3;
const GATE = 6;
const GOAL = 10;

/** How each server spells a route: Prefect's collections end in `/` (it redirects otherwise). */
function contender(name, server, { trailingSlash, headers }) {
  const collection = (path) => (trailingSlash ? `${path}/` : path);
  return { name, server, headers, collection, agent: connectionPool(CONCURRENCY), runs: [], phases: {} };
}

async function send(side, options) {
  return request(side.server.url, { ...options, headers: side.headers, agent: side.agent });
}

const orchestrationError = (result) => result.status >= 300 || result.body?.status !== 'ACCEPT';

/** The work of one phase for one server, on the runs in `slice`, as blocks of load. */
const PHASES = {
  create: (side, slice) => [
    {
      count: slice.length,
      operation: async () => {
        const result = await send(side, {
          method: 'POST',
          path: side.collection('/api/flow_runs'),
          body: flowRunBody(side.flowId),
        });
        if (result.body?.id) side.runs.push(result.body.id);
        return result;
      },
    },
  ],
  set_state: (side, slice) =>
    ['RUNNING', 'COMPLETED'].map((type) => ({
      count: slice.length,
      isError: orchestrationError,
      operation: (i) =>
        send(side, {
          method: 'POST',
          path: `/api/flow_runs/${side.runs[slice[i]]}/set_state`,
          body: setStateBody(type, side.runs[slice[i]]),
        }),
    })),
  read: (side, slice) => [
    {
      count: slice.length * READS_PER_RUN,
      operation: (i) => send(side, { path: `/api/flow_runs/${side.runs[slice[i % slice.length]]}` }),
    },
  ],
};

async function runPhase(phase, sides) {
  const perRound = Math.ceil(RUNS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const slice = Array.from({ length: perRound }, (_, i) => round * perRound + i).filter((i) => i < RUNS);
    // Alternate who goes first, so neither always meets the machine just after the other's burst.
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      side.phases[phase] ??= { blocks: [], cpu: 0, waiting: 0 };
      const record = side.phases[phase];
      const cpuBefore = treeCpuSeconds(side.server.group.pid);
      const waitingBefore = treeSchedSeconds(side.server.group.pid).waiting;
      for (const block of PHASES[phase](side, slice)) {
        record.blocks.push(await runLoad({ concurrency: CONCURRENCY, ...block }));
      }
      record.cpu += treeCpuSeconds(side.server.group.pid) - cpuBefore;
      record.waiting += treeSchedSeconds(side.server.group.pid).waiting - waitingBefore;
    }
  }
}

function row(cells, widths) {
  return cells.map((cell, i) => String(cell).padStart(widths[i])).join('  ');
}

const bundles = (process.env.LOAD_BUNDLES ?? 'Edgeflow=')
  .split(',')
  .map((entry) => entry.split('='))
  .map(([name, path]) => ({ name, path }));
const withFloor = process.env.LOAD_FLOOR === '1';
const started = await Promise.all([
  startPrefect(),
  ...(withFloor ? [startLocal({ name: 'floor', script: 'bench/load/floor-worker.mjs' })] : []),
  ...bundles.map((bundle) =>
    startLocal({
      name: bundle.name,
      script: 'scripts/server.mjs',
      env: { EDGEFLOW_LOG_LEVEL: 'warn', ...(bundle.path ? { EDGEFLOW_BUNDLE: bundle.path } : {}) },
    }),
  ),
]);
const [prefectServer, ...localServers] = started;
let failed = true;
try {
  const prefect = contender('Prefect 2.15', { ...prefectServer }, { trailingSlash: true, headers: {} });
  const locals = localServers.map((server) =>
    contender(server.name, server, {
      trailingSlash: false,
      headers: { authorization: `Bearer ${DEV_KEY}` },
    }),
  );
  const sides = [prefect, ...locals];
  // The gate is Edgeflow's: the floor's rows are printed for comparison only.
  const gated = locals.filter((side) => side.name !== 'floor');
  for (const side of sides) {
    const flow = await send(side, { method: 'POST', path: side.collection('/api/flows'), body: flowBody() });
    if (!flow.body?.id)
      throw new Error(`${side.name}: creating the flow failed: ${JSON.stringify(flow.body)}`);
    side.flowId = flow.body.id;
    // Warm-up outside the timing: connections open, code paths compiled.
    await runLoad({
      concurrency: CONCURRENCY,
      count: 32,
      operation: () => send(side, { path: '/api/health' }),
    });
  }
  for (const phase of Object.keys(PHASES)) await runPhase(phase, sides);

  const widths = [10, 12, 12, 12, 7, 8, 14, 14, 16, 16];
  console.log(
    `\n${CONCURRENCY} clients, ${RUNS} flow runs per server, ${ROUNDS} interleaved blocks per phase, load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    row(
      [
        'phase',
        'build',
        'Prefect op/s',
        'Edgeflow op/s',
        'ratio',
        'errors',
        'p50 ms P / E',
        'p99 ms P / E',
        'CPU ms/op P / E',
        'core wait P / E',
      ],
      widths,
    ),
  );
  let verdicts = [];
  for (const edgeflow of locals) {
    const isGated = edgeflow === gated.at(-1);
    if (isGated) verdicts = [];
    for (const phase of Object.keys(PHASES)) {
      const [p, e] = [prefect, edgeflow].map((side) => ({
        ...summarize(side.phases[phase].blocks),
        cpu: side.phases[phase].cpu,
        waiting: side.phases[phase].waiting,
      }));
      const ratio = e.opsPerSecond / p.opsPerSecond;
      if (isGated) verdicts.push(ratio >= GATE && p.errors === 0 && e.errors === 0);
      console.log(
        row(
          [
            phase,
            edgeflow.name,
            p.opsPerSecond.toFixed(1),
            e.opsPerSecond.toFixed(1),
            `${ratio.toFixed(1)}x`,
            `${p.errors}/${e.errors}`,
            `${p.p50.toFixed(0)} / ${e.p50.toFixed(1)}`,
            `${p.p99.toFixed(0)} / ${e.p99.toFixed(1)}`,
            `${((p.cpu * 1000) / p.count).toFixed(1)} / ${((e.cpu * 1000) / e.count).toFixed(2)}`,
            `${((p.waiting * 1000) / p.count).toFixed(1)} / ${((e.waiting * 1000) / e.count).toFixed(1)}`,
          ],
          widths,
        ),
      );
      for (const [side, summary] of [
        [prefect, p],
        [edgeflow, e],
      ]) {
        if (summary.firstError) {
          console.log(`  ${side.name}, first error: ${JSON.stringify(summary.firstError).slice(0, 300)}`);
          console.log(`  ${side.name}, server output: ${side.server.group.output.slice(-1500)}`);
        }
      }
    }
  }
  failed = verdicts.includes(false);
  console.log(
    failed
      ? `\nGATE FAILED: Edgeflow must do at least ${GATE}x Prefect on every phase, with 0 errors.`
      : `\ngate passed: at least ${GATE}x Prefect on every phase with 0 errors (goal ${GOAL}x).`,
  );
} finally {
  await Promise.all(started.map((server) => server.stop()));
}
process.exit(failed ? 1 : 0);
