// Block documents of the system types, stored and read through the real Worker, with any env.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { BlockDocument, BlockSchema, BlockType } from 'edgeflow/protocol';
import worker from '../../src/index';
import { ADMIN_KEY, api } from './api';

export async function systemType(slug: string): Promise<{ type: BlockType; schema: BlockSchema }> {
  const type = await api<BlockType>('GET', `/block_types/slug/${slug}`);
  const schemas = await api<BlockSchema[]>('POST', '/block_schemas/filter', {
    block_schemas: { block_type_id: { any_: [type.body.id] } },
  });
  return { type: type.body, schema: schemas.body[0]! };
}

export function documentBody(
  of: { type: BlockType; schema: BlockSchema },
  name: string,
  data: Record<string, unknown>,
) {
  return { name, data, block_type_id: of.type.id, block_schema_id: of.schema.id };
}

/** The Worker answering with `bindings` over the test's own (an unset secret key, another key). */
export async function withEnv<T = unknown>(
  bindings: Partial<typeof env>,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const request = new Request(`http://edgeflow.test/api${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const response = await worker.fetch(request, { ...env, ...bindings }, createExecutionContext());
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function storedCipher(id: string): Promise<string> {
  const row = await env.DB.prepare('SELECT data_cipher FROM block_documents WHERE id = ?')
    .bind(id)
    .first<{ data_cipher: string }>();
  return row!.data_cipher;
}

export type { BlockDocument };
