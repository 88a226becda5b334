// Inbound webhooks: `POST /api/webhooks/{slug}` (public, guarded by the webhook's own secret) turns a
// request into a run of its deployment; the rest of /api/webhooks manages them with an admin key.
import { createRoute, z } from '@hono/zod-openapi';
import {
  ApiErrorBodySchema,
  DeploymentFlowRunCreateSchema,
  FlowRunSchema,
  type Webhook,
  WebhookCreatedSchema,
  WebhookCreateSchema,
  WebhookEventAcceptedSchema,
  WebhookSchema,
  WebhookUpdateSchema,
} from 'edgeflow/protocol';
import type { Context } from 'hono';
import { insertEvents } from '../../db/events';
import {
  deleteWebhook,
  insertWebhook,
  listWebhooks,
  readWebhook,
  readWebhookBySlug,
  toWebhook,
  updateWebhook,
  webhookEventStored,
} from '../../db/webhooks';
import { type NewEvent, webhookCalledEvent } from '../../domain/events';
import { withRun } from '../../domain/webhooks/events';
import { webhookParameters } from '../../domain/webhooks/parameters';
import { isValidIdempotencyKey } from '../../domain/webhooks/signatures';
import { nudgeAutomations } from '../../durable/objects';
import { createDeploymentRun } from '../deployment-runs';
import { ApiError, conflict, notFound } from '../errors';
import { assertJsonTextWithinLimits } from '../input-guards';
import { requiresScope } from '../route-scopes';
import { type AppEnv, createRouter, jsonBody, jsonResponse } from '../router';
import { checkWebhookTargets, draftWebhookEvent } from '../webhook-events';
import { encryptSecret, hashToken, newWebhookSecret, verifyWebhook } from '../webhook-secrets';
import { deploymentOr404 } from './deployments';

const IdParam = z.object({ id: z.uuid() });

function unauthorized(): ApiError {
  return new ApiError(
    401,
    'webhook.unauthorized',
    "No active webhook has this slug, or the request lacks its secret: the webhook's token as `Authorization: Bearer <token>`, or a current `X-Edgeflow-Signature: t=<unix seconds>,v1=<hex>`.",
  );
}

function replayedError(): ApiError {
  return new ApiError(
    409,
    'webhook.replayed',
    'This signed request was already delivered. Sign each delivery anew, or send an Idempotency-Key so that a redelivery returns its run or event.',
  );
}

async function webhookOr404(c: Context<AppEnv>, id: string) {
  const row = await readWebhook(c.env.DB, id);
  if (!row) throw notFound('webhook', id);
  return row;
}

/** Stores a call's events and has the automations evaluate them at once (not awaited). */
async function storeEvents(c: Context<AppEnv>, events: NewEvent[], now: Date) {
  if (events.length === 0) return;
  await insertEvents(c.env.DB, events, now);
  c.executionCtx.waitUntil(nudgeAutomations(c.env));
}

/**
 * A webhook without a deployment: its event (and the call's) stored. A signed replay without an
 * Idempotency-Key finds its event already stored and is refused, as a replayed run is.
 */
async function emitOnly(
  c: Context<AppEnv>,
  webhook: Webhook,
  event: NewEvent,
  delivery: string | undefined,
  now: Date,
) {
  const replayed = await webhookEventStored(c.env.DB, event.id);
  if (replayed && delivery === undefined) throw replayedError();
  if (!replayed) {
    const called = webhookCalledEvent(webhook, null, null, { id: crypto.randomUUID(), occurred: now });
    await storeEvents(c, [event, called], now);
  }
  return { event_id: event.id };
}

const receive = createRoute({
  method: 'post',
  path: '/webhooks/{slug}',
  summary:
    "Make a run of the webhook's deployment, emit its event, or both; guarded by the webhook's own secret",
  // Public: in the auth exemption list (docs/api-scopes.md).
  security: [],
  request: { params: z.object({ slug: z.string().min(1).max(100) }) },
  responses: {
    201: jsonResponse(FlowRunSchema, 'A run of the deployment was created (and its event stored)'),
    202: jsonResponse(WebhookEventAcceptedSchema, 'A webhook without a deployment: its event was stored'),
    200: jsonResponse(FlowRunSchema, 'The run for this Idempotency-Key already existed'),
    401: jsonResponse(ApiErrorBodySchema, 'No such active webhook, or no valid secret: one answer for all'),
    409: jsonResponse(ApiErrorBodySchema, 'A signed request without Idempotency-Key, delivered again'),
  },
});

const create = createRoute({
  method: 'post',
  path: '/webhooks',
  security: requiresScope('admin'),
  request: { body: jsonBody(WebhookCreateSchema) },
  responses: { 201: jsonResponse(WebhookCreatedSchema, 'Created; the secret is shown this once') },
});

const list = createRoute({
  method: 'get',
  path: '/webhooks',
  security: requiresScope('admin'),
  request: { query: z.object({ deployment_id: z.uuid().optional() }) },
  responses: { 200: jsonResponse(z.array(WebhookSchema), 'Webhooks, oldest first') },
});

const read = createRoute({
  method: 'get',
  path: '/webhooks/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam },
  responses: { 200: jsonResponse(WebhookSchema, 'The webhook') },
});

const update = createRoute({
  method: 'patch',
  path: '/webhooks/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam, body: jsonBody(WebhookUpdateSchema) },
  responses: { 200: jsonResponse(WebhookSchema, 'The webhook after the change') },
});

