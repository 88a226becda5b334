// Block documents in Prefect's shapes. Agents may store anonymous documents (Prefect's client saves
// its result storage as one) and read secrets; naming, changing and deleting documents is admin's
// (docs/api-scopes.md, docs/prefect-compat.md "Blocks").
import { createRoute, z } from '@hono/zod-openapi';
import {
  ApiErrorBodySchema,
  type ApiKeyScope,
  BlockDocumentCreateSchema,
  BlockDocumentFilterBodySchema,
  BlockDocumentSchema,
  BlockDocumentUpdateSchema,
  BlockSlugSchema,
} from 'edgeflow/protocol';
import type { Context } from 'hono';
import {
  deleteBlockDocumentRow,
  filterBlockDocumentRows,
  insertBlockDocument,
  readBlockDocumentRow,
  readBlockDocumentRowByName,
  readBlockSchema,
  readBlockType,
  updateBlockDocumentRow,
} from '../../db/blocks';
import { scopeSatisfies } from '../../domain/auth/scopes';
import { secretFieldsOf, updatedBlockData } from '../../domain/blocks/secrets';
import { blockDocumentOf, openBlockData, sealBlockData } from '../block-data';
import { ApiError, conflict, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { type AppEnv, createRouter, jsonBody, jsonResponse } from '../router';

const IdParam = z.object({ id: z.uuid() });
const SecretsQuery = z.object({ include_secrets: z.enum(['true', 'false']).optional() });

const create = createRoute({
  method: 'post',
  path: '/block_documents',
  security: requiresScope('agent'),
  summary: 'Store a block document (a named one takes an admin key)',
  request: { body: jsonBody(BlockDocumentCreateSchema) },
  responses: {
    201: jsonResponse(BlockDocumentSchema, 'Block document created'),
    403: jsonResponse(ApiErrorBodySchema, 'A named document takes an admin key'),
    409: jsonResponse(ApiErrorBodySchema, 'Its block type has a document of this name'),
  },
});

const read = createRoute({
  method: 'get',
  path: '/block_documents/{id}',
  security: requiresScope('read'),
  summary: 'Read a block document (include_secrets=true takes an agent key)',
  request: { params: IdParam, query: SecretsQuery },
  responses: { 200: jsonResponse(BlockDocumentSchema, 'The block document') },
});

const readByName = createRoute({
  method: 'get',
  path: '/block_types/slug/{slug}/block_documents/name/{name}',
  security: requiresScope('read'),
  summary: 'Read a block document by its type and name, as `Block.load` does',
  request: { params: z.object({ slug: BlockSlugSchema, name: BlockSlugSchema }), query: SecretsQuery },
  responses: { 200: jsonResponse(BlockDocumentSchema, 'The block document') },
});

const update = createRoute({
  method: 'patch',
  path: '/block_documents/{id}',
  security: requiresScope('admin'),
  summary: "Change a document's data (merged by default); hidden secrets sent back keep their value",
  request: { params: IdParam, body: jsonBody(BlockDocumentUpdateSchema) },
  responses: { 204: { description: 'Updated' } },
});

const remove = createRoute({
  method: 'delete',
  path: '/block_documents/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' } },
});

const filter = createRoute({
  method: 'post',
  path: '/block_documents/filter',
  security: requiresScope('read'),
  summary: 'List block documents (named ones unless asked for anonymous ones)',
  request: { body: jsonBody(BlockDocumentFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(BlockDocumentSchema), 'Matching block documents, by name') },
});

function requireScope(c: Context<AppEnv>, scope: ApiKeyScope, what: string): void {
  if (!scopeSatisfies(c.get('principal').scope, scope)) {
    throw new ApiError(403, 'auth.forbidden', `${what} takes a key of scope ${scope} or above.`);
  }
}

/** `include_secrets=true` is honoured for agent keys and above. */
function secretsAsked(c: Context<AppEnv>, asked: boolean): boolean {
  if (asked) requireScope(c, 'agent', 'Reading block secrets');
  return asked;
}

