// System block types installed at start, and their secret fields hidden at every read path unless an
// agent or admin key asks for them; the placeholder written back keeps the secret (docs/blocks.md).
import { env } from 'cloudflare:workers';
import type { BlockSchema, BlockType } from 'edgeflow/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_BLOCKS } from '../../src/domain/blocks/system-types';
import { api } from './api';
import { type BlockDocument, documentBody, systemType } from './block-helpers';

const SLUGS = ['secret', 'json', 'string', 'date-time', 'webhook', 'slack-webhook', 's3-credentials'];

describe('system block types', () => {
  it('are installed at start, protected, each with its schema and secret_fields', async () => {
    for (const slug of SLUGS) {
      const { status, body: type } = await api<BlockType>('GET', `/block_types/slug/${slug}`);
      expect(status, slug).toBe(200);
      expect(type.is_protected, slug).toBe(true);
      const system = SYSTEM_BLOCKS.find((block) => block.type.slug === slug)!;
      const schema = await api<BlockSchema>(
        'GET',
        `/block_schemas/checksum/${system.schema.checksum}?version=${system.schema.version}`,
      );
      expect(schema.body).toMatchObject({ block_type_id: type.id, fields: { block_type_slug: slug } });
    }
    const { schema } = await systemType('s3-credentials');
    expect(schema.fields.secret_fields).toEqual(['aws_secret_access_key']);
    expect((await systemType('webhook')).schema.fields.secret_fields).toEqual(['url', 'headers.*']);
  });

  it('installing again changes nothing: one type per slug, one schema per checksum', async () => {
    const before = await systemType('secret');
    expect((await api('POST', '/block_types/install_system_block_types')).status).toBe(200);
    expect((await api('POST', '/block_types/install_system_block_types')).status).toBe(200);
    expect((await systemType('secret')).type.id).toBe(before.type.id);
    const counts = await env.DB.prepare(
      `SELECT t.slug AS slug, count(*) AS n FROM block_types t JOIN block_schemas s ON s.block_type_id = t.id
       WHERE t.is_protected = 1 GROUP BY t.slug`,
    ).all<{ slug: string; n: number }>();
    for (const slug of SLUGS) expect(counts.results.find((row) => row.slug === slug)?.n, slug).toBe(1);
  });

  it('cannot be updated by a client (Prefect answers 403 for protected types)', async () => {
    const { type } = await systemType('json');
    const patched = await api('PATCH', `/block_types/${type.id}`, { description: 'mine now' });
    expect(patched).toMatchObject({ status: 403, body: { code: 'block_type.protected' } });
  });
});

