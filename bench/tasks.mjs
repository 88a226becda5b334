// Orchestration overhead of tasks: a flow of N trivial tasks against the same body as plain calls, both
// run by the SDK's engine against the real local server (`npm run server`), in the same process and
// the same round. Overhead per task = (flow with tasks − flow with plain calls) / N, wall clock.
// "SDK CPU" is this process's CPU per task; "server CPU" is the local server's workerd processes'.
// Gate (docs/sdk.md, "Measured overhead"): the median round's overhead must be ≤ 0.4 ms per task for
// both `await task(i)` and `task.map`, else the exit code is 1. The machine is shared: each round
// prints its own figures and the summary gives the spread.
//   node bench/tasks.mjs [N=10000] [ROUNDS=3]   EDGEFLOW_API_URL to use a running server instead
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startServer } from '../test/e2e/harness.ts';
import { EdgeflowClient } from '../worker-agent/src/client/index.ts';
import { flow, flowDefinitionOf, runFlowRun, task } from '../worker-agent/src/sdk/index.ts';

const N = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const GATE_MS = 0.4;
const GOAL_MS = 0.25;

const external = process.env.EDGEFLOW_API_URL;
const server = external ? null : await startServer();
const client =
  server?.client ??
  new EdgeflowClient({ apiUrl: external, apiKey: process.env.EDGEFLOW_API_KEY ?? 'edgeflow-dev-key' });

/** CPU milliseconds used so far by the server we started (every process in its group), or null. */
function serverCpuMs() {
  if (!server) return null;
  const group = server.process.pid;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after "(comm) ": state ppid pgrp … utime (12th) stime (13th).
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(fields[2]) === group) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux.
}

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
  const serverBefore = serverCpuMs();
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
  const serverAfter = serverCpuMs();
  if (outcome.kind !== 'final' || outcome.state.type !== 'COMPLETED') {
    throw new Error(`${name} did not complete: ${JSON.stringify(outcome).slice(0, 500)}`);
  }
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    serverCpuMs: serverBefore === null ? null : serverAfter - serverBefore,
    run,
  };
}

async function countTaskRuns(flowRunId) {
  let total = 0;
  for (let offset = 0; ; offset += 1000) {
    const page = await client.listTaskRuns(flowRunId, offset, 1000);
    total += page.filter((run) => run.state_type === 'COMPLETED').length;
    if (page.length < 1000) return total;
  }
}

const perTask = (ms) => (ms / N).toFixed(3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One round: the baseline and both task flows back to back, so they share the machine's mood. */
async function round(index) {
  const plain = await timed(plainFlow, 'bench-plain');
  const rows = [];
  for (const [label, definition, name] of [
    ['await task(i)', taskFlow, 'bench-tasks'],
    ['task.map(items)', mapFlow, 'bench-map'],
  ]) {
    const result = await timed(definition, name);
    const completed = await countTaskRuns(result.run.id);
    if (completed !== N) throw new Error(`${label}: ${completed}/${N} task runs COMPLETED in the run object`);
    rows.push({ label, result, overhead: (result.ms - plain.ms) / N });
  }
  console.log(
    `round ${index + 1} (load ${loadavg()[0].toFixed(1)}): plain calls ${plain.ms.toFixed(0)} ms for ${N}`,
  );
  for (const { label, result, overhead } of rows) {
    const server = result.serverCpuMs === null ? '' : `, server CPU ${perTask(result.serverCpuMs)}`;
    console.log(
      `  ${label.padEnd(16)} ${result.ms.toFixed(0).padStart(6)} ms  ${((N / result.ms) * 1000).toFixed(0).padStart(6)} tasks/s  overhead ${overhead.toFixed(3)} ms/task (SDK CPU ${perTask(result.cpuMs - plain.cpuMs)}${server})  ratio ${(result.ms / plain.ms).toFixed(1)}x`,
    );
  }
  return { rows, sequentialRunId: rows[0].result.run.id };
}

let failed = false;
try {
  // Warm-up: connections, zod schemas, the Worker's first requests.
  await timed(
    flow(async () => trivial(1), { name: 'bench-warm' }),
    'bench-warm',
  );
  console.log(
    `tasks: ${N} trivial tasks per flow run, engine in this process, local server; ${ROUNDS} rounds on ${cpus().length} cores`,
  );
  const rounds = [];
  for (let index = 0; index < ROUNDS; index++) rounds.push(await round(index));
  const indexed = await client.countTaskRuns({
    flow_runs: { id: { any_: [rounds.at(-1).sequentialRunId] } },
  });
  if (indexed !== N)
    throw new Error(`the D1 index shows ${indexed}/${N} task runs of the last sequential run`);
  console.log(`summary (median of ${ROUNDS}, [min–max]); gate ≤ ${GATE_MS} ms/task, goal ${GOAL_MS}:`);
  for (const [column, label] of [
    [0, 'await task(i)'],
    [1, 'task.map(items)'],
  ]) {
    const overheads = rounds.map((r) => r.rows[column].overhead);
    const value = median(overheads);
    const verdict = value <= GOAL_MS ? 'goal met' : value <= GATE_MS ? 'gate met' : 'ABOVE THE GATE';
    if (value > GATE_MS) failed = true;
    console.log(
      `  ${label.padEnd(16)} overhead ${value.toFixed(3)} ms/task [${Math.min(...overheads).toFixed(3)}–${Math.max(...overheads).toFixed(3)}]  ${verdict}`,
    );
  }
} finally {
  await server?.stop();
}
process.exit(failed ? 1 : 0);
