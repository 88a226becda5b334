// `node bench/fsyncs.mjs`: fsyncs per request on the local server's `workerd`, counted with `strace`
// (fsync and fdatasync, every thread), for create, set_state RUNNING, set_state COMPLETED and a read, one
// request at a time (a read also after the objects were evicted) or from FSYNCS_CLIENTS clients. With FSYNCS_BUNDLES (as ROUTES_BUNDLES in
// bench/routes.mjs) it compares builds; FSYNCS_FILES=<prefix> writes which files each fsync was for.
//   FSYNCS_RUNS     flow runs per build (default 20)
//   FSYNCS_CLIENTS  concurrent clients (default 1)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_KEY } from '../test/e2e/harness.ts';
import { connectionPool, request } from './load/http.mjs';
import { flowBody, flowRunBody, setStateBody } from './load/prefect-bodies.mjs';
import { startLocal } from './load/servers.mjs';

const RUNS = Number(process.env.FSYNCS_RUNS ?? 20);
const CLIENTS = Number(process.env.FSYNCS_CLIENTS ?? 1);

/** Runs `operation(i)` for i < count, `CLIENTS` at a time. */
async function each(count, operation) {
  let next = 0;
  const client = async () => {
    while (next < count) await operation(next++);
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
}
const bundles = (process.env.FSYNCS_BUNDLES ?? 'current=')
  .split(',')
  .map((entry) => entry.split('='))
  .map(([name, path]) => ({ name, path }));

/** The `workerd` processes under `root` (the server's process tree). */
function workerdPids(root) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {}
  }
  const found = [];
  const walk = (pid) => {
    for (const child of children.get(pid) ?? []) {
      if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'workerd') found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

/** Counts fsync + fdatasync calls made by `pids` while `work` runs. */
async function countFsyncs(pids, work, label) {
  const args = [
    '-f',
    ...(process.env.FSYNCS_FILES ? ['-y', '-o', `${process.env.FSYNCS_FILES}.${label}`] : ['-c']),
    '-e',
    'trace=fsync,fdatasync',
    ...pids.flatMap((pid) => ['-p', String(pid)]),
  ];
  const tracer = spawn('strace', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let report = '';
  tracer.stderr.on('data', (chunk) => {
    report += chunk;
  });
  await sleep(1_000);
  await work();
  await sleep(500);
  tracer.kill('SIGINT');
  await new Promise((resolve) => tracer.on('exit', resolve));
  let calls = 0;
  for (const line of report.split('\n')) {
    const match = line.trim().match(/^[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync)$/);
    if (match) calls += Number(match[1]);
  }
  return calls;
}

const rows = [];
for (const bundle of bundles) {
  const server = await startLocal({
    name: bundle.name,
    script: 'scripts/server.mjs',
    env: { EDGEFLOW_LOG_LEVEL: 'warn', ...(bundle.path ? { EDGEFLOW_BUNDLE: bundle.path } : {}) },
  });
  try {
    const agent = connectionPool(CLIENTS);
    const send = (options) =>
      request(server.url, { ...options, headers: { authorization: `Bearer ${DEV_KEY}` }, agent });
    const flowId = (await send({ method: 'POST', path: '/api/flows', body: flowBody() })).body.id;
    await send({ method: 'POST', path: '/api/flow_runs', body: flowRunBody(flowId) });
    const pids = workerdPids(server.group.pid);
    const runs = [];
    const setState = (type) => (i) =>
      send({
        method: 'POST',
        path: `/api/flow_runs/${runs[i]}/set_state`,
        body: setStateBody(type, runs[i]),
      });
    const phases = {
      create: () =>
        each(RUNS, async (i) => {
          runs[i] = (
            await send({ method: 'POST', path: '/api/flow_runs', body: flowRunBody(flowId) })
          ).body.id;
        }),
      RUNNING: () => each(RUNS, setState('RUNNING')),
      COMPLETED: () => each(RUNS, setState('COMPLETED')),
      read: () => each(RUNS, (i) => send({ path: `/api/flow_runs/${runs[i]}` })),
      // workerd evicts an object ~10 s after its last request: this read wakes every one.
      'read (evicted)': async () => {
        await sleep(20_000);
        await each(RUNS, (i) => send({ path: `/api/flow_runs/${runs[i]}` }));
      },
    };
    const row = { build: bundle.name };
    for (const [phase, work] of Object.entries(phases))
      row[phase] = (await countFsyncs(pids, work, `${bundle.name}.${phase}`)) / RUNS;
    rows.push(row);
  } finally {
    await server.stop();
  }
}
console.log(`fsyncs per request (workerd, ${RUNS} requests per phase from ${CLIENTS} clients)`);
console.table(rows);
