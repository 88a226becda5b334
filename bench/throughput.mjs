// Burst throughput: 100 runs of a no-op flow with one task, created at once for one agent with
// --limit 8, run by warm reuse (the default) and by --isolation process, in the same run. Prints runs/s,
// burst pickup p50/p95 and the server's no-op request rate (GET /api/health) measured before each
// burst. Gate: warm reuse completes the burst at least 10x faster than --isolation process (exit 1
// otherwise); goals (≥ 50 runs/s, pickup p95 ≤ 2 s) are printed beside, with the CPU per run of the
// server and of the agent with its flow-run processes (from /proc). Not in CI: it is timing.
//   npm run bench:throughput [-- RUNS=100]   THROUGHPUT_ROUNDS=3 alternates the contenders' bursts three times
//   and reports and gates each by its median burst (default 1)
//   EDGEFLOW_API_URL to use a running server instead of starting
//   one (BENCH_SERVER_PGID: its process group, for the CPU column)
//   THROUGHPUT_BUNDLES=before=/tmp/before/index.js,after=   compares server builds instead (warm reuse only,
//   the same agent, one server per build, THROUGHPUT_ROUNDS bursts each, interleaved; no gate): a build
//   is a bundle `node scripts/server.mjs --prepare` made (.wrangler/deploy-bundle/index.js), empty for src/
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildAgentIfStale } from '../test/e2e/global-setup.ts';
import { DEV_KEY, SDK_URL, startAgent, startServer, tempProject } from '../test/e2e/harness.ts';
import { EdgeflowClient } from '../worker-agent/src/client/index.ts';

const RUNS = Number(process.argv[2] ?? 100);
const LIMIT = 8;
const GATE_RATIO = 10;
const GOAL_RUNS_PER_S = 50;
const GOAL_P95_MS = 2_000;
/**
 * Unmeasured runs before each burst, `LIMIT` at once, twice: the Worker's first requests, and the agent
 * in its steady state for this flow (with warm reuse, `LIMIT` warm processes; a first burst on a fresh
 * agent also pays for starting them, ~0.5 s of CPU each). Then the pool settles before measuring.
 */
const WARM_UP_ROUNDS = 2;
const SETTLE_MS = 3_000;
/**
 * Comparing builds, each burst waits past `workerd`'s ~10 s eviction of idle objects first: the other
 * server's last burst then closes its run objects before this one, not during it.
 */
const BUILDS_SETTLE_MS = 12_000;
const HEALTH_CLIENTS = 16;
const HEALTH_MS = 2_000;

const CONTENDERS = [
  { label: 'warm reuse', pool: 'bench-burst-warm', args: [] },
  { label: '--isolation process', pool: 'bench-burst-process', args: ['--isolation', 'process'] },
];

// The first line of the flow records when it started; then one task, as a no-op flow has.
const FLOW = `
import { appendFileSync } from 'node:fs';
import { flow, task } from '${SDK_URL}';

const noop = task((): number => 1, { name: 'noop' });

export const burst = flow(async ({ file, tag }: { file: string; tag: string }): Promise<number> => {
  appendFileSync(file, \`\${tag} \${Date.now()}\\n\`);
  return noop();
}, { name: 'burst' });
`;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Requests/s of GET /api/health from `HEALTH_CLIENTS` clients, one request in flight each. */
async function healthRate(url) {
  const http = process.getBuiltinModule('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: HEALTH_CLIENTS });
  const get = () =>
    new Promise((done, fail) => {
      http
        .get(`${url}/api/health`, { agent }, (response) => {
          response.resume();
          response.on('end', () =>
            response.statusCode === 200 ? done() : fail(new Error(`${response.statusCode}`)),
          );
        })
        .on('error', fail);
    });
  let count = 0;
  const until = performance.now() + HEALTH_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: HEALTH_CLIENTS }, async () => {
      while (performance.now() < until) {
        await get();
        count++;
      }
    }),
  );
  const rate = (count / (performance.now() - started)) * 1000;
  agent.destroy();
  return rate;
}

/**
 * CPU ms used so far by a process group: its live members and the children they have reaped (a
 * flow-run process that exited counts through its agent). Linux only; null elsewhere.
 */
function groupCpuMs(pgid) {
  if (!pgid || !existsSync('/proc/self/stat')) return null;
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the command: state ppid pgrp …, utime stime cutime cstime at 11..14 (0-based).
      if (Number(fields[2]) === pgid)
        ticks += fields.slice(11, 15).reduce((sum, value) => sum + Number(value), 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks * 10;
}

buildAgentIfStale();
const external = process.env.EDGEFLOW_API_URL;
const bundles = process.env.THROUGHPUT_BUNDLES?.split(',').map((entry) => {
  const [label, path = ''] = entry.split('=');
  return { label, path };
});
const server = bundles
  ? null
  : external
    ? {
        url: external,
        client: new EdgeflowClient({ apiUrl: external, apiKey: process.env.EDGEFLOW_API_KEY ?? DEV_KEY }),
        // Its process group, for the CPU column (BENCH_SERVER_PGID); unknown otherwise.
        process: process.env.BENCH_SERVER_PGID ? { pid: Number(process.env.BENCH_SERVER_PGID) } : undefined,
        stop: async () => undefined,
      }
    : await startServer();
const project = tempProject({ 'flows/burst.ts': FLOW });
const file = join(project.dir, 'started.txt');
const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);
const startedAt = () =>
  new Map(
    lines()
      .map((line) => line.split(' '))
      .map(([tag, at]) => [tag, Number(at)]),
  );

