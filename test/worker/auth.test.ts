import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';

const BASE = 'http://edgeflow.test/api';
const ADMIN = 'test-admin-key';

function call(path: string, key: string | null, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  if (init.body) headers.set('content-type', 'application/json');
  return exports.default.fetch(`${BASE}${path}`, { ...init, headers });
}

async function createKey(scope: 'admin' | 'agent' | 'read', expiresAt?: string) {
  const response = await call('/api_keys', ADMIN, {
    method: 'POST',
    body: JSON.stringify({ name: `${scope} key`, scope, ...(expiresAt ? { expires_at: expiresAt } : {}) }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; key: string };
}

const logBatch = () =>
  JSON.stringify([
    {
      flow_run_id: crypto.randomUUID(),
      level: 20,
      name: 'edgeflow.test',
      message: 'hello',
      timestamp: new Date().toISOString(),
    },
  ]);
const emptyFilter = JSON.stringify({ limit: 1 });

describe('authentication', () => {
  it('rejects a request without a key with 401 auth.missing_key', async () => {
    const response = await call('/api_keys', null);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'auth.missing_key' });
  });

  it('rejects a wrong key with 401 auth.invalid_key', async () => {
    const response = await call('/api_keys', 'not-the-admin-key');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'auth.invalid_key' });
  });

  it('rejects a well-formed key that was never issued', async () => {
    const response = await call('/api_keys', `ef_0123456789ab_${'A'.repeat(43)}`);
    expect(response.status).toBe(401);
  });

  it('rejects an issued key whose secret part is altered', async () => {
    const { key } = await createKey('agent');
    const response = await call('/logs', `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`, {
      method: 'POST',
      body: logBatch(),
    });
    expect(response.status).toBe(401);
  });

  it('accepts the configured admin key', async () => {
    const response = await call('/api_keys', ADMIN);
    expect(response.status).toBe(200);
  });

  it('lets an admin-scoped key manage keys', async () => {
    const { key } = await createKey('admin');
    expect((await call('/api_keys', key)).status).toBe(200);
  });
});

describe('scopes', () => {
  it('lets a read key GET and POST a filter', async () => {
    const { key } = await createKey('read');
    expect((await call('/openapi.json', key)).status).toBe(200);
    expect((await call('/logs/filter', key, { method: 'POST', body: emptyFilter })).status).toBe(200);
  });

  it('refuses a read key any other POST with 403 auth.forbidden', async () => {
    const { key } = await createKey('read');
    const response = await call('/logs', key, { method: 'POST', body: logBatch() });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'auth.forbidden' });
  });

  it('refuses a read key the key list', async () => {
    const { key } = await createKey('read');
    expect((await call('/api_keys', key)).status).toBe(403);
  });

  it('lets an agent key write logs', async () => {
    const { key } = await createKey('agent');
    expect((await call('/logs', key, { method: 'POST', body: logBatch() })).status).toBe(201);
  });

  it('refuses an agent key any key management', async () => {
    const { id, key } = await createKey('agent');
    const body = JSON.stringify({ name: 'escalation', scope: 'admin' });
    expect((await call('/api_keys', key)).status).toBe(403);
    expect((await call('/api_keys', key, { method: 'POST', body })).status).toBe(403);
    expect((await call(`/api_keys/${id}`, key, { method: 'DELETE' })).status).toBe(403);
  });
});

describe('revocation and expiry', () => {
  it('stops trusting a revoked key at once, even one used a moment before', async () => {
    const { id, key } = await createKey('read');
    expect((await call('/openapi.json', key)).status).toBe(200);
    expect((await call(`/api_keys/${id}`, ADMIN, { method: 'DELETE' })).status).toBe(204);
    const response = await call('/openapi.json', key);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'auth.invalid_key' });
  });

  it('rejects a key past its expiry', async () => {
    const { id, key } = await createKey('read', new Date(Date.now() + 60_000).toISOString());
    await env.DB.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?')
      .bind(new Date(Date.now() - 1000).toISOString(), id)
      .run();
    expect((await call('/openapi.json', key)).status).toBe(401);
  });

  it('stops trusting a key when it expires, even while it is cached', async () => {
    const { key } = await createKey('read', new Date(Date.now() + 1000).toISOString());
    expect((await call('/openapi.json', key)).status).toBe(200);
    // The Worker runs in this isolate: moving its clock past the expiry is the wait.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 1_100 });
    try {
      expect((await call('/openapi.json', key)).status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('deployed without a key', () => {
  const unconfigured = { ...env, EDGEFLOW_API_KEY: undefined };

  it('answers 503 auth.not_configured instead of running open', async () => {
    const request = new Request(`${BASE}/api_keys`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const response = await worker.fetch(request, unconfigured, createExecutionContext());
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'auth.not_configured' });
  });

  it('still answers the public health check', async () => {
    const response = await worker.fetch(
      new Request(`${BASE}/health`),
      unconfigured,
      createExecutionContext(),
    );
    expect(response.status).toBe(200);
  });
});
