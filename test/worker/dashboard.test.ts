// The dashboard's pages inside workerd: they take a key like the API, a read key sees every page with
// its change buttons disabled, live regions answer 304 until their content changes, and the graph and
// log endpoints read the run's object and the index (docs/dashboard.md).
import { env, exports } from 'cloudflare:workers';
import type { FlowRun, OrchestrationResult } from 'edgeflow/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { type RunAction, runActionCall } from '../../src/domain/dashboard';
import { flowRunObject } from '../../src/durable/objects';
import { ADMIN_KEY, api, createFlow } from './api';
import { createDeployment } from './deployments-api';
import { createPool, createPoolRun } from './pools';

async function get(path: string, key: string | null = ADMIN_KEY, headers: Record<string, string> = {}) {
  const response = await exports.default.fetch(`http://edgeflow.test${path}`, {
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    redirect: 'manual',
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

let readKey: string;
beforeAll(async () => {
  const { body } = await api<{ key: string }>('POST', '/api_keys', {
    name: 'dashboard reader',
    scope: 'read',
  });
  readKey = body.key;
});

describe('dashboard pages', () => {
  it('serves every page to a read key, and sends a request without one to sign in first', async () => {
    const run = await createPoolRun(await createPool());
    const deployment = await createDeployment();
    const pages = [
      '/',
      '/runs',
      `/runs/${run.id}`,
      '/flows',
      '/deployments',
      `/deployments/${deployment.id}`,
    ];
    for (const path of [...pages, '/work-pools', '/concurrency']) {
      const page = await get(path, readKey);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(page.text, path).toMatch(/^<!doctype html>/);
      const anonymous = await get(path, null);
      expect(anonymous.status, path).toBe(303);
      expect(anonymous.headers.get('location'), path).toBe(
        path === '/' ? '/signin' : `/signin?next=${encodeURIComponent(path)}`,
      );
      expect(anonymous.text, path).not.toMatch(/<!doctype html>/);
    }
  });

  it('shows API keys and webhooks only to a key that may read them through the API (admin)', async () => {
    for (const path of ['/api-keys', '/webhooks']) {
      const refused = await get(path, readKey);
      expect(refused.status, path).toBe(403);
      expect(refused.text, path).toContain('needs a key with the <strong>admin</strong> scope');
      expect((await get(path)).status, path).toBe(200);
    }
  });

  it('has only GET routes, since every dashboard path takes just a read key', () => {
    // Signing in and out are the exceptions: public, each checks its own Origin (docs/dashboard.md).
    const signInForms = new Set(['POST /signin', 'POST /signout']);
    const pages = createApp().routes.filter(
      (route) => !route.path.startsWith('/api') && !signInForms.has(`${route.method} ${route.path}`),
    );
    expect(pages.length).toBeGreaterThan(5);
    for (const route of pages)
      expect(['GET', 'ALL'], `${route.method} ${route.path}`).toContain(route.method);
  });

  it("disables a run's Cancel for a read key and enables it for a key whose scope the route takes", async () => {
    const run = await createPoolRun(await createPool());
    const cancel = /<button[^>]*id="run-cancel"[^>]*>/;
    const forReader = cancel.exec((await get(`/runs/${run.id}`, readKey)).text)?.[0];
    const forAdmin = cancel.exec((await get(`/runs/${run.id}`)).text)?.[0];
    expect(forReader).toContain('disabled');
    expect(forReader).toContain('Needs a key with the agent scope; this key is read.');
    expect(forAdmin).toBeDefined();
    expect(forAdmin).not.toContain('disabled');
  });

  it('answers a 404 page for a run that does not exist', async () => {
    const page = await get(`/runs/${crypto.randomUUID()}`);
    expect(page.status).toBe(404);
    expect(page.text).toContain('Flow run not found');
  });
});

describe("a run page's buttons", () => {
  /** Sends what the button for `action` sends (its data-call), as the page's script does. */
  async function press(action: RunAction, runId: string) {
    const call = runActionCall(action, runId);
    return api<OrchestrationResult>(call.method, call.path.replace(/^\/api/, ''), call.body);
  }

  it('Retry schedules an ended run of a pool again through the rules, not by force', async () => {
    const run = await createPoolRun(await createPool());
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'FAILED' }, force: true });
    const { status, body } = await press('retry', run.id);
    expect(status).toBe(201);
    expect(body.state).toMatchObject({ type: 'SCHEDULED', name: 'AwaitingRetry' });
  });

  it('Resume moves a paused run on, and Cancel cancels a run no agent holds outright', async () => {
    const paused = await createPoolRun(await createPool());
    await api('POST', `/flow_runs/${paused.id}/set_state`, { state: { type: 'RUNNING' }, force: true });
    await api('POST', `/flow_runs/${paused.id}/set_state`, { state: { type: 'PAUSED' } });
    expect((await press('resume', paused.id)).body.state?.type).toBe('RUNNING');

    const waiting = await createPoolRun(await createPool());
    const cancelled = await press('cancel', waiting.id);
    expect(cancelled.body.state?.type).toBe('CANCELLED');
  });
});

