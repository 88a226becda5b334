// EDGEFLOW_SECRET_KEY: required when deployed, the admin key standing in only locally; each
// ciphertext names its key; a rotation reads the previous key and seals again (docs/blocks.md).
import { env, exports } from 'cloudflare:workers';
import type { WebhookCreated } from 'edgeflow/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyIdOf } from '../../src/api/sealed-secrets';
import { signatureHeader } from '../../src/domain/webhooks/signatures';
import { api } from './api';
import { type BlockDocument, documentBody, storedCipher, systemType, withEnv } from './block-helpers';
import { createDeployment } from './deployments-api';

let secret: Awaited<ReturnType<typeof systemType>>;
beforeAll(async () => {
  secret = await systemType('secret');
});

const DEPLOYED_WITHOUT_KEY = { EDGEFLOW_SECRET_KEY: undefined, EDGEFLOW_LOCAL_DEV: undefined };

describe('deployed without EDGEFLOW_SECRET_KEY', () => {
  it('refuses to store a block document, with 503 secrets.not_configured naming the setting', async () => {
    const stored = await withEnv(
      DEPLOYED_WITHOUT_KEY,
      'POST',
      '/block_documents',
      documentBody(secret, 'no-key-store', { value: 'never-stored' }),
    );
    expect(stored).toMatchObject({ status: 503, body: { code: 'secrets.not_configured' } });
    expect((stored.body as { detail: string }).detail).toContain('EDGEFLOW_SECRET_KEY');
    const rows = await env.DB.prepare("SELECT id FROM block_documents WHERE name = 'no-key-store'").all();
    expect(rows.results).toEqual([]);
  });

  it('refuses to read one, rather than open it with the admin key', async () => {
    const { body } = await api<BlockDocument>(
      'POST',
      '/block_documents',
      documentBody(secret, 'no-key-read', { value: 'v' }),
    );
    const read = await withEnv(DEPLOYED_WITHOUT_KEY, 'GET', `/block_documents/${body.id}`);
    expect(read).toMatchObject({ status: 503, body: { code: 'secrets.not_configured' } });
  });

  it('lets the admin key stand in under local development (EDGEFLOW_LOCAL_DEV=true)', async () => {
    const local = { EDGEFLOW_SECRET_KEY: undefined, EDGEFLOW_LOCAL_DEV: 'true' };
    const stored = await withEnv<BlockDocument>(
      local,
      'POST',
      '/block_documents',
      documentBody(secret, 'local-dev', { value: 'local-value' }),
    );
    expect(stored.status).toBe(201);
    const read = await withEnv<BlockDocument>(
      local,
      'GET',
      `/block_documents/${stored.body.id}?include_secrets=true`,
    );
    expect(read.body.data).toEqual({ value: 'local-value' });
    expect(await storedCipher(stored.body.id)).toMatch(
      new RegExp(`^v2\\.${await keyIdOf(env.EDGEFLOW_API_KEY!)}\\.`),
    );
  });
});

describe('secrets at rest', () => {
  it('stores neither the secret nor the key, only a ciphertext tagged with the key id', async () => {
    const { body } = await api<BlockDocument>(
      'POST',
      '/block_documents',
      documentBody(secret, 'at-rest', { value: 'plain-secret-at-rest' }),
    );
    const cipher = await storedCipher(body.id);
    expect(cipher).toMatch(new RegExp(`^v2\\.${await keyIdOf('test-secret-key')}\\.`));
    const everything = JSON.stringify((await env.DB.prepare('SELECT * FROM block_documents').all()).results);
    expect(everything).not.toContain('plain-secret-at-rest');
    expect(everything).not.toContain('test-secret-key');
  });
});

