// The agent wire of a work pool: claim long-poll, heartbeats, workers, and Prefect's read-only poll.
// Claims and heartbeats go to the pool's object only; the read-only poll reads D1's index.
import { createRoute, z } from '@hono/zod-openapi';
import {
  ClaimBodySchema,
  ClaimResponseSchema,
  GetScheduledFlowRunsBodySchema,
  GetScheduledFlowRunsResponseSchema,
  ReleaseClaimBodySchema,
  WorkerFilterBodySchema,
  WorkerHeartbeatBodySchema,
  WorkerHeartbeatResponseSchema,
  WorkerSchema,
  WorkPoolNameSchema,
} from 'edgeflow/protocol';
import { activeRunsByQueue, scheduledRunsOfPool } from '../../db/pool-runs';
import { readPoolConfig } from '../../db/work-pools';
import { capacity, eligibleQueues, orderCandidates, planClaims } from '../../domain/dispatch';
import { workPoolObject } from '../../durable/objects';
import { ApiError, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const PoolParam = z.object({ name: WorkPoolNameSchema });
const poolNotFound = (name: string) => notFound('work_pool', name);

const claim = createRoute({
  method: 'post',
  path: '/work_pools/{name}/claim',
  security: requiresScope('agent'),
  request: { params: PoolParam, body: jsonBody(ClaimBodySchema) },
  responses: {
    200: jsonResponse(
      ClaimResponseSchema,
      'Runs moved to PENDING and leased to the agent, or none when the wait ended',
    ),
  },
});

const releaseClaim = createRoute({
  method: 'post',
  path: '/work_pools/{name}/release_claim',
  security: requiresScope('agent'),
  request: { params: PoolParam, body: jsonBody(ReleaseClaimBodySchema) },
  responses: {
    204: {
      description:
        'Released: the claim, if still held, ended empty; runs its answer leased went back to the queue',
    },
  },
});

const heartbeat = createRoute({
  method: 'post',
  path: '/work_pools/{name}/workers/heartbeat',
  security: requiresScope('agent'),
  request: { params: PoolParam, body: jsonBody(WorkerHeartbeatBodySchema) },
  responses: {
    200: jsonResponse(WorkerHeartbeatResponseSchema, 'Leases renewed; cancellations and lost runs'),
  },
});

const listWorkers = createRoute({
  method: 'get',
  path: '/work_pools/{name}/workers',
  security: requiresScope('read'),
  request: { params: PoolParam },
  responses: { 200: jsonResponse(z.array(WorkerSchema), 'Agents that heartbeated, newest first') },
});

const filterWorkers = createRoute({
  method: 'post',
  path: '/work_pools/{name}/workers/filter',
  security: requiresScope('read'),
  request: { params: PoolParam, body: jsonBody(WorkerFilterBodySchema) },
  responses: { 200: jsonResponse(z.array(WorkerSchema), 'Matching agents, newest first') },
});

const deleteWorker = createRoute({
  method: 'delete',
  path: '/work_pools/{name}/workers/{worker}',
  security: requiresScope('admin'),
  request: { params: z.object({ name: WorkPoolNameSchema, worker: WorkPoolNameSchema }) },
  responses: { 204: { description: "The worker's record deleted" } },
});

const scheduled = createRoute({
  method: 'post',
  path: '/work_pools/{name}/get_scheduled_flow_runs',
  security: requiresScope('agent'),
  request: { params: PoolParam, body: jsonBody(GetScheduledFlowRunsBodySchema) },
  responses: {
    200: jsonResponse(
      GetScheduledFlowRunsResponseSchema,
      'Scheduled runs an agent may start, in dispatch order',
    ),
  },
});

export const workPoolDispatchRouter = createRouter()
  .openapi(claim, async (c) => {
    const { name } = c.req.valid('param');
    const pool = workPoolObject(c.env, name);
    // An agent that disconnects while its claim is held or being answered (a crash, a restart) would
    // leave the claim to lease runs no one receives. Deployed, the request's signal fires on disconnect
    // (compatibility flag enable_request_signal) and the pool gives the claim up. Local workerd does not
    // fire it; there a stopping agent releases its claim itself (release_claim).
    const ticket = crypto.randomUUID();
    c.req.raw.signal.addEventListener(
      'abort',
      () =>
        c.executionCtx.waitUntil(
          pool.abandonClaim({ ticket }).catch((error) => console.error('abandoning a claim failed', error)),
        ),
      { once: true },
    );
    const outcome = await pool.claim(name, { ...c.req.valid('json'), ticket });
    if (outcome.kind === 'not_found') throw poolNotFound(name);
    if (outcome.kind === 'unknown_queues')
      throw new ApiError(
        404,
        'work_queue.not_found',
        `work pool ${name} has no queue ${outcome.queues.join(', ')}`,
        'queues',
      );
    return c.json(outcome.response, 200);
  })
  .openapi(releaseClaim, async (c) => {
    const { name } = c.req.valid('param');
    const body = c.req.valid('json');
    const released = await workPoolObject(c.env, name).releaseClaim(name, body.name, body.claim_id);
    if (!released) throw poolNotFound(name);
    return c.body(null, 204);
  })
  .openapi(heartbeat, async (c) => {
    const { name } = c.req.valid('param');
    const outcome = await workPoolObject(c.env, name).heartbeat(name, c.req.valid('json'));
    if (outcome.kind === 'not_found') throw poolNotFound(name);
    return c.json(outcome.response, 200);
  })
  .openapi(listWorkers, async (c) => {
    const { name } = c.req.valid('param');
    const workers = await workPoolObject(c.env, name).listWorkers(name);
    if (!workers) throw poolNotFound(name);
    return c.json(workers, 200);
  })
  .openapi(filterWorkers, async (c) => {
    const { name } = c.req.valid('param');
    const body = c.req.valid('json');
    const workers = await workPoolObject(c.env, name).listWorkers(name);
    if (!workers) throw poolNotFound(name);
    const statuses = body.workers?.status?.any_;
    const matching = statuses ? workers.filter((worker) => statuses.includes(worker.status)) : workers;
    return c.json(matching.slice(body.offset, body.offset + body.limit), 200);
  })
  .openapi(deleteWorker, async (c) => {
    const { name, worker } = c.req.valid('param');
    const outcome = await workPoolObject(c.env, name).deleteWorker(name, worker);
    if (outcome === 'no_pool') throw poolNotFound(name);
    if (outcome === 'no_worker') throw notFound('worker', `${name}/${worker}`);
    return c.body(null, 204);
  })
  .openapi(scheduled, async (c) => {
    const { name } = c.req.valid('param');
    const body = c.req.valid('json');
    const config = await readPoolConfig(c.env.DB, name);
    if (!config) throw poolNotFound(name);
    const [runs, active] = await Promise.all([
      scheduledRunsOfPool(c.env.DB, name, {
        queues: body.work_queue_names ?? null,
        before: body.scheduled_before ?? null,
        after: body.scheduled_after ?? null,
      }),
      activeRunsByQueue(c.env.DB, name),
    ]);
    // Same order and limits as a claim, without claiming: Prefect's workers then propose PENDING.
    const queues = eligibleQueues(config, body.work_queue_names ?? undefined);
    const byId = new Map(runs.map((run) => [run.id, run]));
    const candidates = runs
      .filter((run) => run.next_scheduled_start_time)
      .map((run) => ({
        id: run.id,
        queue: run.work_queue_name ?? 'default',
        due_at: Date.parse(run.next_scheduled_start_time!),
      }));
    const picked = planClaims(
      orderCandidates(candidates, queues, Number.POSITIVE_INFINITY),
      capacity(config, active),
      body.limit ?? 200,
    );
    return c.json(
      picked.map((run) => ({
        work_pool_id: config.id,
        work_queue_id: queues.get(run.queue)!.id,
        flow_run: byId.get(run.id)!,
      })),
      200,
    );
  });
