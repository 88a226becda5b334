// Scopes nest, admin ⊃ agent ⊃ read: every route declares the scope it takes in the OpenAPI document,
// the auth check enforces exactly that, and a route that declares none is refused (docs/api-scopes.md).

import { env } from 'cloudflare:workers';
import { createRoute } from '@hono/zod-openapi';
import type { ApiKeyScope, FlowRun } from 'edgeflow/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { api } from './api';
import { createDeployment } from './deployments-api';
import { createPoolRun } from './pools';

type Operation = { security?: Record<string, string[]>[] };
type Document = { paths: Record<string, Record<string, Operation>> };

/** Callable without a key; the auth middleware's exemption list says the same. */
const PUBLIC = ['GET /api/health', 'POST /api/webhooks/{slug}'];
/** GETs that manage secrets-bearing things: reading them takes an admin key, not a read key. */
const ADMIN_READS = ['GET /api/api_keys', 'GET /api/webhooks', 'GET /api/webhooks/{id}'];

async function openApiRoutes(): Promise<{ route: string; security: Operation['security'] }[]> {
  const { status, body } = await api<Document>('GET', '/openapi.json');
  expect(status).toBe(200);
  return Object.entries(body.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      route: `${method.toUpperCase()} ${path}`,
      security: operation.security,
    })),
  );
}

const declared = (security: Operation['security']) => security?.[0]?.bearer?.[0];

async function keyWithScope(scope: ApiKeyScope): Promise<string> {
  const { status, body } = await api<{ key: string }>('POST', '/api_keys', { name: `${scope} key`, scope });
  expect(status).toBe(201);
  return body.key;
}

describe('every route declares its scope', () => {
  it('gives each route in the OpenAPI document a scope, or marks it public', async () => {
    const routes = await openApiRoutes();
    expect(routes.length).toBeGreaterThan(60);
    for (const { route, security } of routes) {
      if (PUBLIC.includes(route)) expect(security, route).toEqual([]);
      else expect(security, route).toEqual([{ bearer: [expect.stringMatching(/^(read|agent|admin)$/)] }]);
    }
  });

  it('documents every route the API serves, so none escapes the walk above', async () => {
    const documented = new Set((await openApiRoutes()).map(({ route }) => route));
    const served = createApp()
      .routes.filter((route) => route.method !== 'ALL' && route.path.startsWith('/api/'))
      .map(({ method, path }) => `${method} ${path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`);
    for (const route of new Set(served)) expect(documented.has(route), route).toBe(true);
  });

  it('lets a read key every GET, filter and count but those that manage secrets', async () => {
    for (const { route, security } of await openApiRoutes()) {
      if (PUBLIC.includes(route)) continue;
      const looks = route.startsWith('GET ') || /^POST .*\/(filter|count|count-by\/\{\w+\})$/.test(route);
      const expected = ADMIN_READS.includes(route) ? 'admin' : looks ? 'read' : undefined;
      if (expected) expect(declared(security), route).toBe(expected);
      else expect(declared(security), route).not.toBe('read');
    }
  });

  it('refuses every key, admin too, a route that declares no scope', async () => {
    const app = createApp();
    const undeclared = createRoute({
      method: 'get',
      path: '/api/undeclared',
      responses: { 200: { description: 'never reached' } },
    });
    app.openapi(undeclared, (c) => c.json({}, 200));
    const response = await app.request(
      '/api/undeclared',
      { headers: { authorization: 'Bearer test-admin-key' } },
      env,
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'auth.undeclared_scope' });
  });
});

