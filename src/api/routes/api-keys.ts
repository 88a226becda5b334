// API keys: minted here, shown once, stored as a SHA-256 hash; revoking one takes effect at once.
import { createRoute, z } from '@hono/zod-openapi';
import { ApiErrorBodySchema, ApiKeyCreatedSchema, ApiKeyCreateSchema, ApiKeySchema } from 'edgeflow/protocol';
import { insertApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys';
import { forgetCachedKey } from '../auth';
import { ApiError, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';
import { base64Url, sha256Hex } from '../secrets';

/** `ef_<12 hex id>_<43 base64url chars>`: the id finds the row, the 256-bit secret is the credential. */
function mintApiKey(random: (length: number) => Uint8Array) {
  const id = [...random(6)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const prefix = `ef_${id}`;
  return { id, prefix, key: `${prefix}_${base64Url(random(32))}` };
}

const randomBytes = (length: number) => crypto.getRandomValues(new Uint8Array(length));

const errorResponse = (description: string) => jsonResponse(ApiErrorBodySchema, description);

const createKey = createRoute({
  method: 'post',
  path: '/api_keys',
  security: requiresScope('admin'),
  summary: 'Create an API key; the response is the only time its secret is shown',
  request: { body: jsonBody(ApiKeyCreateSchema) },
  responses: {
    201: jsonResponse(ApiKeyCreatedSchema, 'The new key, with its secret in `key`'),
    422: errorResponse('Invalid body, or an expiry that has already passed'),
  },
});

const listKeys = createRoute({
  method: 'get',
  path: '/api_keys',
  security: requiresScope('admin'),
  summary: 'List API keys (never their secrets)',
  responses: { 200: jsonResponse(z.array(ApiKeySchema), 'All keys, oldest first') },
});

const revokeKey = createRoute({
  method: 'delete',
  path: '/api_keys/{id}',
  security: requiresScope('admin'),
  summary: 'Revoke an API key',
  request: { params: z.object({ id: z.string() }) },
  responses: {
    204: { description: 'Revoked (revoking twice keeps the first time)' },
    404: errorResponse('No such key'),
  },
});

export const apiKeysRouter = createRouter()
  .openapi(createKey, async (c) => {
    const body = c.req.valid('json');
    const now = new Date();
    if (body.expires_at && Date.parse(body.expires_at) <= now.getTime()) {
      throw new ApiError(422, 'request.invalid', 'expires_at must be in the future.', 'expires_at');
    }
    const { id, prefix, key } = mintApiKey(randomBytes);
    const row = await insertApiKey(c.env.DB, {
      id,
      name: body.name,
      scope: body.scope,
      prefix,
      hash: await sha256Hex(key),
      created: now.toISOString(),
      expiresAt: body.expires_at ? new Date(body.expires_at).toISOString() : null,
    });
    return c.json({ ...row, key }, 201);
  })
  .openapi(listKeys, async (c) => c.json(await listApiKeys(c.env.DB), 200))
  .openapi(revokeKey, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await revokeApiKey(c.env.DB, id, new Date().toISOString()))) throw notFound('api_key', id);
    forgetCachedKey(id);
    return c.body(null, 204);
  });
