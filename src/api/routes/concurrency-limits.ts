// Named concurrency and rate limits in the shape of Prefect's /api/v2/concurrency_limits: the limits
// themselves, and slots taken under leases (docs/concurrency.md).
import { createRoute, z } from '@hono/zod-openapi';
import {
  AcquireSlotsSchema,
  ApiErrorBodySchema,
  ConcurrencyLimitCreateSchema,
  ConcurrencyLimitFilterBodySchema,
  ConcurrencyLimitSchema,
  ConcurrencyLimitUpdateSchema,
  DecrementSlotsSchema,
  IncrementSlotsSchema,
  LeaseGrantSchema,
  LimitHoldersSchema,
  MinimalConcurrencyLimitSchema,
  ReleaseLeaseSchema,
  RenewLeaseSchema,
} from 'edgeflow/protocol';
import { indexLimit, limitNameById, limitNames, unindexLimit } from '../../db/concurrency-limits';
import { jitteredSeconds } from '../../domain/limits';
import { type AcquireOutcome, acquireLimits, releaseLease, renewLease } from '../../durable/limit-leases';
import { namedLimitObject } from '../../durable/objects';
import { decrementUnleased, incrementUnleased } from '../../durable/unleased-slots';
import type { Env } from '../../env';
import { ApiError, conflict, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse, optionalJsonBody, withDefaults } from '../router';

const errorResponse = (description: string) => jsonResponse(ApiErrorBodySchema, description);
const IdOrNameParam = z.object({ id_or_name: z.string().min(1).max(200) });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The limit's name: a UUID is looked up as an id in the index, anything else is the name. */
async function resolveName(env: Env, idOrName: string): Promise<string> {
  if (!UUID.test(idOrName)) return idOrName;
  const name = await limitNameById(env.DB, idOrName);
  if (!name) throw notFound('concurrency_limit', idOrName);
  return name;
}

const create = createRoute({
  method: 'post',
  path: '/v2/concurrency_limits',
  security: requiresScope('admin'),
  summary: 'Create a named concurrency limit (slot_decay_per_second > 0 makes it a rate limit)',
  request: { body: jsonBody(ConcurrencyLimitCreateSchema) },
  responses: {
    201: jsonResponse(ConcurrencyLimitSchema, 'The new limit'),
    409: errorResponse('A limit with this name exists'),
    422: errorResponse('Invalid body'),
  },
});

const filter = createRoute({
  method: 'post',
  path: '/v2/concurrency_limits/filter',
  security: requiresScope('read'),
  summary: 'List limits in name order, with their slots as they stand now',
  request: {
    body: optionalJsonBody(ConcurrencyLimitFilterBodySchema),
  },
  responses: { 200: jsonResponse(z.array(ConcurrencyLimitSchema), 'A page of limits') },
});

const read = createRoute({
  method: 'get',
  path: '/v2/concurrency_limits/{id_or_name}',
  security: requiresScope('read'),
  summary: 'Read a limit by id or name; active_slots is computed with decay applied now',
  request: { params: IdOrNameParam },
  responses: { 200: jsonResponse(ConcurrencyLimitSchema, 'The limit'), 404: errorResponse('No such limit') },
});

const holders = createRoute({
  method: 'get',
  path: '/v2/concurrency_limits/{id_or_name}/holders',
  security: requiresScope('read'),
  summary: "A limit's leases and the requests waiting for its slots",
  request: { params: IdOrNameParam },
  responses: {
    200: jsonResponse(LimitHoldersSchema, 'Holders and waiters'),
    404: errorResponse('No such limit'),
  },
});

const update = createRoute({
  method: 'patch',
  path: '/v2/concurrency_limits/{id_or_name}',
  security: requiresScope('admin'),
  summary: 'Change a limit; active: false stops enforcing it without deleting it',
  request: { params: IdOrNameParam, body: jsonBody(ConcurrencyLimitUpdateSchema) },
  responses: {
    204: { description: 'Updated' },
    404: errorResponse('No such limit'),
    422: errorResponse('Invalid body, or a rename'),
  },
});