async function waitForLines(tags, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = startedAt();
    if (tags.every((tag) => seen.has(tag))) return;
    if (Date.now() > deadline)
      throw new Error(`only ${tags.filter((tag) => seen.has(tag)).length}/${tags.length} runs started`);
    await sleep(50);
  }
}

/** Polls until every run has ended; the runs as the server has them. */
async function waitForEnds(server, ids, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await server.client.filterFlowRuns({ flow_runs: { id: { any_: ids } }, limit: ids.length });
    if (runs.length === ids.length && runs.every((run) => run.end_time !== null)) return runs;
    if (Date.now() > deadline) throw new Error('the burst did not finish in time');
    await sleep(200);
  }
}

async function burst(server, contender, flowId, round = 0) {
  const agent = await startAgent({
    server,
    pool: contender.pool,
    cwd: project.dir,
    args: ['--limit', String(LIMIT), ...contender.args],
  });
  try {
    const create = (tag) =>
      server.client.createFlowRun({
        flow_id: flowId,
        work_pool_name: contender.pool,
        entrypoint: 'flows/burst.ts:burst',
        parameters: { file, tag },
      });
    for (let round = 0; round < WARM_UP_ROUNDS; round++) {
      const warmUps = await Promise.all(
        Array.from({ length: LIMIT }, (_, i) => create(`${contender.pool}-warm-${round}-${i}`)),
      );
      await waitForEnds(
        server,
        warmUps.map((run) => run.id),
        120_000,
      );
    }
    await sleep(bundles ? BUILDS_SETTLE_MS : SETTLE_MS);
    const health = await healthRate(server.url);

    const tags = Array.from({ length: RUNS }, (_, i) => `${contender.pool}-${round}-${i}`);
    const cpuBefore = { server: groupCpuMs(server.process?.pid), agent: groupCpuMs(agent.pid) };
    const begin = Date.now();
    const runs = await Promise.all(tags.map(create));
    const created = Date.now();
    await waitForLines(tags, 600_000);
    const ended = await waitForEnds(
      server,
      runs.map((run) => run.id),
      600_000,
    );
    const cpuAfter = { server: groupCpuMs(server.process?.pid), agent: groupCpuMs(agent.pid) };
    const lastEnd = Math.max(...ended.map((run) => Date.parse(run.end_time)));
    const failed = ended.filter((run) => run.state_type !== 'COMPLETED');
    if (failed.length > 0) throw new Error(`${failed.length} runs did not complete: ${failed[0].state_name}`);

    const seen = startedAt();
    const pickups = runs
      .map(
        (run, i) => seen.get(tags[i]) - Date.parse(run.next_scheduled_start_time ?? run.expected_start_time),
      )
      .sort((a, b) => a - b);
    const seconds = (lastEnd - begin) / 1000;
    return {
      contender,
      seconds,
      createSeconds: (created - begin) / 1000,
      runsPerSecond: RUNS / seconds,
      p50: percentile(pickups, 50),
      p95: percentile(pickups, 95),
      health,
      cpuPerRun: Object.fromEntries(
        ['server', 'agent'].map((side) => [
          side,
          cpuBefore[side] === null ? null : (cpuAfter[side] - cpuBefore[side]) / RUNS,
        ]),
      ),
      notReused: (agent.output.match(/its process is not reused/g) ?? []).length,
    };
  } finally {
    await agent.stop('SIGTERM', 10_000);
  }
}

/** The median of `values`, ordered by `key` (the values themselves by default). */
const median = (values, key = (value) => value) =>
  [...values].sort((a, b) => key(a) - key(b))[Math.floor(values.length / 2)];

