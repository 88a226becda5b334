// Pickup latency: from a flow run becoming due to the first line of its flow function, for our agent
// (long-poll claim, pre-started flow-run processes) and, in the same run, a baseline that polls every
// second (the same agent with --poll-interval-ms 1000, as Prefect's workers poll). Prints p50/p95 and
// the ratio; it gates nothing.
//   npm run bench [-- RUNS=100]       EDGEFLOW_API_URL to use a running server instead of starting one;
//                                     BENCH_INTERLEAVED=1 to alternate contenders run by run
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildAgentIfStale } from '../test/e2e/global-setup.ts';
import { DEV_KEY, startAgent, startServer, tempProject } from '../test/e2e/harness.ts';
import { EdgeflowClient } from '../worker-agent/src/client/index.ts';

const RUNS = Number(process.argv[2] ?? 100);
/** Runs become due one at a time, this far apart on average (jittered so none lines up with a poll),
 * so that the machine is not saturated by starting processes and the numbers are latency, not queueing. */
const SPACING_MS = 500;
/**
 * The contenders take turns, this many runs each, with the other idle (the poller still polls). Run
 * side by side instead (BENCH_INTERLEAVED=1, one run each in turn), each contender's runs also pay for
 * the other's process starts: ~0.5 s of CPU per run on a two-core machine shared by the server.
 */
const BLOCK = 10;
const BLOCK_PAUSE_MS = 1_500;
const INTERLEAVED = process.env.BENCH_INTERLEAVED === '1';

const CONTENDERS = [
  { label: 'edgeflow agent (long-poll)', pool: 'bench-long-poll', args: [] },
  { label: 'baseline (polls every 1 s)', pool: 'bench-poll-1s', args: ['--poll-interval-ms', '1000'] },
];

// The first line of the flow records the time; the rest of the file is what a user would write.
const FLOW = `
import { appendFileSync } from 'node:fs';

export function pickup({ file, tag }: { file: string; tag: string }): void {
  const at = Date.now();
  appendFileSync(file, \`\${tag} \${at}\\n\`);
}
`;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) };
}

const ms = (value) => `${value.toFixed(1).padStart(7)} ms`;

buildAgentIfStale();
const external = process.env.EDGEFLOW_API_URL;
const server = external
  ? {
      url: external,
      client: new EdgeflowClient({ apiUrl: external, apiKey: process.env.EDGEFLOW_API_KEY ?? DEV_KEY }),
      stop: async () => undefined,
    }
  : await startServer();
const project = tempProject({ 'flows/pickup.ts': FLOW });
const file = join(project.dir, 'pickups.txt');
const agents = [];

try {
  for (const contender of CONTENDERS) {
    agents.push(await startAgent({ server, pool: contender.pool, cwd: project.dir, args: contender.args }));
  }
  const flow = await server.client.createFlow({ name: 'pickup' });
  const due = new Map();
  const contenderOf = new Map();
  const create = async (contender, tag) => {
    const run = await server.client.createFlowRun({
      flow_id: flow.id,
      work_pool_name: contender.pool,
      entrypoint: 'flows/pickup.ts:pickup',
      parameters: { file, tag },
    });
    // Due at once: the server's scheduled time is the moment it was created.
    due.set(tag, Date.parse(run.next_scheduled_start_time ?? run.expected_start_time));
    contenderOf.set(tag, { contender, id: run.id });
  };

  // A few unmeasured runs first: the Worker's first requests, the agents' connections.
  for (let i = 0; i < 3; i++) await Promise.all(CONTENDERS.map((c) => create(c, `warm-${c.pool}-${i}`)));
  // Measure from a steady state: the warm-up runs started, and the processes replacing theirs are ready.
  await waitForLines(due.size);
  await sleep(2_000);
  const blockSize = INTERLEAVED ? 1 : BLOCK;
  process.stderr.write(
    `${RUNS} runs per contender, one every ~${SPACING_MS} ms, ${INTERLEAVED ? 'interleaved' : `in alternating blocks of ${BLOCK}`}\n`,
  );
  for (let first = 0; first < RUNS; first += blockSize) {
    for (const contender of (first / blockSize) % 2 ? [...CONTENDERS].reverse() : CONTENDERS) {
      for (let i = first; i < Math.min(RUNS, first + blockSize); i++) {
        await create(contender, `${contender.pool}-${i}`);
        await sleep(SPACING_MS / 2 + Math.random() * SPACING_MS);
      }
      // The block's last pickups (the poller's, up to a second late) and process starts end before the
      // next block, so one contender's work does not land in the other's measurements.
      if (!INTERLEAVED) {
        await waitForLines(due.size);
        await sleep(BLOCK_PAUSE_MS);
      }
    }
  }

  await waitForLines(due.size);
  const started = new Map(
    lines()
      .map((line) => line.split(' '))
      .map(([tag, at]) => [tag, Number(at)]),
  );

  const results = [];
  for (const contender of CONTENDERS) {
    const tags = [...due.keys()].filter(
      (tag) => contenderOf.get(tag).contender === contender && !tag.startsWith('warm-'),
    );
    results.push({ contender, tags, pickup: summary(tags.map((tag) => started.get(tag) - due.get(tag))) });
  }

  // Where our pickup goes, from the server's state history: due → PENDING (claim) → RUNNING → first line.
  const ours = results[0];
  const phases = { claim: [], start: [], call: [] };
  for (const tag of ours.tags) {
    const states = await server.client.readFlowRunStates(contenderOf.get(tag).id);
    const at = (type) => Date.parse(states.find((state) => state.type === type)?.timestamp ?? '');
    phases.claim.push(at('PENDING') - due.get(tag));
    phases.start.push(at('RUNNING') - at('PENDING'));
    phases.call.push(started.get(tag) - at('RUNNING'));
  }

  console.log(`\npickup latency, due → first line of the flow function (${RUNS} runs each, same run)\n`);
  console.log(`${'contender'.padEnd(30)} ${'p50'.padStart(10)} ${'p95'.padStart(10)} ${'max'.padStart(10)}`);
  for (const { contender, pickup } of results) {
    console.log(`${contender.label.padEnd(30)} ${ms(pickup.p50)} ${ms(pickup.p95)} ${ms(pickup.max)}`);
  }
  const [long, poll] = results.map((result) => result.pickup);
  console.log(
    `\nbaseline / edgeflow: p50 ${(poll.p50 / long.p50).toFixed(1)}x, p95 ${(poll.p95 / long.p95).toFixed(1)}x`,
  );
  console.log('\nedgeflow agent, by phase (p50 / p95):');
  console.log(`  due → PENDING (run object claimed) ${phaseLine(phases.claim)}`);
  console.log(`  PENDING → RUNNING (agent, process)  ${phaseLine(phases.start)}`);
  console.log(`  RUNNING → first line               ${phaseLine(phases.call)}`);
} finally {
  await Promise.all(agents.map((agent) => agent.stop('SIGTERM', 5_000)));
  await server.stop();
  project.remove();
}

function lines() {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

async function waitForLines(expected) {
  const deadline = Date.now() + 120_000;
  while (lines().length < expected) {
    if (Date.now() > deadline) throw new Error(`only ${lines().length} of ${expected} runs started`);
    await sleep(200);
  }
}

function phaseLine(values) {
  const { p50, p95 } = summary(values);
  return `${ms(p50)} / ${ms(p95)}`;
}
