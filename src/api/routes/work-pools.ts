// Work pools and their queues: configuration in D1, and every change handed to the pool's object
// so dispatch never reads D1 on a claim.
import { createRoute, z } from '@hono/zod-openapi';
import {
  WorkPoolCreateSchema,
  WorkPoolFilterBodySchema,
  WorkPoolNameSchema,
  WorkPoolSchema,
  WorkPoolUpdateSchema,
  WorkQueueCreateSchema,
  WorkQueueFilterBodySchema,
  WorkQueueSchema,
  WorkQueueUpdateSchema,
} from 'edgeflow/protocol';
import {
  countWorkPools,
  deleteWorkPool,
  filterWorkPools,
  insertWorkPool,
  readPoolConfig,
  readWorkPool,
  updateWorkPool,
} from '../../db/work-pools';
import {
  deleteWorkQueue,
  filterWorkQueues,
  insertWorkQueue,
  readWorkQueue,
  updateWorkQueue,
} from '../../db/work-queues';
import { DEFAULT_QUEUE_NAME } from '../../domain/dispatch';
import { workPoolObject } from '../../durable/objects';
import type { Env } from '../../env';
import { conflict, notFound } from '../errors';
import { pauseActions, workPoolEvents, workQueueEvents } from '../lifecycle-events';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const PoolParam = z.object({ name: WorkPoolNameSchema });
const QueueParam = z.object({ pool: WorkPoolNameSchema, name: WorkPoolNameSchema });
const PoolOfQueuesParam = z.object({ pool: WorkPoolNameSchema });

/** Hands the pool's current configuration (or its deletion) to its object. */
async function syncConfig(env: Env, poolName: string): Promise<void> {
  await workPoolObject(env, poolName).configure(await readPoolConfig(env.DB, poolName));
}

const create = createRoute({
  method: 'post',
  path: '/work_pools',
  security: requiresScope('agent'),
  request: { body: jsonBody(WorkPoolCreateSchema) },
  responses: { 201: jsonResponse(WorkPoolSchema, 'Work pool created, with its default queue') },
});

const filter = createRoute({
  method: 'post',
  path: '/work_pools/filter',
  security: requiresScope('read'),
  request: { body: jsonBody(WorkPoolFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(WorkPoolSchema), 'Matching work pools') },
});

const countPools = createRoute({
  method: 'post',
  path: '/work_pools/count',
  security: requiresScope('read'),
  request: { body: jsonBody(WorkPoolFilterBodySchema) },
  responses: { 200: jsonResponse(z.number().int(), 'How many work pools match') },
});

const read = createRoute({
  method: 'get',
  path: '/work_pools/{name}',
  security: requiresScope('read'),
  request: { params: PoolParam },
  responses: { 200: jsonResponse(WorkPoolSchema, 'The work pool') },
});

const update = createRoute({
  method: 'patch',
  path: '/work_pools/{name}',
  security: requiresScope('admin'),
  request: { params: PoolParam, body: jsonBody(WorkPoolUpdateSchema) },
  responses: { 204: { description: 'Updated' } },
});

const remove = createRoute({
  method: 'delete',
  path: '/work_pools/{name}',
  security: requiresScope('admin'),
  request: { params: PoolParam },
  responses: { 204: { description: 'Deleted with its queues' } },
});

const createQueue = createRoute({
  method: 'post',
  path: '/work_pools/{pool}/queues',
  security: requiresScope('admin'),
  request: { params: PoolOfQueuesParam, body: jsonBody(WorkQueueCreateSchema) },
  responses: { 201: jsonResponse(WorkQueueSchema, 'Work queue created') },
});

const filterQueues = createRoute({
  method: 'post',
  path: '/work_pools/{pool}/queues/filter',
  security: requiresScope('read'),
  request: { params: PoolOfQueuesParam, body: jsonBody(WorkQueueFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(WorkQueueSchema), 'The pool’s queues, by priority') },
});

const readQueue = createRoute({
  method: 'get',
  path: '/work_pools/{pool}/queues/{name}',
  security: requiresScope('read'),
  request: { params: QueueParam },
  responses: { 200: jsonResponse(WorkQueueSchema, 'The work queue') },
});

const updateQueue = createRoute({
  method: 'patch',
  path: '/work_pools/{pool}/queues/{name}',
  security: requiresScope('admin'),
  request: { params: QueueParam, body: jsonBody(WorkQueueUpdateSchema) },
  responses: { 204: { description: 'Updated' } },
});