const remove = createRoute({
  method: 'delete',
  path: '/webhooks/{id}',
  security: requiresScope('admin'),
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' } },
});

export const webhooksRouter = createRouter()
  .openapi(receive, async (c) => {
    const now = new Date();
    const row = await readWebhookBySlug(c.env.DB, c.req.valid('param').slug);
    const raw = await c.req.text();
    const delivery = c.req.header('idempotency-key');
    const caller =
      row?.active === 1
        ? await verifyWebhook(
            c.env,
            row,
            {
              authorization: c.req.header('authorization'),
              signature: c.req.header('x-edgeflow-signature'),
              idempotencyKey: delivery,
              body: raw,
            },
            now,
          )
        : null;
    // Unknown, inactive, wrong secret, stale or bad signature: one answer, so a slug can't be probed.
    if (!row || !caller) throw unauthorized();
    if (delivery !== undefined && !isValidIdempotencyKey(delivery)) {
      throw new ApiError(
        422,
        'request.invalid',
        'Idempotency-Key must be 1-200 visible ASCII characters other than ".".',
        'Idempotency-Key',
      );
    }
    // Whatever its content type, the body becomes parameters: the same limits as any JSON body.
    assertJsonTextWithinLimits(raw, 'body');
    let body: unknown;
    try {
      body = raw.trim() === '' ? undefined : JSON.parse(raw);
    } catch {
      throw new ApiError(400, 'request.malformed_json', 'The body is not valid JSON.', 'body');
    }
    const webhook = toWebhook(row);
    // A signed request without a key is its own delivery: its signature keys the run and the event,
    // so a replay of it inside the signature's window finds them instead of making more.
    const key = delivery ?? (caller.signature ? `signature ${caller.signature}` : undefined);
    // The event is checked before the run is made: a body that cannot make it runs nothing.
    const emitted = await draftWebhookEvent(webhook, body, c.req.raw.headers, key, now);
    if (!webhook.deployment_id) return c.json(await emitOnly(c, webhook, emitted!, delivery, now), 202);
    const mapped = webhookParameters(webhook.parameter_mapping, body);
    if ('problem' in mapped) throw new ApiError(422, 'webhook.unmappable_body', mapped.problem, 'body');
    const request = DeploymentFlowRunCreateSchema.safeParse({
      parameters: mapped.parameters,
      tags: ['webhook'],
      ...(key ? { idempotency_key: `webhook ${row.id} ${key}` } : {}),
    });
    if (!request.success) {
      const issue = request.error.issues[0];
      const field = issue?.path[0] === 'idempotency_key' ? 'Idempotency-Key' : 'body';
      throw new ApiError(422, 'webhook.unusable_body', `Invalid ${field}: ${issue?.message}`, field);
    }
    const deployment = await deploymentOr404(c.env, webhook.deployment_id);
    const { created, run } = await createDeploymentRun(c.env, deployment, request.data, now);
    if (!created && delivery === undefined) throw replayedError();
    const events = emitted ? [withRun(emitted, run.id)] : [];
    if (created)
      events.push(
        webhookCalledEvent({ id: row.id, name: row.name }, deployment.id, run.id, {
          id: crypto.randomUUID(),
          occurred: now,
        }),
      );
    // A redelivery's event has the first delivery's id: stored once.
    await storeEvents(c, events, now);
    return c.json(run, created ? 201 : 200);
  })
  .openapi(create, async (c) => {
    const body = c.req.valid('json');
    checkWebhookTargets(body);
    if (body.deployment_id) await deploymentOr404(c.env, body.deployment_id);
    const secret = newWebhookSecret();
    const id = crypto.randomUUID();
    const row = await insertWebhook(
      c.env.DB,
      {
        id,
        slug: body.slug ?? `wh-${id.slice(0, 12)}`,
        name: body.name,
        deployment_id: body.deployment_id ?? null,
        auth: body.auth,
        secret_hash: body.auth === 'token' ? await hashToken(secret) : null,
        secret_cipher: body.auth === 'hmac' ? await encryptSecret(c.env, secret) : null,
        parameter_mapping: body.parameter_mapping ? JSON.stringify(body.parameter_mapping) : null,
        event: body.event ? JSON.stringify(body.event) : null,
        active: body.active ? 1 : 0,
      },
      new Date(),
    );
    if (!row) throw conflict('webhook.slug_taken', `The slug ${body.slug} is taken.`, 'slug');
    return c.json({ ...toWebhook(row), secret }, 201);
  })
  .openapi(list, async (c) => {
    return c.json((await listWebhooks(c.env.DB, c.req.valid('query').deployment_id)).map(toWebhook), 200);
  })
  .openapi(read, async (c) => {
    return c.json(toWebhook(await webhookOr404(c, c.req.valid('param').id)), 200);
  })
  .openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const patch = c.req.valid('json');
    const current = toWebhook(await webhookOr404(c, id));
    if (patch.deployment_id) await deploymentOr404(c.env, patch.deployment_id);
    const next = { ...current, ...patch };
    checkWebhookTargets(next);
    await updateWebhook(
      c.env.DB,
      id,
      {
        name: next.name,
        deployment_id: next.deployment_id,
        parameter_mapping: next.parameter_mapping ? JSON.stringify(next.parameter_mapping) : null,
        event: next.event ? JSON.stringify(next.event) : null,
        active: next.active ? 1 : 0,
      },
      new Date(),
    );
    return c.json(toWebhook(await webhookOr404(c, id)), 200);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deleteWebhook(c.env.DB, id))) throw notFound('webhook', id);
    return c.body(null, 204);
  });
