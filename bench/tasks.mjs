// Orchestration overhead of tasks: a flow of N trivial tasks against the same body as plain calls, both
// run by the SDK's engine against the real local server (`npm run server`), in the same process.
// "SDK CPU" is this process's CPU per task (client side); the rest of the overhead is the server's.
//   node bench/tasks.mjs [N=10000]      EDGEFLOW_API_URL to use a running server instead of starting one
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startServer } from '../test/e2e/harness.ts';
import { EdgeflowClient } from '../worker-agent/src/client/index.ts';
import { flow, flowDefinitionOf, runFlowRun, task } from '../worker-agent/src/sdk/index.ts';

const N = Number(process.argv[2] ?? 10_000);
const external = process.env.EDGEFLOW_API_URL;
const server = external ? null : await startServer();
const client =
  server?.client ??
  new EdgeflowClient({ apiUrl: external, apiKey: process.env.EDGEFLOW_API_KEY ?? 'edgeflow-dev-key' });

const body = (i) => i * 2 + 1;
const trivial = task(body, { name: 'trivial' });

const plainFlow = flow(
  async () => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += await body(i);
    return sum;
  },
  { name: 'bench-plain' },
);

const taskFlow = flow(
  async () => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += await trivial(i);
    return sum;
  },
  { name: 'bench-tasks' },
);

const mapFlow = flow(
  async () => {
    const values = await Promise.all(trivial.map(Array.from({ length: N }, (_, i) => i)));
    return values.reduce((a, b) => a + b, 0);
  },
  { name: 'bench-map' },
);

async function timed(definition, name) {
  const { id: flowId } = await client.createFlow({ name });
  const run = await client.createFlowRun({ flow_id: flowId });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const outcome = await runFlowRun(flowDefinitionOf(definition, name), {
    flowRun: run,
    leaseId: undefined,
    client,
    log: () => undefined,
  });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  if (outcome.kind !== 'final' || outcome.state.type !== 'COMPLETED') {
    throw new Error(`${name} did not complete: ${JSON.stringify(outcome).slice(0, 500)}`);
  }
  return { ms, cpuMs, run };
}

async function countTaskRuns(flowRunId) {
  let total = 0;
  for (let offset = 0; ; offset += 1000) {
    const page = await client.listTaskRuns(flowRunId, offset, 1000);
    total += page.filter((run) => run.state_type === 'COMPLETED').length;
    if (page.length < 1000) return total;
  }
}

try {
  // Warm-up: connections, zod schemas, the Worker's first requests.
  await timed(
    flow(async () => trivial(1), { name: 'bench-warm' }),
    'bench-warm',
  );
  const plain = await timed(plainFlow, 'bench-plain');
  const sequential = await timed(taskFlow, 'bench-tasks');
  const mapped = await timed(mapFlow, 'bench-map');
  const [sequentialRuns, mappedRuns] = await Promise.all([
    countTaskRuns(sequential.run.id),
    countTaskRuns(mapped.run.id),
  ]);
  const indexed = await client.countTaskRuns({ flow_runs: { id: { any_: [sequential.run.id] } } });

  const line = (label, result, runs) => {
    const overheadMs = (result.ms - plain.ms) / N;
    console.log(
      `${label.padEnd(22)} ${result.ms.toFixed(0).padStart(7)} ms  ${((N / result.ms) * 1000).toFixed(0).padStart(7)} tasks/s  overhead ${overheadMs.toFixed(3)} ms/task (SDK CPU ${((result.cpuMs - plain.cpuMs) / N).toFixed(3)})  ratio ${(result.ms / plain.ms).toFixed(1)}x  task runs COMPLETED: ${runs}/${N}`,
    );
  };
  console.log(
    `tasks: ${N} trivial tasks, one flow run each, engine in this process, local server (wrangler dev); load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`,
  );
  console.log(
    `${'plain calls (baseline)'.padEnd(22)} ${plain.ms.toFixed(0).padStart(7)} ms  (flow run RUNNING → COMPLETED with ${N} plain calls)`,
  );
  line('await task(i)', sequential, sequentialRuns);
  line('task.map(items)', mapped, mappedRuns);
  console.log(`D1 index shows ${indexed} task runs for the sequential flow run`);
} finally {
  await server?.stop();
}
