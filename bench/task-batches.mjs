// The server's CPU per task on the task batch path, for two builds side by side: the same batches as
// the SDK sends them (500 items, `defer_index` and `omit_states`; a task is its create with PENDING,
// its RUNNING and its COMPLETED) go to each server in turn, and each server's whole process tree is
// measured over its share, its background index writes included. Two shapes: `await task(i)` (each
// task's three items together) and `task.map` (every create first, then the RUNNINGs and COMPLETEDs).
// On a shared machine this pairs the builds under the same load, which wall clocks cannot.
//   TASK_BATCH_BUNDLES=before=/tmp/before/index.js,after=  node bench/task-batches.mjs [TASKS=3000] [ROUNDS=3]
// An empty path is src/ as it is; build one with `npx wrangler deploy --dry-run --outdir <dir>`.
// Task run ids are time-ordered, as the SDK makes them; TASK_BATCH_RANDOM_IDS=<name,…> gives the named
// builds random ones, as the SDK made them before (docs/performance.md, "Time-ordered ids").
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { DEV_KEY } from '../test/e2e/harness.ts';
import { EdgeflowClient } from '../worker-agent/src/client/index.ts';
import { timeOrderedId } from '../worker-agent/src/protocol/ids.ts';
import { startLocal, treeCpuSeconds } from './load/servers.mjs';

const TASKS = Number(process.argv[2] ?? 3000);
const ROUNDS = Number(process.argv[3] ?? 3);
const PER_BATCH = 500;

const builds = (process.env.TASK_BATCH_BUNDLES ?? 'current=')
  .split(',')
  .map((entry) => entry.split('='))
  .map(([name, path]) => ({ name, path }));

const randomIds = new Set((process.env.TASK_BATCH_RANDOM_IDS ?? '').split(','));

const state = (type, name, extra = {}) => ({
  type,
  name,
  ...extra,
  state_details: { transition_id: randomUUID() },
});

/** The items of `count` trivial tasks, in the order each shape queues them. */
function itemsOf(shape, count, newId) {
  const tasks = Array.from({ length: count }, (_, i) => {
    const id = newId();
    return [
      {
        op: 'create',
        task_run: {
          id,
          task_key: 'trivial-0123456789ab',
          dynamic_key: String(i),
          name: `trivial-${i}`,
          tags: [],
          state: state('PENDING', 'Pending'),
        },
      },
      { op: 'set_state', task_run_id: id, state: state('RUNNING', 'Running'), force: false },
      {
        op: 'set_state',
        task_run_id: id,
        state: state('COMPLETED', 'Completed', { data: i * 2 + 1 }),
        force: false,
      },
    ];
  });
  if (shape === 'await task(i)') return tasks.flat();
  return [...tasks.map((task) => task[0]), ...tasks.flatMap((task) => task.slice(1))];
}

async function feed(server, shape) {
  const { client } = server;
  const { id: flowId } = await client.createFlow({ name: 'bench-task-batches' });
  const run = await client.createFlowRun({ flow_id: flowId });
  await client.setFlowRunState(run.id, { state: { type: 'RUNNING' } });
  const items = itemsOf(shape, TASKS, randomIds.has(server.name) ? randomUUID : () => timeOrderedId());
  const before = treeCpuSeconds(server.group.pid);
  for (let start = 0; start < items.length; start += PER_BATCH) {
    await client.applyTaskRunBatch(run.id, {
      items: items.slice(start, start + PER_BATCH),
      defer_index: true,
      omit_states: true,
    });
  }
  // The index is written in the background: its CPU counts, so wait until D1 has every task run.
  while ((await client.countTaskRuns({ flow_runs: { id: { any_: [run.id] } } })) < TASKS) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return ((treeCpuSeconds(server.group.pid) - before) * 1000) / TASKS;
}

const servers = [];
try {
  for (const build of builds) {
    const server = await startLocal({
      name: build.name,
      script: 'scripts/server.mjs',
      env: { EDGEFLOW_LOG_LEVEL: 'warn', ...(build.path ? { EDGEFLOW_BUNDLE: build.path } : {}) },
    });
    server.client = new EdgeflowClient({ apiUrl: server.url, apiKey: DEV_KEY });
    servers.push(server);
  }
  const shapes = ['await task(i)', 'task.map'];
  // Warm-up: each server's first batches compile and open everything.
  for (const server of servers) for (const shape of shapes) await feed(server, shape);
  const figures = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    const line = [];
    for (const shape of shapes) {
      for (const server of order) {
        const ms = await feed(server, shape);
        const key = `${server.name}\u0000${shape}`;
        figures.set(key, [...(figures.get(key) ?? []), ms]);
        line.push(`${server.name} ${shape} ${ms.toFixed(3)}`);
      }
    }
    console.log(`round ${round + 1} (load ${loadavg()[0].toFixed(1)}): ${line.join(', ')} ms CPU/task`);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`server CPU per task, median of ${ROUNDS} [min–max], ${TASKS} tasks a run:`);
  for (const shape of shapes) {
    for (const server of servers) {
      const values = figures.get(`${server.name}\u0000${shape}`);
      console.log(
        `  ${shape.padEnd(14)} ${server.name.padEnd(8)} ${median(values).toFixed(3)} ms [${Math.min(...values).toFixed(3)}–${Math.max(...values).toFixed(3)}]`,
      );
    }
  }
} finally {
  for (const server of servers) await server.stop();
}
