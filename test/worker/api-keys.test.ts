import { env, exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../src/api/secrets';

const BASE = 'http://edgeflow.test/api';
const admin = { authorization: 'Bearer test-admin-key', 'content-type': 'application/json' };

function create(body: unknown) {
  return exports.default.fetch(`${BASE}/api_keys`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify(body),
  });
}

/** The secret part of `ef_<id>_<secret>`; the secret itself may contain `_`. */
const secretOf = (key: string) => key.slice(key.indexOf('_', 3) + 1);

async function createKey(name = 'ci') {
  const response = await create({ name, scope: 'agent' });
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, unknown> & { id: string; key: string };
}

const list = () => exports.default.fetch(`${BASE}/api_keys`, { headers: admin });
const revoke = (id: string) =>
  exports.default.fetch(`${BASE}/api_keys/${id}`, { method: 'DELETE', headers: admin });

describe('POST /api/api_keys', () => {
  it('shows the new key once, in the ef_<id>_<secret> form the auth check parses', async () => {
    const created = await createKey('deployer');
    expect(created.key).toMatch(/^ef_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      name: 'deployer',
      scope: 'agent',
      prefix: `ef_${created.id}`,
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
    });
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
  });

  it('mints a different secret every time', async () => {
    const [a, b] = [await createKey(), await createKey()];
    expect(a.id).not.toBe(b.id);
    expect(secretOf(a.key)).not.toBe(secretOf(b.key));
  });

  it('stores only the SHA-256 of the key, never the key or its secret', async () => {
    const { id, key } = await createKey();
    const row = await env.DB.prepare('SELECT * FROM api_keys WHERE id = ?')
      .bind(id)
      .first<Record<string, unknown>>();
    expect(row?.hash).toBe(await sha256Hex(key));
    const secret = secretOf(key);
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it('keeps the expiry it was given, in UTC', async () => {
    const created = await createKey();
    const response = await create({ name: 'temp', scope: 'read', expires_at: '2999-01-01T02:00:00+02:00' });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ expires_at: '2999-01-01T00:00:00.000Z' });
    expect(created.expires_at).toBeNull();
  });

  it('refuses an expiry that has already passed with 422 naming expires_at', async () => {
    const response = await create({ name: 'stale', scope: 'read', expires_at: '2000-01-01T00:00:00Z' });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'request.invalid', field: 'expires_at' });
  });

  it('refuses an unknown scope with 422 naming scope', async () => {
    const response = await create({ name: 'root', scope: 'superuser' });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'request.invalid', field: 'scope' });
  });
});

describe('GET /api/api_keys', () => {
  it('lists keys without their secrets or hashes', async () => {
    const { id, key } = await createKey('listed');
    const response = await list();
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain(id);
    expect(text).not.toContain(secretOf(key));
    expect(text).not.toContain(await sha256Hex(key));
    expect(text).not.toContain('"hash"');
    expect(text).not.toContain('"key"');
  });
});

describe('last_used_at', () => {
  it('is empty until the key is used, then says when', async () => {
    const { id, key } = await createKey();
    const listed = async () =>
      ((await (await list()).json()) as { id: string; last_used_at: string | null }[]).find(
        (row) => row.id === id,
      )!.last_used_at;
    expect(await listed()).toBeNull();
    const before = Date.now();
    const used = await exports.default.fetch(`${BASE}/flows/filter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(used.status).toBe(200);
    await vi.waitFor(async () => expect(await listed()).not.toBeNull(), { timeout: 5_000, interval: 50 });
    expect(Date.parse((await listed())!)).toBeGreaterThanOrEqual(before - 1_000);
  });
});

describe('DELETE /api/api_keys/{id}', () => {
  it('revokes the key with 204 and the list shows when', async () => {
    const { id } = await createKey();
    expect((await revoke(id)).status).toBe(204);
    const keys = (await (await list()).json()) as { id: string; revoked_at: string | null }[];
    expect(keys.find((k) => k.id === id)?.revoked_at).toEqual(expect.any(String));
  });

  it('keeps the first revocation time when revoked again', async () => {
    const { id } = await createKey();
    await revoke(id);
    const first = await env.DB.prepare('SELECT revoked_at FROM api_keys WHERE id = ?')
      .bind(id)
      .first('revoked_at');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await revoke(id)).status).toBe(204);
    const second = await env.DB.prepare('SELECT revoked_at FROM api_keys WHERE id = ?')
      .bind(id)
      .first('revoked_at');
    expect(second).toBe(first);
  });

  it('answers 404 api_key.not_found for an unknown key', async () => {
    const response = await revoke('0123456789ab');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'api_key.not_found' });
  });
});

describe('OpenAPI document', () => {
  it('describes the key routes', async () => {
    const response = await exports.default.fetch(`${BASE}/openapi.json`, { headers: admin });
    const doc = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/api_keys'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/api_keys/{id}'] ?? {})).toEqual(['delete']);
  });
});
