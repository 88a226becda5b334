// Block types in Prefect's shapes: registered by a client the first time it uses a block class
// (docs/prefect-compat.md, "Blocks").
import { createRoute, z } from '@hono/zod-openapi';
import {
  ApiErrorBodySchema,
  BlockSlugSchema,
  BlockTypeCreateSchema,
  BlockTypeFilterBodySchema,
  BlockTypeSchema,
  BlockTypeUpdateSchema,
} from 'edgeflow/protocol';
import { filterBlockTypes, insertBlockType, readBlockType, updateBlockType } from '../../db/blocks';
import { installSystemBlocks } from '../../db/system-blocks';
import { SYSTEM_BLOCKS } from '../../domain/blocks/system-types';
import { ApiError, conflict, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const IdParam = z.object({ id: z.uuid() });

const create = createRoute({
  method: 'post',
  path: '/block_types',
  security: requiresScope('agent'),
  summary: 'Register a block type (its slug must be new)',
  request: { body: jsonBody(BlockTypeCreateSchema) },
  responses: {
    201: jsonResponse(BlockTypeSchema, 'Block type created'),
    409: jsonResponse(ApiErrorBodySchema, 'A block type with this slug exists'),
  },
});

const readBySlug = createRoute({
  method: 'get',
  path: '/block_types/slug/{slug}',
  security: requiresScope('read'),
  request: { params: z.object({ slug: BlockSlugSchema }) },
  responses: { 200: jsonResponse(BlockTypeSchema, 'The block type') },
});

const read = createRoute({
  method: 'get',
  path: '/block_types/{id}',
  security: requiresScope('read'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(BlockTypeSchema, 'The block type') },
});

const update = createRoute({
  method: 'patch',
  path: '/block_types/{id}',
  security: requiresScope('agent'),
  summary: "Update a block type's description, logo, documentation link or example",
  request: { params: IdParam, body: jsonBody(BlockTypeUpdateSchema) },
  responses: {
    204: { description: 'Updated' },
    403: jsonResponse(ApiErrorBodySchema, 'The block type is protected'),
  },
});

const installSystem = createRoute({
  method: 'post',
  path: '/block_types/install_system_block_types',
  security: requiresScope('admin'),
  summary: 'Install the system block types (done at start already; Prefect has this route)',
  responses: { 200: { description: 'Installed' } },
});

const filter = createRoute({
  method: 'post',
  path: '/block_types/filter',
  security: requiresScope('read'),
  request: { body: jsonBody(BlockTypeFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(BlockTypeSchema), 'Matching block types, by name') },
});

export const blockTypesRouter = createRouter()
  .openapi(installSystem, async (c) => {
    await installSystemBlocks(c.env.DB, SYSTEM_BLOCKS, new Date());
    return c.body(null, 200);
  })
  .openapi(create, async (c) => {
    const input = c.req.valid('json');
    const created = await insertBlockType(c.env.DB, input, new Date());
    if (!created) {
      throw conflict('block_type.exists', `A block type with slug ${input.slug} already exists.`, 'slug');
    }
    return c.json(created, 201);
  })
  .openapi(readBySlug, async (c) => {
    const { slug } = c.req.valid('param');
    const type = await readBlockType(c.env.DB, { slug });
    if (!type) throw notFound('block_type', slug);
    return c.json(type, 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid('param');
    const type = await readBlockType(c.env.DB, { id });
    if (!type) throw notFound('block_type', id);
    return c.json(type, 200);
  })
  .openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const type = await readBlockType(c.env.DB, { id });
    if (!type) throw notFound('block_type', id);
    if (type.is_protected)
      throw new ApiError(403, 'block_type.protected', 'protected block types cannot be updated.');
    await updateBlockType(c.env.DB, id, c.req.valid('json'), new Date());
    return c.body(null, 204);
  })
  .openapi(filter, async (c) => c.json(await filterBlockTypes(c.env.DB, c.req.valid('json')), 200));
