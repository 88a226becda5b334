// Prefect's `read_block_documents_by_type(slug)`: GET /block_types/slug/{slug}/block_documents lists
// the type's named documents, secrets hidden unless asked with an agent key, and 404 for an unknown type.
import type { BlockDocument, BlockSchema, BlockType } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';

async function typeWithDocuments(slug: string, names: string[]): Promise<BlockType> {
  const type = (await api<BlockType>('POST', '/block_types/', { name: slug, slug })).body;
  const schema = (
    await api<BlockSchema>('POST', '/block_schemas/', {
      block_type_id: type.id,
      fields: {
        title: slug,
        type: 'object',
        properties: { token: { title: 'Token', type: 'string', writeOnly: true, format: 'password' } },
        required: ['token'],
        block_type_slug: slug,
        secret_fields: ['token'],
        block_schema_references: {},
      },
      capabilities: [],
      version: '2.15.0',
    })
  ).body;
  for (const name of names) {
    const created = await api('POST', '/block_documents/', {
      name,
      data: { token: `secret-of-${name}` },
      block_schema_id: schema.id,
      block_type_id: type.id,
      is_anonymous: false,
    });
    expect(created.status).toBe(201);
  }
  await api('POST', '/block_documents/', {
    name: null,
    data: { token: 'anonymous' },
    block_schema_id: schema.id,
    block_type_id: type.id,
    is_anonymous: true,
  });
  return type;
}

describe("a block type's documents by slug", () => {
  it('lists its named documents by name, secrets hidden unless include_secrets=true', async () => {
    const slug = `listed-${crypto.randomUUID().slice(0, 8)}`;
    await typeWithDocuments(slug, ['second', 'first']);
    await typeWithDocuments(`${slug}-other`, ['elsewhere']);
    const hidden = await api<BlockDocument[]>('GET', `/block_types/slug/${slug}/block_documents`);
    expect(hidden.status).toBe(200);
    expect(hidden.body.map((document) => [document.name, document.data])).toEqual([
      ['first', { token: '********' }],
      ['second', { token: '********' }],
    ]);
    // As Prefect's client asks: include_secrets=true, with its unset paging sent empty.
    const shown = await api<BlockDocument[]>(
      'GET',
      `/block_types/slug/${slug}/block_documents?offset=&limit=&include_secrets=true`,
    );
    expect(shown.body.map((document) => document.data)).toEqual([
      { token: 'secret-of-first' },
      { token: 'secret-of-second' },
    ]);
  });

  it('answers 404 for an unknown type, as Prefect does', async () => {
    const missing = await api<{ field: string }>('GET', '/block_types/slug/no-such-type/block_documents');
    expect(missing.status).toBe(404);
  });

  it('include_secrets=true takes an agent key: a read key is refused', async () => {
    const slug = `guarded-${crypto.randomUUID().slice(0, 8)}`;
    await typeWithDocuments(slug, ['only']);
    const { body } = await api<{ key: string }>('POST', '/api_keys', { name: 'reader', scope: 'read' });
    const path = `/block_types/slug/${slug}/block_documents`;
    expect((await api(`GET`, `${path}?include_secrets=true`, undefined, body.key)).status).toBe(403);
    expect((await api<BlockDocument[]>('GET', path, undefined, body.key)).body[0]!.data).toEqual({
      token: '********',
    });
  });
});