export const blockDocumentsRouter = createRouter()
  .openapi(create, async (c) => {
    const input = c.req.valid('json');
    if (!input.is_anonymous && !input.name) {
      throw new ApiError(
        422,
        'request.invalid',
        'A block document that is not anonymous needs a name.',
        'name',
      );
    }
    const schema = await readBlockSchema(c.env.DB, { id: input.block_schema_id });
    const typeKnown =
      schema?.block_type_id === input.block_type_id ||
      (await readBlockType(c.env.DB, { id: input.block_type_id })) !== null;
    if (!typeKnown) {
      throw new ApiError(
        404,
        'block_type.not_found',
        `Block type ${input.block_type_id} not found.`,
        'block_type_id',
      );
    }
    if (!schema || schema.block_type_id !== input.block_type_id) {
      throw new ApiError(
        404,
        'block_schema.not_found',
        `Block schema ${input.block_schema_id} of block type ${input.block_type_id} not found.`,
        'block_schema_id',
      );
    }
    if (!input.is_anonymous) requireScope(c, 'admin', 'Storing a named block document');
    const at = new Date().toISOString();
    const id = crypto.randomUUID();
    const row = await insertBlockDocument(c.env.DB, {
      id,
      name: input.is_anonymous ? (input.name ?? `anonymous-${id}`) : input.name!,
      blockSchemaId: input.block_schema_id,
      blockTypeId: input.block_type_id,
      isAnonymous: input.is_anonymous,
      dataCipher: await sealBlockData(c.env, input.data),
      created: at,
      updated: at,
    });
    if (!row) throw conflict('block_document.exists', `Block document ${input.name} already exists.`, 'name');
    return c.json(await blockDocumentOf(c.env, row, { includeSecrets: false }), 201);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const row = await readBlockDocumentRow(c.env.DB, id);
    if (!row) throw notFound('block_document', id);
    const includeSecrets = secretsAsked(c, c.req.valid('query').include_secrets === 'true');
    return c.json(await blockDocumentOf(c.env, row, { includeSecrets }), 200);
  })
  .openapi(readByName, async (c) => {
    const { slug, name } = c.req.valid('param');
    const row = await readBlockDocumentRowByName(c.env.DB, slug, name);
    if (!row) throw notFound('block_document', `${slug}/${name}`);
    const includeSecrets = secretsAsked(c, c.req.valid('query').include_secrets === 'true');
    return c.json(await blockDocumentOf(c.env, row, { includeSecrets }), 200);
  })
  .openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const input = c.req.valid('json');
    const row = await readBlockDocumentRow(c.env.DB, id);
    if (!row) throw notFound('block_document', id);
    const schemaId = input.block_schema_id ?? row.blockSchemaId;
    const schema = await readBlockSchema(c.env.DB, { id: schemaId });
    if (!schema)
      throw new ApiError(
        404,
        'block_schema.not_found',
        `Block schema ${schemaId} not found.`,
        'block_schema_id',
      );
    const data = updatedBlockData(await openBlockData(c.env, row.dataCipher), input.data, {
      merge: input.merge_existing_data,
      secretFields: secretFieldsOf(schema.fields),
    });
    await updateBlockDocumentRow(c.env.DB, id, {
      dataCipher: await sealBlockData(c.env, data),
      blockSchemaId: schemaId,
      updated: new Date().toISOString(),
    });
    return c.body(null, 204);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deleteBlockDocumentRow(c.env.DB, id))) throw notFound('block_document', id);
    return c.body(null, 204);
  })
  .openapi(filter, async (c) => {
    const body = c.req.valid('json');
    const includeSecrets = secretsAsked(c, body.include_secrets);
    const rows = await filterBlockDocumentRows(c.env.DB, body);
    return c.json(await Promise.all(rows.map((row) => blockDocumentOf(c.env, row, { includeSecrets }))), 200);
  });
