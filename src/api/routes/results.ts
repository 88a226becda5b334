// Task and flow results the SDK persists: serialized bytes in R2 under a key the SDK chooses.
import { z } from '@hono/zod-openapi';
import { ApiError, notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter } from '../router';

/** The API's body limit (app.ts) caps a result too; larger values are the SDK's to refuse. */
const MAX_RESULT_BYTES = 4 * 1024 * 1024;
const DEFAULT_CONTENT_TYPE = 'application/json';

/** Keys are relative paths of plain segments: no `..`, no empty segment, no leading slash. */
export function isValidResultKey(key: string): boolean {
  if (key.length === 0 || key.length > 512) return false;
  return key.split('/').every((segment) => /^[A-Za-z0-9_.:=-]+$/.test(segment) && !/^\.+$/.test(segment));
}

/** The route's `key` spans the rest of the path; refuseMalformedPaths (app.ts) made sure it decodes. */
function resultKey(key: string): string {
  if (!isValidResultKey(key)) {
    throw new ApiError(422, 'result.invalid_key', `Invalid result key "${key.slice(0, 100)}".`, 'key');
  }
  return key;
}

/** Raw bytes, not JSON, so these are documented here and routed by Hono; `{key}` may hold `/`. */
const KEY_PATH = '/results/:key{.+}';
const keyParam = { params: z.object({ key: z.string() }) };

export const resultsRouter = createRouter();
resultsRouter.openAPIRegistry.registerPath({
  method: 'put',
  path: '/results/{key}',
  summary: 'Store result bytes under a key the SDK chose',
  security: requiresScope('agent'),
  request: keyParam,
  responses: { 201: { description: 'Stored: `{storage_key, size}`' } },
});
resultsRouter.openAPIRegistry.registerPath({
  method: 'get',
  path: '/results/{key}',
  summary: 'Read result bytes back',
  security: requiresScope('read'),
  request: keyParam,
  responses: { 200: { description: 'The bytes, with their stored content type' } },
});

resultsRouter
  .put(KEY_PATH, async (c) => {
    const key = resultKey(c.req.param('key'));
    const body = await c.req.arrayBuffer();
    if (body.byteLength > MAX_RESULT_BYTES) {
      throw new ApiError(413, 'result.too_large', `A result may hold at most ${MAX_RESULT_BYTES} bytes.`);
    }
    const contentType = c.req.header('content-type') ?? DEFAULT_CONTENT_TYPE;
    await c.env.RESULTS.put(key, body, { httpMetadata: { contentType } });
    return c.json({ storage_key: key, size: body.byteLength }, 201);
  })
  .get(KEY_PATH, async (c) => {
    const key = resultKey(c.req.param('key'));
    const object = await c.env.RESULTS.get(key);
    if (!object) throw notFound('result', key);
    return new Response(object.body, {
      headers: { 'content-type': object.httpMetadata?.contentType ?? DEFAULT_CONTENT_TYPE },
    });
  });
