// Block schemas in Prefect's shapes, found again by the checksum Prefect's client computes
// (docs/prefect-compat.md, "Blocks").
import { createRoute, z } from '@hono/zod-openapi';
import {
  ApiErrorBodySchema,
  BlockSchemaCreateSchema,
  BlockSchemaFilterBodySchema,
  BlockSchemaSchema,
} from 'edgeflow/protocol';
import { filterBlockSchemas, readBlockSchema, readBlockType, upsertBlockSchema } from '../../db/blocks';
import { blockSchemaChecksum } from '../../domain/blocks/checksum';
import { ApiError, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const create = createRoute({
  method: 'post',
  path: '/block_schemas',
  security: requiresScope('agent'),
  summary: 'Register a block schema; the same fields and version again return the existing one',
  request: { body: jsonBody(BlockSchemaCreateSchema) },
  responses: {
    201: jsonResponse(BlockSchemaSchema, 'Block schema created'),
    200: jsonResponse(BlockSchemaSchema, 'A schema with these fields and version existed'),
    404: jsonResponse(ApiErrorBodySchema, 'No such block type'),
  },
});

const read = createRoute({
  method: 'get',
  path: '/block_schemas/{id}',
  security: requiresScope('read'),
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 200: jsonResponse(BlockSchemaSchema, 'The block schema') },
});

const readByChecksum = createRoute({
  method: 'get',
  path: '/block_schemas/checksum/{checksum}',
  security: requiresScope('read'),
  request: {
    params: z.object({ checksum: z.string().min(1).max(200) }),
    query: z.object({ version: z.string().min(1).max(100).optional() }),
  },
  responses: { 200: jsonResponse(BlockSchemaSchema, 'The block schema (of that version, or the newest)') },
});

const filter = createRoute({
  method: 'post',
  path: '/block_schemas/filter',
  security: requiresScope('read'),
  request: { body: jsonBody(BlockSchemaFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(BlockSchemaSchema), 'Matching block schemas, newest first') },
});

export const blockSchemasRouter = createRouter()
  .openapi(create, async (c) => {
    const input = c.req.valid('json');
    const type = await readBlockType(c.env.DB, { id: input.block_type_id });
    if (!type) {
      throw new ApiError(
        404,
        'block_type.not_found',
        `Block type ${input.block_type_id} not found.`,
        'block_type_id',
      );
    }
    const checksum = await blockSchemaChecksum(input.fields);
    const { created, schema } = await upsertBlockSchema(c.env.DB, { ...input, checksum }, type, new Date());
    return c.json(schema, created ? 201 : 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const schema = await readBlockSchema(c.env.DB, { id });
    if (!schema) throw notFound('block_schema', id);
    return c.json(schema, 200);
  })
  .openapi(readByChecksum, async (c) => {
    const { checksum } = c.req.valid('param');
    const { version } = c.req.valid('query');
    const schema = await readBlockSchema(c.env.DB, { checksum, version });
    if (!schema) throw notFound('block_schema', checksum);
    return c.json(schema, 200);
  })
  .openapi(filter, async (c) => c.json(await filterBlockSchemas(c.env.DB, c.req.valid('json')), 200));