/** THROUGHPUT_BUNDLES: each build's warm bursts, interleaved round by round, medians side by side. */
async function compareBuilds() {
  const rounds = Number(process.env.THROUGHPUT_ROUNDS ?? 3);
  const contenders = [];
  try {
    for (const bundle of bundles) {
      if (bundle.path) process.env.EDGEFLOW_BUNDLE = bundle.path;
      else delete process.env.EDGEFLOW_BUNDLE;
      const started = await startServer();
      const flow = await started.client.createFlow({ name: 'burst' });
      contenders.push({ bundle, server: started, flowId: flow.id, results: [] });
    }
    const warm = { ...CONTENDERS[0], pool: 'bench-builds' };
    for (let round = 0; round < rounds; round++) {
      for (const contender of contenders) {
        process.stderr.write(`round ${round + 1}/${rounds}: ${contender.bundle.label}\n`);
        contender.results.push(await burst(contender.server, warm, contender.flowId, round));
      }
    }
  } finally {
    for (const contender of contenders) await contender.server.stop();
    project.remove();
  }
  console.log(
    `\nwarm bursts of ${RUNS} runs, --limit ${LIMIT}, ${rounds} rounds per build (medians; each round in brackets); load average ${loadavg()[0].toFixed(1)}\n`,
  );
  const list = (values, digits) => `[${values.map((value) => value.toFixed(digits)).join(', ')}]`;
  for (const { bundle, results } of contenders) {
    const seconds = results.map((result) => result.seconds);
    const cpu = results.map((result) => result.cpuPerRun.server);
    const p95 = results.map((result) => result.p95);
    console.log(
      `${bundle.label.padEnd(10)} burst ${median(seconds).toFixed(2)} s ${list(seconds, 2)}  server CPU/run ${median(cpu).toFixed(1)} ms ${list(cpu, 1)}  pickup p95 ${median(p95).toFixed(0)} ms`,
    );
  }
  const [first, last] = [contenders[0], contenders.at(-1)];
  const ratio = (pick) => median(first.results.map(pick)) / median(last.results.map(pick));
  console.log(
    `\n${last.bundle.label} vs ${first.bundle.label}: bursts ${ratio((result) => result.seconds).toFixed(2)}x as fast, server CPU per run ${ratio((result) => result.cpuPerRun.server).toFixed(2)}x less`,
  );
}

if (bundles) {
  await compareBuilds();
  process.exit(0);
}

let exitCode = 0;
try {
  const flow = await server.client.createFlow({ name: 'burst' });
  // THROUGHPUT_ROUNDS > 1: the contenders take turns, round after round, and each is judged by its median
  // burst; a single burst on a shared machine can swing by a fifth either way.
  const rounds = Number(process.env.THROUGHPUT_ROUNDS ?? 1);
  const bursts = CONTENDERS.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, contender] of CONTENDERS.entries()) {
      process.stderr.write(
        `${contender.label}: ${RUNS} runs at once, --limit ${LIMIT} (round ${round + 1}/${rounds})\n`,
      );
      bursts[i].push(await burst(server, contender, flow.id, round));
    }
  }
  // Each contender is reported and gated by its median burst.
  const results = bursts.map((each) => median(each, (result) => result.seconds));

  const s = (value) => `${value.toFixed(2).padStart(7)} s`;
  const ms = (value) => `${value.toFixed(0).padStart(6)} ms`;
  const cpu = (value) => (value === null ? 'n/a' : `${value.toFixed(1)} ms`);
  console.log(
    `\nburst of ${RUNS} runs (no-op flow, one task), one agent --limit ${LIMIT}; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores\n`,
  );
  console.log(
    `${'contender'.padEnd(22)} ${'burst'.padStart(9)} ${'runs/s'.padStart(8)} ${'pickup p50'.padStart(10)} ${'p95'.padStart(9)} ${'creates'.padStart(9)} ${'health req/s'.padStart(13)} ${'CPU/run: server'.padStart(16)} ${'agent'.padStart(9)}`,
  );
  for (const result of results) {
    console.log(
      `${result.contender.label.padEnd(22)} ${s(result.seconds)} ${result.runsPerSecond.toFixed(1).padStart(8)} ${ms(result.p50).padStart(10)} ${ms(result.p95)} ${s(result.createSeconds)} ${result.health.toFixed(0).padStart(13)} ${cpu(result.cpuPerRun.server).padStart(16)} ${cpu(result.cpuPerRun.agent).padStart(9)}`,
    );
  }
  if (rounds > 1) {
    for (const [i, contender] of CONTENDERS.entries()) {
      const each = bursts[i].map((result) => result.seconds.toFixed(2)).join(', ');
      console.log(`${contender.label}: bursts [${each}] s, the median above`);
    }
  }
  const [warm, isolated] = results;
  const ratio = isolated.seconds / warm.seconds;
  const gate = ratio >= GATE_RATIO;
  console.log(
    `\ngate: warm reuse completes the burst ${ratio.toFixed(1)}x faster than --isolation process (need ≥ ${GATE_RATIO}x): ${gate ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `goals (reported, not gated): ${warm.runsPerSecond.toFixed(1)} runs/s (goal ≥ ${GOAL_RUNS_PER_S}), pickup p95 ${warm.p95.toFixed(0)} ms (goal ≤ ${GOAL_P95_MS})`,
  );
  if (warm.notReused > 0)
    console.log(`note: the warm agent ended ${warm.notReused} processes early (see its output)`);
  if (!gate) exitCode = 1;
} finally {
  await server.stop();
  project.remove();
}
process.exit(exitCode);
