// The dashboard at scale: seeds N flow runs (through the API, so through the run objects) and one run
// with T task runs (the task batch endpoint), then prints each page's server render time and how long
// Chromium takes to open the run's graph, collapsed and with all T task runs expanded, and its frame
// times while panning and zooming. Never gates CI (docs/dashboard.md, "Scale").
//   node bench/dashboard.mjs [N=20000] [T=10000]     EDGEFLOW_API_URL to use a running server
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { startServer } from '../test/e2e/harness.ts';

const RUNS = Number(process.argv[2] ?? 20_000);
const TASKS = Number(process.argv[3] ?? 10_000);
const KEY = process.env.EDGEFLOW_API_KEY ?? 'edgeflow-dev-key';
const external = process.env.EDGEFLOW_API_URL;
const server = external ? null : await startServer();
const url = external ?? server.url;
const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

/** An API call, sent again after a dropped connection: every seeding call here is idempotent. */
async function api(method, path, body, attempts = 3) {
  try {
    const response = await fetch(`${url}/api${path}`, {
      method,
      headers,
      body: body && JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  } catch (error) {
    if (attempts <= 1 || !(error instanceof TypeError)) throw error;
    await new Promise((resolve) => setTimeout(resolve, 500));
    return api(method, path, body, attempts - 1);
  }
}

/** Runs `work(i)` for i < count, `width` at a time. */
async function inParallel(count, width, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

const STATES = [
  'COMPLETED',
  'COMPLETED',
  'COMPLETED',
  'COMPLETED',
  'FAILED',
  'PENDING',
  'RUNNING',
  'CANCELLED',
];

/** Runs go in bulk (POST /flow_runs/bulk, 500 a request, 2 requests at a time), each through its run object. */
const BULK = 500;

async function seedRuns(flows) {
  const started = performance.now();
  const requests = Math.ceil(RUNS / BULK);
  await inParallel(requests, 2, async (r) => {
    const flow_runs = [];
    for (let i = r * BULK; i < Math.min(RUNS, (r + 1) * BULK); i++) {
      flow_runs.push({
        flow_id: flows[i % flows.length],
        tags: [`shard-${i % 20}`],
        parameters: { i },
        idempotency_key: `bench-dashboard-${i}`,
        state: { type: STATES[i % STATES.length] },
      });
    }
    // An item whose object failed (503) is sent again: its idempotency key keeps it from doubling.
    let pending = flow_runs;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const { results } = await api('POST', '/flow_runs/bulk', { flow_runs: pending });
      const failed = results.filter((result) => result.status >= 400);
      if (failed.some((result) => result.status !== 503) || (failed.length > 0 && attempt === 3))
        throw new Error(`bulk create: ${JSON.stringify(failed[0])}`);
      pending = failed.map((result) => pending[result.index]);
    }
    if (((r + 1) * BULK) % 5000 === 0) console.log(`  ${(r + 1) * BULK} runs seeded`);
  });
  return performance.now() - started;
}

/** One run with TASKS task runs: a seed task, a map fed by it, and a total that takes them all. */
async function seedTaskRun(flowId) {
  const run = await api('POST', '/flow_runs', {
    flow_id: flowId,
    idempotency_key: 'bench-dashboard-tasks',
    state: { type: 'RUNNING' },
  });
  const at = (s) => new Date(Date.now() - 60_000 + s).toISOString();
  const seed = crypto.randomUUID();
  const mapped = Array.from({ length: TASKS - 2 }, () => crypto.randomUUID());
  const create = (id, key, n, inputs, i) => ({
    op: 'create',
    task_run: {
      id,
      task_key: key,
      dynamic_key: String(n),
      name: `${key}-${n}`,
      task_inputs: inputs,
      state: { type: i % 97 === 0 ? 'FAILED' : 'COMPLETED', timestamp: at(i * 3) },
    },
  });
  const items = [
    create(seed, 'seed', 0, {}, 1),
    ...mapped.map((id, n) => create(id, 'double', n, { x: [{ input_type: 'task_run', id: seed }] }, n + 2)),
    create(
      crypto.randomUUID(),
      'total',
      0,
      { xs: mapped.map((id) => ({ input_type: 'task_run', id })) },
      TASKS,
    ),
  ];
  for (let start = 0; start < items.length; start += 1000) {
    await api('POST', `/flow_runs/${run.id}/task_runs/batch`, { items: items.slice(start, start + 1000) });
  }
  return run.id;
}

/** Median and slowest of `times` requests of `path` (after one warm-up), as the client times them. */
async function renderTime(path, times = 5) {
  const once = async () => {
    const started = performance.now();
    const response = await fetch(`${url}${path}`, { headers });
    const bytes = (await response.arrayBuffer()).byteLength;
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return { ms: performance.now() - started, bytes, etag: response.headers.get('etag') };
  };
  const first = await once();
  const samples = [];
  for (let i = 0; i < times; i++) samples.push((await once()).ms);
  samples.sort((a, b) => a - b);
  return {
    median: samples[Math.floor(times / 2)],
    max: samples.at(-1),
    bytes: first.bytes,
    etag: first.etag,
  };
}

async function pollTime(path) {
  const { etag } = await renderTime(path, 1);
  const samples = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const response = await fetch(`${url}${path}`, { headers: { ...headers, 'if-none-match': etag } });
    await response.arrayBuffer();
    samples.push({ ms: performance.now() - started, status: response.status });
  }
  samples.sort((a, b) => a.ms - b.ms);
  return samples[2];
}

async function graphInChromium(runId) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  try {
    const context = await browser.newContext({
      extraHTTPHeaders: { authorization: `Bearer ${KEY}` },
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(`${url}/runs/${runId}`);
    await page.waitForSelector('#run-graph[data-ready="true"]', { timeout: 60_000 });
    const collapsed = await page.evaluate(() => performance.now());
    await page.click('.graph-groups summary');
    const clicked = await page.evaluate(() => performance.now());
    await page.click('#graph-list button[data-group]');
    await page.waitForSelector(`#run-graph[data-nodes="${TASKS}"]`, { timeout: 60_000 });
    const expanded = await page.evaluate(
      () => new Promise((done) => requestAnimationFrame(() => done(performance.now()))),
    );
    // Frames while the whole graph is in view (the most to draw): drag across it and zoom in and out.
    const canvas = await page.$('#run-graph');
    const box = await canvas.boundingBox();
    await page.evaluate(() => {
      document.getElementById('run-graph').dataset.measure = 'true';
      window.benchFrames = [];
      let last = performance.now();
      const loop = (now) => {
        window.benchFrames.push(now - last);
        last = now;
        if (window.benchFrames.length < 400) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 0; i < 60; i++)
      await page.mouse.move(box.x + box.width / 2 + i * 4, box.y + box.height / 2 + i * 2);
    await page.mouse.up();
    for (let i = 0; i < 30; i++) await page.mouse.wheel(0, i < 15 ? -120 : 120);
    const frames = await page.evaluate(() => window.benchFrames.slice(5).sort((a, b) => a - b));
    const paints = await page.evaluate(() =>
      performance
        .getEntriesByName('graph-paint')
        .map((entry) => entry.duration)
        .sort((a, b) => a - b),
    );
    const pick = (list, q) => list[Math.min(list.length - 1, Math.floor(list.length * q))];
    return {
      collapsedMs: collapsed,
      expandMs: expanded - clicked,
      frames: frames.length,
      medianFrame: pick(frames, 0.5),
      p95Frame: pick(frames, 0.95),
      paints: paints.length,
      medianPaint: pick(paints, 0.5),
      p95Paint: pick(paints, 0.95),
    };
  } finally {
    await browser.close();
  }
}

try {
  console.log(`dashboard bench: ${RUNS} flow runs, one run of ${TASKS} task runs; ${cpus().length} cores`);
  const flows = [];
  for (let i = 0; i < 10; i++) flows.push((await api('POST', '/flows', { name: `bench-dashboard-${i}` })).id);
  const seededMs = await seedRuns(flows);
  console.log(
    `seeded ${RUNS} runs in ${(seededMs / 1000).toFixed(0)} s (bulk creates of ${BULK}, 2 at a time)`,
  );
  const runId = await seedTaskRun(flows[0]);
  console.log(
    `seeded a run of ${TASKS} task runs (${Math.ceil(TASKS / 1000)} batches); load average ${loadavg()[0].toFixed(1)}`,
  );

  const pages = [
    ['overview', '/'],
    ['runs, first page', '/runs?range=all'],
    ['runs, state filter', '/runs?state=FAILED&range=all'],
    ['runs, tag filter', '/runs?tag=shard-3&range=all'],
    ['runs, page 300', '/runs?range=all&page=300'],
    ['runs live region', '/runs/live?range=all'],
    [`run page (${TASKS} tasks)`, `/runs/${runId}`],
    ['run graph, grouped', `/runs/${runId}/graph`],
    ['run graph, expanded', `/runs/${runId}/graph?expand=double`],
  ];
  console.log('\nserver time per page (client-timed on localhost: median / slowest of 5, after a warm-up)');
  for (const [label, path] of pages) {
    const { median, max, bytes } = await renderTime(path);
    console.log(
      `  ${label.padEnd(24)} ${median.toFixed(0).padStart(5)} ms / ${max.toFixed(0).padStart(5)} ms  ${(bytes / 1024).toFixed(0).padStart(6)} KB`,
    );
  }
  const poll = await pollTime('/runs/live?range=all');
  console.log(`  unchanged poll (304)     ${poll.ms.toFixed(0).padStart(5)} ms  (HTTP ${poll.status})`);

  const graph = await graphInChromium(runId);
  console.log(`\nChromium, run page of ${TASKS} task runs`);
  console.log(`  graph drawn, grouped:      ${graph.collapsedMs.toFixed(0)} ms from navigation`);
  console.log(
    `  all ${TASKS} expanded:     ${graph.expandMs.toFixed(0)} ms from the click to the first frame`,
  );
  console.log(
    `  panning and zooming:       drawing a frame ${graph.medianPaint.toFixed(1)} ms (median), ${graph.p95Paint.toFixed(1)} ms (p95) of ${graph.paints}; frame interval median ${graph.medianFrame.toFixed(1)} ms, p95 ${graph.p95Frame.toFixed(1)} ms`,
  );
  console.log(`load average at the end ${loadavg()[0].toFixed(1)}`);
} finally {
  await server?.stop();
}