const reset = createRoute({
  method: 'post',
  path: '/v2/concurrency_limits/{id_or_name}/reset',
  security: requiresScope('admin'),
  summary: 'Free every slot of a limit: its leases are dropped',
  request: { params: IdOrNameParam },
  responses: {
    200: jsonResponse(ConcurrencyLimitSchema, 'The limit, reset'),
    404: errorResponse('No such limit'),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/v2/concurrency_limits/{id_or_name}',
  security: requiresScope('admin'),
  summary: 'Delete a limit; requests waiting for it are answered 404',
  request: { params: IdOrNameParam },
  responses: { 204: { description: 'Deleted' }, 404: errorResponse('No such limit') },
});

const increment = createRoute({
  method: 'post',
  path: '/v2/concurrency_limits/increment-with-lease',
  security: requiresScope('agent'),
  summary: 'Take slots of every named limit under one lease, all or nothing; wait_seconds holds the request',
  request: { body: jsonBody(AcquireSlotsSchema) },
  responses: {
    200: jsonResponse(LeaseGrantSchema, 'Granted: the lease and the limits it holds slots of'),
    404: errorResponse('A named limit does not exist (field names)'),
    422: errorResponse('Invalid body, more slots than a limit has, or rate limiting without decay'),
    423: errorResponse('No slots now; the Retry-After header says when to try again'),
  },
});

const incrementUnleasedRoute = createRoute({
  method: 'post',
  path: '/v2/concurrency_limits/increment',
  security: requiresScope('agent'),
  summary: "Prefect 2.15's lease-less take of slots of every named limit that exists, all or nothing",
  request: { body: jsonBody(IncrementSlotsSchema) },
  responses: {
    200: jsonResponse(z.array(MinimalConcurrencyLimitSchema), 'Granted: the limits slots were taken of'),
    422: errorResponse('Invalid body, more slots than a limit has, or rate limiting without decay'),
    423: errorResponse('No slots now; the Retry-After header says when to try again'),
  },
});

const decrementUnleasedRoute = createRoute({
  method: 'post',
  path: '/v2/concurrency_limits/decrement',
  security: requiresScope('agent'),
  summary: "Prefect 2.15's give-back of slots a lease-less increment took",
  request: { body: jsonBody(DecrementSlotsSchema) },
  responses: { 200: jsonResponse(z.array(MinimalConcurrencyLimitSchema), 'The limits named that exist') },
});

const renew = createRoute({
  method: 'post',
  path: '/v2/concurrency_limits/leases/{lease_id}/renew',
  security: requiresScope('agent'),
  summary: "Move a lease's deadline lease_duration seconds from now",
  request: {
    params: z.object({ lease_id: z.uuid() }),
    body: optionalJsonBody(RenewLeaseSchema),
  },
  responses: { 204: { description: 'Renewed' }, 410: errorResponse('The lease lapsed or was released') },
});

const decrement = createRoute({
  method: 'post',
  path: '/v2/concurrency_limits/decrement-with-lease',
  security: requiresScope('agent'),
  summary: "Give a lease's slots back (a lease already gone changes nothing)",
  request: { body: jsonBody(ReleaseLeaseSchema) },
  responses: { 204: { description: 'Released' } },
});

/** A take refused (4xx naming the field) or denied (423 with a jittered Retry-After). */
function slotsNotGranted(
  c: { header: (name: string, value: string) => void },
  outcome: Exclude<AcquireOutcome, { kind: 'granted' }>,
): ApiError {
  if (outcome.kind === 'refused') {
    const { status, code, message, field } = outcome.problem;
    return new ApiError(status, code, message, field);
  }
  const retryAfter = jitteredSeconds(outcome.retry_after_seconds, Math.random());
  c.header('Retry-After', retryAfter.toFixed(3));
  return new ApiError(
    423,
    'concurrency_limit.locked',
    'No slots are free now; retry after Retry-After seconds.',
  );
}

export const concurrencyLimitsRouter = createRouter()
  .openapi(create, async (c) => {
    const body = c.req.valid('json');
    const id = crypto.randomUUID();
    const { name, active_slots, denied_slots, ...settings } = body;
    const answer = await namedLimitObject(c.env, name).createLimit(id, name, settings, {
      active_slots,
      denied_slots,
    });
    // Indexed even when the name was taken: repairs an index write lost after an earlier create.
    await indexLimit(c.env.DB, { id: answer.limit.id, name, created: answer.limit.created });
    if (!answer.created) throw conflict('concurrency_limit.exists', `A limit named ${name} exists.`, 'name');
    return c.json(answer.limit, 201);
  })
  .openapi(filter, async (c) => {
    const { offset, limit } = withDefaults(ConcurrencyLimitFilterBodySchema, c.req.valid('json'));
    const names = await limitNames(c.env.DB, offset, limit);
    const limits = await Promise.all(names.map((name) => namedLimitObject(c.env, name).readLimit()));
    return c.json(
      limits.filter((l) => l !== null),
      200,
    );
  })
  .openapi(read, async (c) => {
    const { id_or_name } = c.req.valid('param');
    const limit = await namedLimitObject(c.env, await resolveName(c.env, id_or_name)).readLimit();
    if (!limit) throw notFound('concurrency_limit', id_or_name);
    return c.json(limit, 200);
  })
  .openapi(holders, async (c) => {
    const { id_or_name } = c.req.valid('param');
    const answer = await namedLimitObject(c.env, await resolveName(c.env, id_or_name)).limitHolders();
    if (!answer) throw notFound('concurrency_limit', id_or_name);
    return c.json(answer, 200);
  })
  .openapi(update, async (c) => {
    const { id_or_name } = c.req.valid('param');
    const reply = await namedLimitObject(c.env, await resolveName(c.env, id_or_name)).updateLimit(
      c.req.valid('json'),
    );
    if (reply.kind === 'not_found') throw notFound('concurrency_limit', id_or_name);
    if (reply.kind === 'rename') {
      const message = `A limit's name can't change (it names the limit's object); create ${reply.name}'s replacement instead.`;
      throw new ApiError(422, 'request.invalid', message, 'name');
    }
    return c.body(null, 204);
  })
  .openapi(reset, async (c) => {
    const { id_or_name } = c.req.valid('param');
    const limit = await namedLimitObject(c.env, await resolveName(c.env, id_or_name)).resetLimit();
    if (!limit) throw notFound('concurrency_limit', id_or_name);
    return c.json(limit, 200);
  })
  .openapi(remove, async (c) => {
    const { id_or_name } = c.req.valid('param');
    const name = await resolveName(c.env, id_or_name);
    const deleted = await namedLimitObject(c.env, name).deleteLimit();
    await unindexLimit(c.env.DB, name);
    if (!deleted) throw notFound('concurrency_limit', id_or_name);
    return c.body(null, 204);
  })
  .openapi(increment, async (c) => {
    const body = c.req.valid('json');
    const outcome = await acquireLimits(c.env, {
      names: body.names,
      slots: body.slots,
      mode: body.mode,
      lease_seconds: body.lease_duration,
      holder: body.holder ?? null,
      wait_seconds: body.wait_seconds,
      signal: c.req.raw.signal,
    });
    if (outcome.kind !== 'granted') throw slotsNotGranted(c, outcome);
    return c.json({ lease_id: outcome.lease_id, limits: outcome.limits }, 200);
  })
  .openapi(incrementUnleasedRoute, async (c) => {
    const outcome = await incrementUnleased(c.env, c.req.valid('json'));
    if (outcome.kind === 'granted') return c.json(outcome.limits, 200);
    throw slotsNotGranted(c, outcome);
  })
  .openapi(decrementUnleasedRoute, async (c) =>
    c.json(await decrementUnleased(c.env, c.req.valid('json')), 200),
  )
  .openapi(renew, async (c) => {
    const { lease_id } = c.req.valid('param');
    const { lease_duration } = withDefaults(RenewLeaseSchema, c.req.valid('json'));
    if (!(await renewLease(c.env, lease_id, lease_duration))) {
      throw new ApiError(
        410,
        'concurrency_lease.gone',
        `Lease ${lease_id} lapsed or was released.`,
        'lease_id',
      );
    }
    return c.body(null, 204);
  })
  .openapi(decrement, async (c) => {
    await releaseLease(c.env, c.req.valid('json').lease_id);
    return c.body(null, 204);
  });
