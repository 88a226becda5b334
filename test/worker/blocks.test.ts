// Blocks as Prefect's client uses them for result storage: type by slug, schema by checksum, an
// anonymous document read back with its secrets; secrets hidden on plain reads and sealed in D1.
import { env } from 'cloudflare:workers';
import type { BlockDocument, BlockSchema, BlockType } from 'edgeflow/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import prefectSchemas from '../domain/prefect-block-schemas.json';
import { api } from './api';

const [localFileSystem, secretBlock] = prefectSchemas as {
  fields: Record<string, unknown>;
  checksum: string;
}[];

async function keyWithScope(scope: 'agent' | 'read'): Promise<string> {
  const { body } = await api<{ key: string }>('POST', '/api_keys', { name: `blocks ${scope}`, scope });
  return body.key;
}

async function registerType(slug: string): Promise<BlockType> {
  const { status, body } = await api<BlockType>('POST', '/block_types/', { name: slug, slug });
  expect(status).toBe(201);
  return body;
}

async function registerSchema(type: BlockType, fields: Record<string, unknown>): Promise<BlockSchema> {
  const { status, body } = await api<BlockSchema>('POST', '/block_schemas/', {
    block_type_id: type.id,
    fields,
    capabilities: [],
    version: '2.15.0',
  });
  expect(status).toBe(201);
  return body;
}

describe("Prefect's result-storage block path", () => {
  it('finds the type by slug and the schema by the checksum the client computed, once registered', async () => {
    expect((await api('GET', '/block_types/slug/local-file-system')).status).toBe(404);
    const type = await registerType('local-file-system');
    expect((await api<BlockType>('GET', '/block_types/slug/local-file-system')).body.id).toBe(type.id);
    const checksumPath = `/block_schemas/checksum/${localFileSystem!.checksum}?version=2.15.0`;
    expect((await api('GET', checksumPath)).status).toBe(404);
    const schema = await registerSchema(type, localFileSystem!.fields);
    expect(schema.checksum).toBe(localFileSystem!.checksum);
    expect((await api<BlockSchema>('GET', checksumPath)).body).toMatchObject({
      id: schema.id,
      block_type: { id: type.id },
    });
    // The same schema again is the same row (Prefect answers 200).
    const again = await api<BlockSchema>('POST', '/block_schemas', {
      block_type_id: type.id,
      fields: localFileSystem!.fields,
      version: '2.15.0',
    });
    expect(again).toMatchObject({ status: 200, body: { id: schema.id } });

    const { status, body: document } = await api<BlockDocument>('POST', '/block_documents/', {
      name: null,
      data: { basepath: '/tmp/results' },
      block_schema_id: schema.id,
      block_type_id: type.id,
      is_anonymous: true,
    });
    expect(status).toBe(201);
    expect(document.name).toMatch(/^anonymous-/);
    const read = await api<BlockDocument>('GET', `/block_documents/${document.id}?include_secrets=true`);
    expect(read.body).toMatchObject({
      data: { basepath: '/tmp/results' },
      block_type: { slug: 'local-file-system' },
      block_schema: { checksum: localFileSystem!.checksum },
      is_anonymous: true,
    });
  });

  it('refuses a second block type with the same slug', async () => {
    await registerType('twice');
    expect((await api('POST', '/block_types', { name: 'twice', slug: 'twice' })).status).toBe(409);
  });
});

describe('block secrets', () => {
  let type: BlockType;
  let schema: BlockSchema;
  let keys: Record<'agent' | 'read', string>;
  beforeAll(async () => {
    // Installed at start, as Prefect 2.15's client describes it (docs/blocks.md).
    type = (await api<BlockType>('GET', '/block_types/slug/secret')).body;
    const { body } = await api<BlockSchema>('GET', `/block_schemas/checksum/${secretBlock!.checksum}`);
    schema = body;
    keys = { agent: await keyWithScope('agent'), read: await keyWithScope('read') };
  });

  async function storeSecret(name: string, value: string): Promise<BlockDocument> {
    const { status, body } = await api<BlockDocument>('POST', '/block_documents', {
      name,
      data: { value },
      block_schema_id: schema.id,
      block_type_id: type.id,
    });
    expect(status).toBe(201);
    return body;
  }

  it('hides secret fields unless include_secrets is asked by an agent key or above', async () => {
    const document = await storeSecret('db-password', 'hunter2');
    expect(document.data).toEqual({ value: '********' });
    expect((await api<BlockDocument>('GET', `/block_documents/${document.id}`)).body.data).toEqual({
      value: '********',
    });
    const byName = await api<BlockDocument>(
      'GET',
      '/block_types/slug/secret/block_documents/name/db-password?include_secrets=true',
      undefined,
      keys.agent,
    );
    expect(byName.body.data).toEqual({ value: 'hunter2' });
    const refused = await api(
      'GET',
      `/block_documents/${document.id}?include_secrets=true`,
      undefined,
      keys.read,
    );
    expect(refused).toMatchObject({ status: 403, body: { code: 'auth.forbidden' } });
    const listed = await api<BlockDocument[]>('POST', '/block_documents/filter', {
      block_types: { slug: { any_: ['secret'] } },
    });
    expect(listed.body.map((doc) => doc.data)).toContainEqual({ value: '********' });
  });

  it('never writes a secret to D1 in clear', async () => {
    await storeSecret('sealed', 'plain-text-secret-value');
    const rows = await env.DB.prepare('SELECT * FROM block_documents').all();
    expect(JSON.stringify(rows.results)).not.toContain('plain-text-secret-value');
  });

  it('keeps the stored secret when a client writes back the hidden placeholder', async () => {
    const document = await storeSecret('kept', 'original');
    const patched = await api('PATCH', `/block_documents/${document.id}`, { data: { value: '********' } });
    expect(patched.status).toBe(204);
    const read = await api<BlockDocument>('GET', `/block_documents/${document.id}?include_secrets=true`);
    expect(read.body.data).toEqual({ value: 'original' });
  });

  it('lets an agent key store anonymous documents only', async () => {
    const named = {
      name: 'by-agent',
      data: { value: 'x' },
      block_schema_id: schema.id,
      block_type_id: type.id,
    };
    expect((await api('POST', '/block_documents', named, keys.agent)).status).toBe(403);
    const anonymous = { ...named, name: null, is_anonymous: true };
    expect((await api('POST', '/block_documents', anonymous, keys.agent)).status).toBe(201);
    expect((await api('GET', '/block_types/slug/secret/block_documents/name/by-agent')).status).toBe(404);
  });

  it('refuses a second document of the same name for its type', async () => {
    await storeSecret('only-once', 'a');
    const again = await api('POST', '/block_documents', {
      name: 'only-once',
      data: {},
      block_schema_id: schema.id,
      block_type_id: type.id,
    });
    expect(again.status).toBe(409);
  });
});

describe('block type filters', () => {
  it('finds a block type by a long like_ text, taken literally (D1 refuses LIKE patterns of 50 characters)', async () => {
    const name = `a-type-whose-name-is-long-enough-to-${'x'.repeat(40)}`;
    await registerType(name);
    const found = await api<BlockType[]>('POST', '/block_types/filter', {
      block_types: { name: { like_: name.slice(2) } },
    });
    expect(found).toMatchObject({ status: 200, body: [{ slug: name }] });
    const literal = await api<BlockType[]>('POST', '/block_types/filter', {
      block_types: { name: { like_: 'a%type' } },
    });
    expect(literal.body).toEqual([]);
  });
});
