// What Prefect 2's stock client sends, answered as Prefect answers it: trailing-slash paths, null for
// unset fields, state-history reads, logs with UUID ids, and a subflow's parent task run that follows
// the subflow's states (docs/prefect-compat.md).
import { env, exports } from 'cloudflare:workers';
import { createRoute } from '@hono/zod-openapi';
import type { FlowRun, OrchestrationResult, State, TaskRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { ApiError } from '../../src/api/errors';
import { requiresScope } from '../../src/api/route-scopes';
import { ADMIN_KEY, api, createFlow } from './api';

/** A Prefect-style PENDING proposal, every unset field null, as the client sends it. */
const PENDING = {
  type: 'PENDING',
  name: 'Pending',
  message: null,
  data: null,
  state_details: { flow_run_id: null, task_run_id: null, cache_key: null, scheduled_time: null },
};

async function createPrefectFlowRun(extra: Record<string, unknown> = {}): Promise<FlowRun> {
  const { status, body } = await api<FlowRun>('POST', '/flow_runs/', {
    flow_id: await createFlow(),
    name: `prefect-${crypto.randomUUID().slice(0, 8)}`,
    parameters: { x: 1 },
    context: {},
    tags: [],
    state: PENDING,
    deployment_id: null,
    infrastructure_document_id: null,
    idempotency_key: null,
    parent_task_run_id: null,
    flow_version: 'abc',
    empirical_policy: {
      max_retries: 0,
      retry_delay_seconds: 0,
      retries: null,
      retry_delay: null,
      pause_keys: [],
      resuming: false,
    },
    ...extra,
  });
  expect(status).toBe(201);
  return body;
}

async function createPrefectTaskRun(flowRunId: string, taskKey = '__main__.add'): Promise<TaskRun> {
  const { status, body } = await api<TaskRun>('POST', '/task_runs/', {
    name: 'add-0',
    flow_run_id: flowRunId,
    task_key: taskKey,
    dynamic_key: '0',
    cache_key: null,
    cache_expiration: null,
    task_version: null,
    empirical_policy: {
      max_retries: 0,
      retry_delay_seconds: 0,
      retries: 0,
      retry_delay: 0,
      retry_jitter_factor: null,
    },
    tags: [],
    task_inputs: { x: [], wait_for: [{ input_type: 'task_run', id: crypto.randomUUID() }] },
    state: PENDING,
  });
  expect(status).toBe(201);
  return body;
}

async function propose(kind: 'flow_runs' | 'task_runs', id: string, type: string, name: string) {
  const state = { ...PENDING, type, name };
  return api<OrchestrationResult>('POST', `/${kind}/${id}/set_state`, { state, force: false });
}

describe("Prefect's request shapes", () => {
  it('serves a collection path with its trailing slash as without it', async () => {
    const { status } = await api('POST', '/flows/', { name: `slash-${crypto.randomUUID()}`, tags: [] });
    expect(status).toBe(201);
    const run = await createPrefectFlowRun();
    expect((await api<FlowRun>('GET', `/flow_runs/${run.id}/`)).body.id).toBe(run.id);
  });

  it('takes null for every unset field of a flow run and task run create, and keeps task_inputs whole', async () => {
    const run = await createPrefectFlowRun();
    expect(run).toMatchObject({ parameters: { x: 1 }, state: { type: 'PENDING' }, deployment_id: null });
    const task = await createPrefectTaskRun(run.id);
    expect(task).toMatchObject({ dynamic_key: '0', cache_key: null, empirical_policy: { retries: 0 } });
    expect(task.task_inputs.wait_for?.[0]).toMatchObject({ input_type: 'task_run' });
  });

  it("reads a filter body whose unset fields are null, as Prefect's read_task_runs sends it", async () => {
    const run = await createPrefectFlowRun();
    const task = await createPrefectTaskRun(run.id);
    const { status, body } = await api<TaskRun[]>('POST', '/task_runs/filter', {
      flows: null,
      flow_runs: { id: { any_: [run.id] } },
      task_runs: { operator: 'and_', id: null, name: null, tags: null, state: null, flow_run_id: null },
      deployments: null,
      sort: null,
      limit: null,
      offset: 0,
    });
    expect(status).toBe(200);
    expect(body.map((t) => t.id)).toEqual([task.id]);
  });

  it('answers the state-history reads by query parameter, oldest first', async () => {
    const run = await createPrefectFlowRun();
    await propose('flow_runs', run.id, 'RUNNING', 'Running');
    const task = await createPrefectTaskRun(run.id);
    await propose('task_runs', task.id, 'RUNNING', 'Running');
    const flowStates = await api<State[]>('GET', `/flow_run_states/?flow_run_id=${run.id}`);
    expect(flowStates.body.map((s) => s.type)).toEqual(['PENDING', 'RUNNING']);
    const taskStates = await api<State[]>('GET', `/task_run_states/?task_run_id=${task.id}`);
    expect(taskStates.body.map((s) => s.type)).toEqual(['PENDING', 'RUNNING']);
    expect((await api<State[]>('GET', `/task_run_states/?task_run_id=${crypto.randomUUID()}`)).body).toEqual(
      [],
    );
  });

  it('gives logs UUID ids when the request carries X-PREFECT-API-VERSION, arrival numbers otherwise', async () => {
    const run = await createPrefectFlowRun();
    const line = {
      name: 'prefect.flow_runs',
      level: 20,
      message: 'hi',
      timestamp: new Date().toISOString(),
      flow_run_id: run.id,
      task_run_id: null,
    };
    expect((await api('POST', '/logs/', [line, { ...line, message: 'again' }])).status).toBe(201);
    const filter = JSON.stringify({
      logs: { flow_run_id: { any_: [run.id] }, task_run_id: null, level: null },
      sort: 'TIMESTAMP_ASC',
      limit: null,
      offset: null,
    });
    const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const read = async (extra: Record<string, string>) =>
      (
        await exports.default.fetch('http://edgeflow.test/api/logs/filter', {
          method: 'POST',
          headers: { ...headers, ...extra },
          body: filter,
        })
      ).json() as Promise<{ id: unknown; message: string }[]>;
    const prefect = await read({ 'x-prefect-api-version': '0.8.4' });
    expect(prefect.map((log) => log.message)).toEqual(['hi', 'again']);
    for (const log of prefect) expect(log.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    for (const log of await read({})) expect(typeof log.id).toBe('number');
  });
});

describe('a subflow run and its parent task run', () => {
  it('copies each state the subflow writes onto its parent task run, naming the child run', async () => {
    const parent = await createPrefectFlowRun();
    await propose('flow_runs', parent.id, 'RUNNING', 'Running');
    const parentTask = await createPrefectTaskRun(parent.id, '__main__.child');
    const child = await createPrefectFlowRun({ parent_task_run_id: parentTask.id });
    await propose('flow_runs', child.id, 'RUNNING', 'Running');
    await propose('flow_runs', child.id, 'COMPLETED', 'Completed');

    const task = (await api<TaskRun>('GET', `/task_runs/${parentTask.id}`)).body;
    expect(task.state).toMatchObject({ type: 'COMPLETED', state_details: { child_flow_run_id: child.id } });
    const history = (await api<State[]>('GET', `/task_run_states?task_run_id=${parentTask.id}`)).body;
    expect(history.map((s) => s.type)).toEqual(['PENDING', 'PENDING', 'RUNNING', 'COMPLETED']);
    expect(task.start_time).not.toBeNull();
    expect(task.end_time).not.toBeNull();
  });
});

describe('answers a client is told to retry', () => {
  it('carries Retry-After on a 429 or 503, and on a transient Durable Object error made a 503', async () => {
    const app = createApp();
    const failing = (path: string, error: () => Error) => {
      const route = createRoute({
        method: 'get',
        path,
        security: requiresScope('read'),
        responses: { 200: { description: 'never' } },
      });
      app.openapi(route, () => {
        throw error();
      });
    };
    failing('/api/busy', () => new ApiError(429, 'limit.busy', 'busy'));
    failing('/api/unavailable', () => new ApiError(503, 'x.unavailable', 'later'));
    failing('/api/overloaded', () =>
      Object.assign(new Error('Durable Object is overloaded'), { overloaded: true }),
    );
    failing('/api/broken', () => new Error('a bug'));
    const get = (path: string) =>
      app.request(path, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }, env);
    for (const [path, status] of [
      ['/api/busy', 429],
      ['/api/unavailable', 503],
      ['/api/overloaded', 503],
    ] as const) {
      const response = await get(path);
      expect(response.status, path).toBe(status);
      expect(response.headers.get('retry-after'), path).toBe('1');
    }
    const broken = await get('/api/broken');
    expect(broken.status).toBe(500);
    expect(broken.headers.get('retry-after')).toBeNull();
  });
});
