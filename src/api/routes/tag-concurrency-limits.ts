// Task tag limits in the shape of Prefect's /api/concurrency_limits (V1): each is the named limit
// `tag:<tag>`, enforced by the task rules in the flow run objects (docs/concurrency.md).
import { createRoute, z } from '@hono/zod-openapi';
import {
  ApiErrorBodySchema,
  type ConcurrencyLimit,
  ConcurrencyLimitFilterBodySchema,
  LimitNameSchema,
  TagConcurrencyLimitCreateSchema,
  TagConcurrencyLimitSchema,
} from 'edgeflow/protocol';
import { indexLimit, limitNames, unindexLimit } from '../../db/concurrency-limits';
import { tagLimitName } from '../../domain/orchestration';
import { namedLimitObject } from '../../durable/objects';
import type { Env } from '../../env';
import { notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse, optionalJsonBody, withDefaults } from '../router';

const errorResponse = (description: string) => jsonResponse(ApiErrorBodySchema, description);
const TagParam = z.object({ tag: LimitNameSchema });
const TAG_PREFIX = tagLimitName('');

/** The V1 shape of a tag's limit: its holders are the task runs whose leases it keeps. */
async function tagView(env: Env, limit: ConcurrencyLimit) {
  const holders = await namedLimitObject(env, limit.name).limitHolders();
  return {
    id: limit.id,
    created: limit.created,
    updated: limit.updated,
    tag: limit.name.slice(TAG_PREFIX.length),
    concurrency_limit: limit.limit,
    active_slots: (holders?.leases ?? []).map((lease) => lease.holder?.id ?? lease.lease_id),
  };
}

const upsert = createRoute({
  method: 'post',
  path: '/concurrency_limits',
  security: requiresScope('admin'),
  summary: "Create a tag's concurrency limit, or change the one it has",
  request: { body: jsonBody(TagConcurrencyLimitCreateSchema) },
  responses: {
    200: jsonResponse(TagConcurrencyLimitSchema, 'The limit, changed'),
    201: jsonResponse(TagConcurrencyLimitSchema, 'The limit, created'),
    422: errorResponse('Invalid body'),
  },
});

const read = createRoute({
  method: 'get',
  path: '/concurrency_limits/tag/{tag}',
  security: requiresScope('read'),
  summary: "A tag's concurrency limit and the task runs holding its slots",
  request: { params: TagParam },
  responses: {
    200: jsonResponse(TagConcurrencyLimitSchema, 'The limit'),
    404: errorResponse('No limit on this tag'),
  },
});

const filter = createRoute({
  method: 'post',
  path: '/concurrency_limits/filter',
  security: requiresScope('read'),
  summary: 'Tag concurrency limits, in tag order',
  request: {
    body: optionalJsonBody(ConcurrencyLimitFilterBodySchema),
  },
  responses: { 200: jsonResponse(z.array(TagConcurrencyLimitSchema), 'A page of tag limits') },
});

const reset = createRoute({
  method: 'post',
  path: '/concurrency_limits/tag/{tag}/reset',
  security: requiresScope('admin'),
  summary: "Free every slot of a tag's limit",
  request: { params: TagParam },
  responses: {
    200: jsonResponse(TagConcurrencyLimitSchema, 'The limit, reset'),
    404: errorResponse('No limit on this tag'),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/concurrency_limits/tag/{tag}',
  security: requiresScope('admin'),
  summary: "Delete a tag's concurrency limit",
  request: { params: TagParam },
  responses: { 204: { description: 'Deleted' }, 404: errorResponse('No limit on this tag') },
});

export const tagConcurrencyLimitsRouter = createRouter()
  .openapi(upsert, async (c) => {
    const { tag, concurrency_limit } = c.req.valid('json');
    const name = tagLimitName(tag);
    const limit = namedLimitObject(c.env, name);
    const settings = { limit: concurrency_limit, active: true, slot_decay_per_second: 0 };
    const answer = await limit.createLimit(crypto.randomUUID(), name, settings, {
      active_slots: 0,
      denied_slots: 0,
    });
    await indexLimit(c.env.DB, { id: answer.limit.id, name, created: answer.limit.created });
    if (answer.created) return c.json(await tagView(c.env, answer.limit), 201);
    const updated = await limit.updateLimit({ limit: concurrency_limit });
    if (updated.kind !== 'ok') throw notFound('concurrency_limit', tag);
    return c.json(await tagView(c.env, updated.limit), 200);
  })
  .openapi(read, async (c) => {
    const { tag } = c.req.valid('param');
    const limit = await namedLimitObject(c.env, tagLimitName(tag)).readLimit();
    if (!limit) throw notFound('concurrency_limit', tag);
    return c.json(await tagView(c.env, limit), 200);
  })
  .openapi(filter, async (c) => {
    const { offset, limit } = withDefaults(ConcurrencyLimitFilterBodySchema, c.req.valid('json'));
    const names = await limitNames(c.env.DB, offset, limit, TAG_PREFIX);
    const limits = await Promise.all(names.map((name) => namedLimitObject(c.env, name).readLimit()));
    const views = await Promise.all(limits.filter((l) => l !== null).map((l) => tagView(c.env, l)));
    return c.json(views, 200);
  })
  .openapi(reset, async (c) => {
    const { tag } = c.req.valid('param');
    const limit = await namedLimitObject(c.env, tagLimitName(tag)).resetLimit();
    if (!limit) throw notFound('concurrency_limit', tag);
    return c.json(await tagView(c.env, limit), 200);
  })
  .openapi(remove, async (c) => {
    const { tag } = c.req.valid('param');
    const name = tagLimitName(tag);
    const deleted = await namedLimitObject(c.env, name).deleteLimit();
    await unindexLimit(c.env.DB, name);
    if (!deleted) throw notFound('concurrency_limit', tag);
    return c.body(null, 204);
  });
