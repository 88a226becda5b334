// `npm run bench:routes`: the local server's CPU per request on each path a flow run takes (create,
// RUNNING, a task batch, logs, a read, COMPLETED, a filter), from 16 clients, measured as the CPU its
// whole process tree (Node and workerd) used over each block divided by the block's requests. CPU per
// request is far steadier than requests/s on a shared machine. With ROUTES_BUNDLES it compares builds
// side by side, interleaved path by path: `ROUTES_BUNDLES=before=/tmp/before/index.js,after=` (an empty
// path is src/ as it is; build one with `npx wrangler deploy --dry-run --outdir <dir>`).
//   ROUTES_RUNS    flow runs per round (default 200)
//   ROUTES_ROUNDS  rounds (default 3); each path's figure is the median over rounds
import { DEV_KEY } from '../test/e2e/harness.ts';
import { connectionPool, request, runLoad } from './load/http.mjs';
import { flowBody, flowRunBody, setStateBody } from './load/prefect-bodies.mjs';
import { startLocal, treeCpuSeconds } from './load/servers.mjs';

const RUNS = Number(process.env.ROUTES_RUNS ?? 200);
const ROUNDS = Number(process.env.ROUTES_ROUNDS ?? 3);
const CONCURRENCY = 16;

const bundles = (process.env.ROUTES_BUNDLES ?? 'current=')
  .split(',')
  .map((entry) => entry.split('='))
  .map(([name, path]) => ({ name, path }));

const now = () => new Date().toISOString();
const taskItems = () => {
  const id = crypto.randomUUID();
  const state = (type, name) => ({ type, name, state_details: {} });
  return [
    {
      op: 'create',
      task_run: {
        id,
        name: 'add-0',
        task_key: 'flows.add',
        dynamic_key: '0',
        state: state('PENDING', 'Pending'),
      },
    },
    { op: 'set_state', task_run_id: id, state: state('RUNNING', 'Running') },
    { op: 'set_state', task_run_id: id, state: state('COMPLETED', 'Completed') },
  ];
};
const logs = (flowRunId) =>
  Array.from({ length: 5 }, (_, i) => ({
    flow_run_id: flowRunId,
    level: 20,
    name: 'edgeflow.flow_runs',
    message: `line ${i}`,
    timestamp: now(),
  }));

/** The paths in the order a run takes them; each maps run index → request. */
const PATHS = {
  'GET /api/health': () => ({ path: '/api/health' }),
  'POST /api/flow_runs': (side) => ({
    method: 'POST',
    path: '/api/flow_runs',
    body: flowRunBody(side.flowId),
  }),
  'set_state RUNNING': (side, i) => ({
    method: 'POST',
    path: `/api/flow_runs/${side.runs[i]}/set_state`,
    body: setStateBody('RUNNING', side.runs[i]),
  }),
  'task batch (1 task, 3 items)': (side, i) => ({
    method: 'POST',
    path: `/api/flow_runs/${side.runs[i]}/task_runs/batch`,
    body: { items: taskItems() },
  }),
  'POST /api/logs (5 lines)': (side, i) => ({ method: 'POST', path: '/api/logs', body: logs(side.runs[i]) }),
  'GET /api/flow_runs/{id}': (side, i) => ({ path: `/api/flow_runs/${side.runs[i]}` }),
  'set_state COMPLETED': (side, i) => ({
    method: 'POST',
    path: `/api/flow_runs/${side.runs[i]}/set_state`,
    body: setStateBody('COMPLETED', side.runs[i]),
  }),
  'POST /api/flow_runs/filter': () => ({
    method: 'POST',
    path: '/api/flow_runs/filter',
    body: { limit: 10 },
  }),
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sides = [];
try {
  for (const bundle of bundles) {
    const server = await startLocal({
      name: bundle.name,
      script: 'scripts/server.mjs',
      env: { EDGEFLOW_LOG_LEVEL: 'warn', ...(bundle.path ? { EDGEFLOW_BUNDLE: bundle.path } : {}) },
    });
    sides.push({ ...bundle, server, agent: connectionPool(CONCURRENCY), figures: {} });
  }
  const send = (side, options) =>
    request(side.server.url, {
      ...options,
      headers: { authorization: `Bearer ${DEV_KEY}` },
      agent: side.agent,
    });
  for (const side of sides) {
    side.flowId = (await send(side, { method: 'POST', path: '/api/flows', body: flowBody() })).body.id;
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of sides) side.runs = [];
    for (const [path, build] of Object.entries(PATHS)) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const before = treeCpuSeconds(side.server.group.pid);
        const result = await runLoad({
          concurrency: CONCURRENCY,
          count: RUNS,
          operation: async (i) => {
            const answer = await send(side, build(side, i));
            if (path === 'POST /api/flow_runs' && answer.body?.id) side.runs[i] = answer.body.id;
            return answer;
          },
        });
        const cpuMs = ((treeCpuSeconds(side.server.group.pid) - before) * 1000) / RUNS;
        side.figures[path] ??= { cpu: [], rate: [], errors: 0, firstError: null };
        side.figures[path].cpu.push(cpuMs);
        side.figures[path].rate.push(RUNS / result.seconds);
        side.figures[path].errors += result.errors.length;
        side.figures[path].firstError ??= result.errors[0] ?? null;
      }
    }
  }
  console.log(`\n${CONCURRENCY} clients, ${RUNS} requests per path and round, median of ${ROUNDS} rounds`);
  console.log(
    `${'path'.padEnd(30)} ${sides.map((side) => `${side.name} CPU ms/req   req/s`.padStart(30)).join(' ')}`,
  );
  for (const path of Object.keys(PATHS)) {
    const cells = sides.map((side) => {
      const figure = side.figures[path];
      const errors = figure.errors ? ` (${figure.errors} errors)` : '';
      return `${median(figure.cpu).toFixed(2).padStart(18)} ${median(figure.rate).toFixed(0).padStart(7)}${errors}`.padStart(
        30,
      );
    });
    console.log(`${path.padEnd(30)} ${cells.join(' ')}`);
    for (const side of sides) {
      if (side.figures[path].firstError)
        console.log(`  ${side.name}: ${JSON.stringify(side.figures[path].firstError).slice(0, 300)}`);
    }
  }
} finally {
  await Promise.all(sides.map((side) => side.server.stop()));
}