describe('each scope gets exactly what its routes declare', () => {
  let keys: Record<'agent' | 'read', string>;
  beforeAll(async () => {
    keys = { agent: await keyWithScope('agent'), read: await keyWithScope('read') };
  });

  it('refuses a key with 403 on every route above its scope, and nowhere else', async () => {
    for (const { route, security } of await openApiRoutes()) {
      const needed = declared(security);
      if (!needed) continue;
      const [method, template] = route.split(' ') as [string, string];
      // Placeholders: an allowed call fails on them with 404 or 422, a refused one never gets that far.
      const path = template.replace('/api', '').replace(/\{(\w+)\}/g, (_, name) => `no-such-${name}`);
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      for (const scope of ['agent', 'read'] as const) {
        const { status } = await api(method, path, body, keys[scope]);
        const refused = needed === 'admin' || (needed === 'agent' && scope === 'read');
        if (refused) expect(status, `${scope} ${route}`).toBe(403);
        else expect(status, `${scope} ${route}`).not.toBe(403);
      }
    }
  });

  it('refuses an agent key the admin deletes, and the deployment, pool and run are still there', async () => {
    const deployment = await createDeployment();
    const pool = deployment.work_pool_name!;
    const run = await createPoolRun(pool);
    for (const [method, path] of [
      ['DELETE', `/deployments/${deployment.id}`],
      ['DELETE', `/work_pools/${pool}`],
      ['DELETE', `/flow_runs/${run.id}`],
      ['PATCH', `/work_pools/${pool}`],
      ['PATCH', `/deployments/${deployment.id}`],
      ['POST', `/deployments/${deployment.id}/pause_deployment`],
    ] as const) {
      const body = method === 'PATCH' ? { description: 'taken over' } : undefined;
      const { status, body: error } = await api(method, path, body, keys.agent);
      expect(status, `${method} ${path}`).toBe(403);
      expect(error).toMatchObject({ code: 'auth.forbidden' });
    }
    expect((await api('GET', `/deployments/${deployment.id}`)).body).toMatchObject({ paused: false });
    expect((await api('GET', `/work_pools/${pool}`)).status).toBe(200);
    expect((await api('GET', `/flow_runs/${run.id}`)).status).toBe(200);
  });

  it('lets an agent key do what an agent and its flows do', async () => {
    const agent = (method: string, path: string, body?: unknown) => api(method, path, body, keys.agent);
    const pool = `pool-${crypto.randomUUID().slice(0, 8)}`;
    expect((await agent('POST', '/work_pools', { name: pool, type: 'process' })).status).toBe(201);
    const heartbeat = { name: 'agent-a', heartbeat_interval_seconds: 10, running: [] };
    expect((await agent('POST', `/work_pools/${pool}/workers/heartbeat`, heartbeat)).status).toBe(200);
    expect((await agent('POST', `/work_pools/${pool}/claim`, { name: 'agent-a' })).status).toBe(200);
    const release = { name: 'agent-a', claim_id: 'claim-1' };
    expect((await agent('POST', `/work_pools/${pool}/release_claim`, release)).status).toBe(204);

    const flow = await agent('POST', '/flows', { name: `flow-${crypto.randomUUID().slice(0, 8)}` });
    expect(flow.status).toBe(201);
    const run = await agent('POST', '/flow_runs', { flow_id: (flow.body as { id: string }).id });
    expect(run.status).toBe(201);
    const runId = (run.body as FlowRun).id;
    const running = { state: { type: 'RUNNING' } };
    expect((await agent('POST', `/flow_runs/${runId}/set_state`, running)).status).toBe(201);
    const task = { flow_run_id: runId, task_key: 'add-1', dynamic_key: '0', name: 'add-0' };
    expect((await agent('POST', '/task_runs', task)).status).toBe(201);
    const log = {
      flow_run_id: runId,
      level: 20,
      name: 'flow',
      message: 'hi',
      timestamp: new Date().toISOString(),
    };
    expect((await agent('POST', '/logs', [log])).status).toBe(201);
    const event = {
      id: crypto.randomUUID(),
      occurred: new Date().toISOString(),
      event: 'agent.did.something',
      resource: { 'prefect.resource.id': `prefect.flow-run.${runId}` },
    };
    expect((await agent('POST', '/events', [event])).status).toBe(204);
    expect((await agent('PUT', `/results/flow-runs/${runId}`, { value: 1 })).status).toBe(201);

    const deployment = await createDeployment();
    const subrun = await agent('POST', `/deployments/${deployment.id}/create_flow_run`, {});
    expect(subrun.status).toBe(201);
  });
});