describe('live regions', () => {
  it('answers 304 to a poll with the current ETag, and new content once the run changes', async () => {
    const run = await createPoolRun(await createPool());
    const path = `/runs/${run.id}/live?part=header`;
    const first = await get(path);
    const etag = first.headers.get('etag')!;
    expect(first.status).toBe(200);
    expect(first.text).toContain('Scheduled');
    expect((await get(path, ADMIN_KEY, { 'if-none-match': etag })).status).toBe(304);

    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'CANCELLED' } });
    const changed = await get(path, ADMIN_KEY, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.text).toContain('Cancelled');
  });

  it('lists a new run on the runs page poll of its filter', async () => {
    const pool = await createPool();
    const path = `/runs/live?pool=${pool}`;
    const before = await get(path);
    expect(before.text).toContain('No runs');
    const run = await createPoolRun(pool);
    const after = await get(path, ADMIN_KEY, { 'if-none-match': before.headers.get('etag')! });
    expect(after.status).toBe(200);
    expect(after.text).toContain(`data-run-id="${run.id}"`);
    expect(after.text).toContain('1–1 of 1 runs');
  });
});

describe('graph and logs', () => {
  async function runWithTasks(): Promise<{ run: FlowRun; ids: string[] }> {
    const flow_id = await createFlow();
    const { body: run } = await api<FlowRun>('POST', '/flow_runs', { flow_id });
    const ids = Array.from({ length: 6 }, () => crypto.randomUUID());
    const [seed, a, b, c, total, report] = ids as [string, string, string, string, string, string];
    const item = (id: string, key: string, n: number, inputs: Record<string, string[]> = {}) => ({
      op: 'create',
      task_run: {
        id,
        task_key: key,
        dynamic_key: String(n),
        name: `${key}-${n}`,
        task_inputs: Object.fromEntries(
          Object.entries(inputs).map(([name, from]) => [
            name,
            from.map((id) => ({ input_type: 'task_run', id })),
          ]),
        ),
        state: { type: 'COMPLETED' },
      },
    });
    const { status } = await api('POST', `/flow_runs/${run.id}/task_runs/batch`, {
      items: [
        item(seed, 'seed', 0),
        item(a, 'double', 0, { x: [seed] }),
        item(b, 'double', 1, { x: [seed] }),
        item(c, 'double', 2, { x: [seed] }),
        item(total, 'total', 0, { xs: [a, b, c] }),
        item(report, 'report', 0, { wait_for: [total] }),
      ],
    });
    expect(status).toBe(200);
    return { run, ids };
  }

  it("draws a run's task runs with edges from inputs and wait_for, its mapped task grouped until expanded", async () => {
    const { run } = await runWithTasks();
    const graph = JSON.parse((await get(`/runs/${run.id}/graph`)).text);
    expect(graph.total).toBe(6);
    expect(graph.nodes.map((node: unknown[]) => [node[0], node[2], node[4]])).toEqual([
      ['seed-0', 0, 1],
      ['double', 1, 3],
      ['total-0', 2, 1],
      ['report-0', 3, 1],
    ]);
    expect(graph.edges).toEqual([0, 1, 1, 2, 2, 3]);
    const expanded = JSON.parse((await get(`/runs/${run.id}/graph?expand=double`)).text);
    expect(expanded.nodes).toHaveLength(6);
  });

  it("answers a graph poll with 304 until a task run changes, or the run's state, or what is expanded", async () => {
    const { run, ids } = await runWithTasks();
    const path = `/runs/${run.id}/graph`;
    const first = await get(path);
    const tag = first.headers.get('etag')!;
    expect((await get(path, ADMIN_KEY, { 'if-none-match': tag })).status).toBe(304);
    expect((await get(`${path}?expand=double`, ADMIN_KEY, { 'if-none-match': tag })).status).toBe(200);

    await api('POST', `/flow_runs/${run.id}/task_runs/batch`, {
      items: [{ op: 'set_state', task_run_id: ids[5], state: { type: 'FAILED' }, force: true }],
    });
    const changed = await get(path, ADMIN_KEY, { 'if-none-match': tag });
    expect(changed.status).toBe(200);
    expect(JSON.parse(changed.text).nodes.at(-1)[1]).toBe('FAILED');

    const again = changed.headers.get('etag')!;
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'CANCELLED' }, force: true });
    const ended = await get(path, ADMIN_KEY, { 'if-none-match': again });
    expect(ended.status).toBe(200);
    expect(JSON.parse(ended.text).settled).toBe(true);
  });

  it('draws a task run whose document is too deep for SQLite JSON (stored before the edge limited depth)', async () => {
    const { run } = await runWithTasks();
    let data: unknown = 'bottom';
    for (let i = 0; i < 1000; i++) data = { down: data };
    // Straight to the object: the API refuses JSON this deep now, older runs may still hold it.
    const reply = await flowRunObject(env, run.id).applyTaskBatch([
      {
        op: 'create',
        task_run: {
          id: crypto.randomUUID(),
          task_key: 'deep',
          dynamic_key: '0',
          name: 'deep-0',
          tags: [],
          state: { type: 'COMPLETED', data },
        },
      },
    ]);
    expect(reply.kind).toBe('ok');
    const answer = await get(`/runs/${run.id}/graph`);
    expect(answer.status).toBe(200);
    const graph = JSON.parse(answer.text);
    expect(graph.total).toBe(7);
    expect(graph.nodes.map((node: unknown[]) => node[0])).toContain('deep-0');
  });

  it("streams a run's logs after a cursor, in arrival order, at or above a level", async () => {
    const { run } = await runWithTasks();
    const log = (message: string, level: number, timestamp: string) => ({
      flow_run_id: run.id,
      level,
      name: 'test',
      message,
      timestamp,
    });
    await api('POST', '/logs', [
      log('first', 20, '2026-01-01T00:00:02Z'),
      log('warned', 30, '2026-01-01T00:00:03Z'),
    ]);
    const first = JSON.parse((await get(`/runs/${run.id}/logs`)).text);
    expect(first.logs.map((line: unknown[]) => line[4])).toEqual(['first', 'warned']);
    // A line that arrives later with an earlier timestamp still comes after the cursor.
    await api('POST', '/logs', [log('late', 20, '2026-01-01T00:00:01Z')]);
    const cursor = first.logs.at(-1)[0];
    const next = JSON.parse((await get(`/runs/${run.id}/logs?after=${cursor}`)).text);
    expect(next.logs.map((line: unknown[]) => line[4])).toEqual(['late']);
    const warnings = JSON.parse((await get(`/runs/${run.id}/logs?level=30`)).text);
    expect(warnings.logs.map((line: unknown[]) => line[4])).toEqual(['warned']);
  });
});