const removeQueue = createRoute({
  method: 'delete',
  path: '/work_pools/{pool}/queues/{name}',
  security: requiresScope('admin'),
  request: { params: QueueParam },
  responses: { 204: { description: 'Deleted' } },
});

const poolNotFound = (name: string) => notFound('work_pool', name);
const queueNotFound = (pool: string, name: string) => notFound('work_queue', `${pool}/${name}`);

export const workPoolsRouter = createRouter()
  .openapi(create, async (c) => {
    const body = c.req.valid('json');
    const now = new Date();
    const created = await insertWorkPool(c.env.DB, body, now, workPoolEvents(body.name, ['created'], now));
    if (!created) throw conflict('work_pool.exists', `work pool ${body.name} already exists`, 'name');
    await workPoolObject(c.env, body.name).configure(created.config);
    return c.json(created.pool, 201);
  })
  .openapi(filter, async (c) => c.json(await filterWorkPools(c.env.DB, c.req.valid('json'), new Date()), 200))
  .openapi(countPools, async (c) => c.json(await countWorkPools(c.env.DB, c.req.valid('json')), 200))
  .openapi(read, async (c) => {
    const { name } = c.req.valid('param');
    const pool = await readWorkPool(c.env.DB, name, new Date());
    if (!pool) throw poolNotFound(name);
    return c.json(pool, 200);
  })
  .openapi(update, async (c) => {
    const { name } = c.req.valid('param');
    const patch = c.req.valid('json');
    const now = new Date();
    const actions = ['updated' as const, ...pauseActions(!patch.paused, patch.paused)];
    if (!(await updateWorkPool(c.env.DB, name, patch, now, workPoolEvents(name, actions, now))))
      throw poolNotFound(name);
    await syncConfig(c.env, name);
    return c.body(null, 204);
  })
  .openapi(remove, async (c) => {
    const { name } = c.req.valid('param');
    const now = new Date();
    if (!(await deleteWorkPool(c.env.DB, name, now, workPoolEvents(name, ['deleted'], now))))
      throw poolNotFound(name);
    await workPoolObject(c.env, name).configure(null);
    return c.body(null, 204);
  })
  .openapi(createQueue, async (c) => {
    const { pool } = c.req.valid('param');
    const body = c.req.valid('json');
    const now = new Date();
    const events = workQueueEvents(pool, body.name, ['created'], now);
    const result = await insertWorkQueue(c.env.DB, pool, body, now, events);
    if (result.kind === 'no_pool') throw poolNotFound(pool);
    if (result.kind === 'exists')
      throw conflict('work_queue.exists', `work queue ${body.name} already exists in ${pool}`, 'name');
    await syncConfig(c.env, pool);
    return c.json(result.queue, 201);
  })
  .openapi(filterQueues, async (c) => {
    const { pool } = c.req.valid('param');
    const now = new Date();
    if (!(await readWorkPool(c.env.DB, pool, now))) throw poolNotFound(pool);
    return c.json(await filterWorkQueues(c.env.DB, pool, c.req.valid('json'), now), 200);
  })
  .openapi(readQueue, async (c) => {
    const { pool, name } = c.req.valid('param');
    const queue = await readWorkQueue(c.env.DB, pool, name, new Date());
    if (!queue) throw queueNotFound(pool, name);
    return c.json(queue, 200);
  })
  .openapi(updateQueue, async (c) => {
    const { pool, name } = c.req.valid('param');
    const patch = c.req.valid('json');
    const now = new Date();
    const actions = ['updated' as const, ...pauseActions(!patch.paused, patch.paused)];
    if (!(await updateWorkQueue(c.env.DB, pool, name, patch, now, workQueueEvents(pool, name, actions, now))))
      throw queueNotFound(pool, name);
    await syncConfig(c.env, pool);
    return c.body(null, 204);
  })
  .openapi(removeQueue, async (c) => {
    const { pool, name } = c.req.valid('param');
    if (name === DEFAULT_QUEUE_NAME)
      throw conflict('work_queue.default', 'The default queue of a work pool cannot be deleted.', 'name');
    const now = new Date();
    if (!(await deleteWorkQueue(c.env.DB, pool, name, now, workQueueEvents(pool, name, ['deleted'], now))))
      throw queueNotFound(pool, name);
    await syncConfig(c.env, pool);
    return c.body(null, 204);
  });