describe('rotating EDGEFLOW_SECRET_KEY', () => {
  // Sealed under an old key here, then rotated into the tests' own key, so other files' rows stay put.
  const OLD = { EDGEFLOW_SECRET_KEY: 'the-old-secret-key' };
  const DURING = { EDGEFLOW_SECRET_KEY_PREVIOUS: 'the-old-secret-key' };

  it('reads the old key through EDGEFLOW_SECRET_KEY_PREVIOUS, and re-encrypts under the new one', async () => {
    const stored = await withEnv<BlockDocument>(
      OLD,
      'POST',
      '/block_documents',
      documentBody(secret, 'rotated', { value: 'survives-rotation' }),
    );
    expect(stored.status).toBe(201);
    const oldId = await keyIdOf('the-old-secret-key');
    expect(await storedCipher(stored.body.id)).toMatch(new RegExp(`^v2\\.${oldId}\\.`));

    // The new key alone cannot open it, and says which setting would.
    const unreadable = await api('GET', `/block_documents/${stored.body.id}?include_secrets=true`);
    expect(unreadable).toMatchObject({ status: 500, body: { code: 'secrets.unreadable' } });
    const during = await withEnv<BlockDocument>(
      DURING,
      'GET',
      `/block_documents/${stored.body.id}?include_secrets=true`,
    );
    expect(during.body.data).toEqual({ value: 'survives-rotation' });

    const report = await withEnv<{ key_id: string; block_documents: number; done: boolean }>(
      DURING,
      'POST',
      '/admin/secrets/reencrypt',
    );
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ key_id: await keyIdOf('test-secret-key'), done: true });
    expect(report.body.block_documents).toBeGreaterThanOrEqual(1);
    expect(await storedCipher(stored.body.id)).toMatch(new RegExp(`^v2\\.${report.body.key_id}\\.`));

    // Without the previous key now: read with the current one alone.
    const after = await api<BlockDocument>('GET', `/block_documents/${stored.body.id}?include_secrets=true`);
    expect(after.body.data).toEqual({ value: 'survives-rotation' });
  });

  it('re-encrypts webhook HMAC keys too, which verify signatures under the new key afterwards', async () => {
    const deployment = await createDeployment({});
    const created = await withEnv<WebhookCreated>(OLD, 'POST', '/webhooks', {
      name: 'rotated-hook',
      deployment_id: deployment.id,
      auth: 'hmac',
    });
    expect(created.status).toBe(201);
    const cipherOf = async () =>
      (await env.DB.prepare('SELECT secret_cipher FROM webhooks WHERE id = ?')
        .bind(created.body.id)
        .first<{ secret_cipher: string }>())!.secret_cipher;
    expect(await cipherOf()).toMatch(new RegExp(`^v2\\.${await keyIdOf('the-old-secret-key')}\\.`));
    expect(await cipherOf()).not.toContain(created.body.secret);

    const report = await withEnv<{ webhooks: number; done: boolean }>(
      DURING,
      'POST',
      '/admin/secrets/reencrypt',
    );
    expect(report.body).toMatchObject({ done: true });
    expect(report.body.webhooks).toBeGreaterThanOrEqual(1);
    expect(await cipherOf()).toMatch(new RegExp(`^v2\\.${await keyIdOf('test-secret-key')}\\.`));

    const body = '{"ref":"main"}';
    const signature = await signatureHeader(created.body.secret, body, {
      timestamp: Math.floor(Date.now() / 1000),
    });
    const delivered = await exports.default.fetch(`http://edgeflow.test/api/webhooks/${created.body.slug}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-edgeflow-signature': signature },
      body,
    });
    expect(delivered.status).toBe(201);
  });

  it('reads and re-encrypts a ciphertext sealed before key ids, under the admin key of old', async () => {
    const stored = await api<BlockDocument>(
      'POST',
      '/block_documents',
      documentBody(secret, 'legacy', { value: 'placeholder' }),
    );
    // As src/api/block-data.ts sealed it before: `<iv>.<ciphertext>`, the admin key when no secret key.
    const legacy = await legacySeal('test-admin-key', JSON.stringify({ value: 'sealed-long-ago' }));
    await env.DB.prepare('UPDATE block_documents SET data_cipher = ? WHERE id = ?')
      .bind(legacy, stored.body.id)
      .run();
    const withAdminAsPrevious = { EDGEFLOW_SECRET_KEY_PREVIOUS: 'test-admin-key' };
    const read = await withEnv<BlockDocument>(
      withAdminAsPrevious,
      'GET',
      `/block_documents/${stored.body.id}?include_secrets=true`,
    );
    expect(read.body.data).toEqual({ value: 'sealed-long-ago' });
    const report = await withEnv<{ done: boolean }>(withAdminAsPrevious, 'POST', '/admin/secrets/reencrypt');
    expect(report.body.done).toBe(true);
    expect(await storedCipher(stored.body.id)).toMatch(
      new RegExp(`^v2\\.${await keyIdOf('test-secret-key')}\\.`),
    );
    const after = await api<BlockDocument>('GET', `/block_documents/${stored.body.id}?include_secrets=true`);
    expect(after.body.data).toEqual({ value: 'sealed-long-ago' });
  });

  it('is admin only', async () => {
    const { body } = await api<{ key: string }>('POST', '/api_keys', {
      name: 'rotation agent',
      scope: 'agent',
    });
    expect((await api('POST', '/admin/secrets/reencrypt', undefined, body.key)).status).toBe(403);
  });
});

async function legacySeal(material: string, plain: string): Promise<string> {
  const encoder = new TextEncoder();
  const base = await crypto.subtle.importKey('raw', encoder.encode(material), 'HKDF', false, ['deriveKey']);
  const key = await crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('edgeflow-blocks'),
      info: encoder.encode('block-data-v1'),
    },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt'],
  );
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, encoder.encode(plain)),
  );
  const b64 = (bytes: Uint8Array) =>
    btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
  return `${b64(iv)}.${b64(sealed)}`;
}