describe('secret fields at every read path', () => {
  const SECRETS = ['r2-secret-access-value', 'https://hooks.example/secret-url', 'Bearer header-secret'];
  let s3: BlockDocument;
  let hook: BlockDocument;
  let keys: Record<'agent' | 'read', string>;

  beforeAll(async () => {
    const made = async (scope: string) =>
      (await api<{ key: string }>('POST', '/api_keys', { name: `masking ${scope}`, scope })).body.key;
    keys = { agent: await made('agent'), read: await made('read') };
    const s3Type = await systemType('s3-credentials');
    const created = await api<BlockDocument>(
      'POST',
      '/block_documents',
      documentBody(s3Type, 'r2-results', {
        aws_access_key_id: 'AKIA-visible',
        aws_secret_access_key: SECRETS[0],
        endpoint_url: 'https://account.r2.cloudflarestorage.com',
        region_name: 'auto',
        bucket_name: 'results',
      }),
    );
    expect(created.status).toBe(201);
    s3 = created.body;
    const webhookType = await systemType('webhook');
    hook = (
      await api<BlockDocument>(
        'POST',
        '/block_documents',
        documentBody(webhookType, 'ops-hook', {
          method: 'POST',
          url: SECRETS[1],
          headers: { Authorization: SECRETS[2] },
        }),
      )
    ).body;
  });

  const HIDDEN_S3 = {
    aws_access_key_id: 'AKIA-visible',
    aws_secret_access_key: '********',
    endpoint_url: 'https://account.r2.cloudflarestorage.com',
    region_name: 'auto',
    bucket_name: 'results',
  };

  it('hides them in the create answer, by id, by slug and name, and in filters, for every key', async () => {
    expect(s3.data).toEqual(HIDDEN_S3);
    expect(hook.data).toEqual({ method: 'POST', url: '********', headers: { Authorization: '********' } });
    for (const key of [undefined, keys.agent, keys.read]) {
      const byId = await api<BlockDocument>('GET', `/block_documents/${s3.id}`, undefined, key);
      expect(byId.body.data).toEqual(HIDDEN_S3);
      const byName = await api<BlockDocument>(
        'GET',
        '/block_types/slug/webhook/block_documents/name/ops-hook',
        undefined,
        key,
      );
      expect(byName.body.data).toMatchObject({ url: '********', headers: { Authorization: '********' } });
      const listed = await api<BlockDocument[]>(
        'POST',
        '/block_documents/filter',
        { block_types: { slug: { any_: ['s3-credentials', 'webhook'] } } },
        key,
      );
      const text = JSON.stringify(listed.body);
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }
  });

  it('shows them only when include_secrets=true is asked with an agent or admin key', async () => {
    for (const key of [undefined, keys.agent]) {
      const byId = await api<BlockDocument>(
        'GET',
        `/block_documents/${s3.id}?include_secrets=true`,
        undefined,
        key,
      );
      expect(byId.body.data.aws_secret_access_key).toBe(SECRETS[0]);
      const listed = await api<BlockDocument[]>(
        'POST',
        '/block_documents/filter',
        { block_types: { slug: { any_: ['webhook'] } }, include_secrets: true },
        key,
      );
      expect(listed.body.find((doc) => doc.id === hook.id)?.data.headers).toEqual({
        Authorization: SECRETS[2],
      });
    }
    const paths = [
      ['GET', `/block_documents/${s3.id}?include_secrets=true`],
      ['GET', '/block_types/slug/webhook/block_documents/name/ops-hook?include_secrets=true'],
      ['POST', '/block_documents/filter'],
    ] as const;
    for (const [method, path] of paths) {
      const body = method === 'POST' ? { include_secrets: true } : undefined;
      const refused = await api(method, path, body, keys.read);
      expect(refused, path).toMatchObject({ status: 403, body: { code: 'auth.forbidden' } });
      expect(JSON.stringify(refused.body)).not.toContain(SECRETS[0]);
    }
  });

  it('keeps the stored secrets when the hidden placeholders are written back, nested ones too', async () => {
    const read = await api<BlockDocument>('GET', `/block_documents/${hook.id}`);
    const patched = await api('PATCH', `/block_documents/${hook.id}`, {
      data: { ...read.body.data, method: 'PUT' },
      merge_existing_data: false,
    });
    expect(patched.status).toBe(204);
    const after = await api<BlockDocument>('GET', `/block_documents/${hook.id}?include_secrets=true`);
    expect(after.body.data).toEqual({
      method: 'PUT',
      url: SECRETS[1],
      headers: { Authorization: SECRETS[2] },
    });
    await api('PATCH', `/block_documents/${hook.id}`, { data: { url: 'https://hooks.example/new' } });
    const changed = await api<BlockDocument>('GET', `/block_documents/${hook.id}?include_secrets=true`);
    expect(changed.body.data.url).toBe('https://hooks.example/new');
  });

  it('puts no secret into events or logs', async () => {
    const events = await api('POST', '/events/filter', { limit: 200 });
    const logs = await api('POST', '/logs/filter', { limit: 200 });
    for (const secret of SECRETS) {
      expect(JSON.stringify(events.body)).not.toContain(secret);
      expect(JSON.stringify(logs.body)).not.toContain(secret);
    }
  });
});

describe('bad block input', () => {
  it('answers an unknown block type with 404 naming block_type_id', async () => {
    const { schema } = await systemType('secret');
    const created = await api('POST', '/block_documents', {
      name: 'orphan',
      data: { value: 'x' },
      block_type_id: crypto.randomUUID(),
      block_schema_id: schema.id,
    });
    expect(created).toMatchObject({
      status: 404,
      body: { code: 'block_type.not_found', field: 'block_type_id' },
    });
    expect((await api('GET', '/block_types/slug/no-such-type/block_documents/name/x')).status).toBe(404);
  });

  it('answers an invalid name or slug with 422 naming it', async () => {
    const secret = await systemType('secret');
    const named = await api('POST', '/block_documents', documentBody(secret, 'Not A Slug', { value: 'x' }));
    expect(named).toMatchObject({ status: 422, body: { field: 'name' } });
    const type = await api('POST', '/block_types', { name: 'Bad', slug: 'Bad_Slug' });
    expect(type).toMatchObject({ status: 422, body: { field: 'slug' } });
  });

  it('answers oversized data with 422 naming data, and stores nothing', async () => {
    const secret = await systemType('secret');
    const big = await api(
      'POST',
      '/block_documents',
      documentBody(secret, 'too-big', { value: 'x'.repeat(600 * 1024) }),
    );
    expect(big).toMatchObject({ status: 422, body: { field: 'data' } });
    expect((await api('GET', '/block_types/slug/secret/block_documents/name/too-big')).status).toBe(404);
  });
});
