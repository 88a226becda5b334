// Inbound webhooks: `POST /api/webhooks/{slug}` (public, guarded by the webhook's own secret) turns a
// request into a run of its deployment; the rest of /api/webhooks manages them with an admin key.
import { createRoute, z } from '@hono/zod-openapi';
import {
  DeploymentFlowRunCreateSchema,
  FlowRunSchema,
  WebhookCreatedSchema,
  WebhookCreateSchema,
  WebhookSchema,
  WebhookUpdateSchema,
} from 'edgeflow/protocol';
import type { Context } from 'hono';
import {
  deleteWebhook,
  insertWebhook,
  listWebhooks,
  readWebhook,
  readWebhookBySlug,
  toWebhook,
  updateWebhook,
} from '../db/webhooks';
import { webhookParameters } from '../domain/webhooks/parameters';
import { createDeploymentRun } from './deployment-runs';
import { deploymentOr404 } from './deployments';
import { ApiError, conflict, notFound } from './errors';
import { assertJsonTextWithinLimits } from './input-guards';
import { type AppEnv, createRouter, jsonBody, jsonResponse } from './router';
import { encryptSecret, hashToken, newWebhookSecret, verifyWebhook } from './webhook-secrets';

const IdParam = z.object({ id: z.uuid() });

function requireAdmin(c: Context<AppEnv>): void {
  if (c.get('principal')?.scope !== 'admin') {
    throw new ApiError(403, 'auth.forbidden', 'Managing webhooks takes an admin key.');
  }
}

async function webhookOr404(c: Context<AppEnv>, id: string) {
  const row = await readWebhook(c.env.DB, id);
  if (!row) throw notFound('webhook', id);
  return row;
}

const receive = createRoute({
  method: 'post',
  path: '/webhooks/{slug}',
  security: [],
  request: { params: z.object({ slug: z.string().min(1).max(100) }) },
  responses: {
    201: jsonResponse(FlowRunSchema, 'A run of the deployment was created'),
    200: jsonResponse(FlowRunSchema, 'The run for this Idempotency-Key already existed'),
  },
});

const create = createRoute({
  method: 'post',
  path: '/webhooks',
  request: { body: jsonBody(WebhookCreateSchema) },
  responses: { 201: jsonResponse(WebhookCreatedSchema, 'Created; the secret is shown this once') },
});

const list = createRoute({
  method: 'get',
  path: '/webhooks',
  request: { query: z.object({ deployment_id: z.uuid().optional() }) },
  responses: { 200: jsonResponse(z.array(WebhookSchema), 'Webhooks, oldest first') },
});

const read = createRoute({
  method: 'get',
  path: '/webhooks/{id}',
  request: { params: IdParam },
  responses: { 200: jsonResponse(WebhookSchema, 'The webhook') },
});

const update = createRoute({
  method: 'patch',
  path: '/webhooks/{id}',
  request: { params: IdParam, body: jsonBody(WebhookUpdateSchema) },
  responses: { 200: jsonResponse(WebhookSchema, 'The webhook after the change') },
});

const remove = createRoute({
  method: 'delete',
  path: '/webhooks/{id}',
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' } },
});

export const webhooksRouter = createRouter()
  .openapi(receive, async (c) => {
    const row = await readWebhookBySlug(c.env.DB, c.req.valid('param').slug);
    if (row?.active !== 1) throw notFound('webhook', c.req.valid('param').slug);
    const raw = await c.req.text();
    const headers = {
      authorization: c.req.header('authorization'),
      signature: c.req.header('x-edgeflow-signature'),
    };
    if (!(await verifyWebhook(c.env, row, headers, raw))) {
      throw new ApiError(
        401,
        'webhook.unauthorized',
        row.auth === 'token'
          ? "Send the webhook's token as `Authorization: Bearer <token>`."
          : 'Send `X-Edgeflow-Signature: sha256=<hex>`, the HMAC-SHA256 of the body under the webhook secret.',
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
    const mapped = webhookParameters(toWebhook(row).parameter_mapping, body);
    if ('problem' in mapped) throw new ApiError(422, 'webhook.unmappable_body', mapped.problem, 'body');
    const delivery = c.req.header('idempotency-key');
    const request = DeploymentFlowRunCreateSchema.safeParse({
      parameters: mapped.parameters,
      tags: ['webhook'],
      ...(delivery ? { idempotency_key: `webhook ${row.id} ${delivery}` } : {}),
    });
    if (!request.success) {
      const issue = request.error.issues[0];
      const field = issue?.path[0] === 'idempotency_key' ? 'idempotency-key' : 'body';
      throw new ApiError(422, 'webhook.unusable_body', `Invalid ${field}: ${issue?.message}`, field);
    }
    const deployment = await deploymentOr404(c.env, row.deployment_id);
    const { created, run } = await createDeploymentRun(c.env, deployment, request.data, new Date());
    return c.json(run, created ? 201 : 200);
  })
  .openapi(create, async (c) => {
    requireAdmin(c);
    const body = c.req.valid('json');
    await deploymentOr404(c.env, body.deployment_id);
    const secret = newWebhookSecret();
    const id = crypto.randomUUID();
    const row = await insertWebhook(
      c.env.DB,
      {
        id,
        slug: body.slug ?? `wh-${id.slice(0, 12)}`,
        name: body.name,
        deployment_id: body.deployment_id,
        auth: body.auth,
        secret_hash: body.auth === 'token' ? await hashToken(secret) : null,
        secret_cipher: body.auth === 'hmac' ? await encryptSecret(c.env, secret) : null,
        parameter_mapping: body.parameter_mapping ? JSON.stringify(body.parameter_mapping) : null,
        active: body.active ? 1 : 0,
      },
      new Date(),
    );
    if (!row) throw conflict('webhook.slug_taken', `The slug ${body.slug} is taken.`, 'slug');
    return c.json({ ...toWebhook(row), secret }, 201);
  })
  .openapi(list, async (c) => {
    requireAdmin(c);
    return c.json((await listWebhooks(c.env.DB, c.req.valid('query').deployment_id)).map(toWebhook), 200);
  })
  .openapi(read, async (c) => {
    requireAdmin(c);
    return c.json(toWebhook(await webhookOr404(c, c.req.valid('param').id)), 200);
  })
  .openapi(update, async (c) => {
    requireAdmin(c);
    const { id } = c.req.valid('param');
    const patch = c.req.valid('json');
    const current = toWebhook(await webhookOr404(c, id));
    if (patch.deployment_id) await deploymentOr404(c.env, patch.deployment_id);
    const next = { ...current, ...patch };
    await updateWebhook(
      c.env.DB,
      id,
      {
        name: next.name,
        deployment_id: next.deployment_id,
        parameter_mapping: next.parameter_mapping ? JSON.stringify(next.parameter_mapping) : null,
        active: next.active ? 1 : 0,
      },
      new Date(),
    );
    return c.json(toWebhook(await webhookOr404(c, id)), 200);
  })
  .openapi(remove, async (c) => {
    requireAdmin(c);
    const { id } = c.req.valid('param');
    if (!(await deleteWebhook(c.env.DB, id))) throw notFound('webhook', id);
    return c.body(null, 204);
  });
