// Calls on blocks (docs/blocks.md): types by slug, their schemas, and documents by type slug and name,
// as `Block.load` and `edgeflow block` use them.
import { z } from 'zod';
import {
  type BlockDocumentCreate,
  type BlockDocumentFilterBody,
  BlockDocumentSchema,
  type BlockDocumentUpdate,
  BlockSchemaSchema,
  BlockTypeSchema,
} from '../protocol/index.ts';
import type { HttpTransport } from './http.ts';

const NO_BODY = z.unknown();
const segment = encodeURIComponent;

export class BlocksClient {
  readonly #http: HttpTransport;

  constructor(http: HttpTransport) {
    this.#http = http;
  }

  readType(slug: string) {
    return this.#http.request('GET', `/api/block_types/slug/${segment(slug)}`, { schema: BlockTypeSchema });
  }

  listTypes() {
    return this.#http.request('POST', '/api/block_types/filter', {
      body: {},
      schema: z.array(BlockTypeSchema),
    });
  }

  /** The type's schemas, newest first. */
  schemasOf(blockTypeId: string) {
    return this.#http.request('POST', '/api/block_schemas/filter', {
      body: { block_schemas: { block_type_id: { any_: [blockTypeId] } } },
      schema: z.array(BlockSchemaSchema),
    });
  }

  /** Secrets read as `********` unless `includeSecrets` (an agent or admin key). */
  read(slug: string, name: string, { includeSecrets = false }: { includeSecrets?: boolean } = {}) {
    const query = includeSecrets ? '?include_secrets=true' : '';
    return this.#http.request(
      'GET',
      `/api/block_types/slug/${segment(slug)}/block_documents/name/${segment(name)}${query}`,
      { schema: BlockDocumentSchema },
    );
  }

  list(body: Partial<BlockDocumentFilterBody> = {}) {
    return this.#http.request('POST', '/api/block_documents/filter', {
      body,
      schema: z.array(BlockDocumentSchema),
    });
  }

  create(body: Omit<BlockDocumentCreate, 'is_anonymous' | 'data'> & { data: Record<string, unknown> }) {
    return this.#http.request('POST', '/api/block_documents', { body, schema: BlockDocumentSchema });
  }

  update(id: string, body: Partial<BlockDocumentUpdate>) {
    return this.#http.request('PATCH', `/api/block_documents/${segment(id)}`, { body, schema: NO_BODY });
  }

  remove(id: string) {
    return this.#http.request('DELETE', `/api/block_documents/${segment(id)}`, { schema: NO_BODY });
  }
}
