// The HTTP API and the dashboard's sign-in: auth, body limits, one router per resource, and the one
// place errors become JSON.
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { getPath } from 'hono/utils/url';
import { dashboardRouter } from '../dashboard/router';
import { authenticate } from './auth';
import { ApiError } from './errors';
import { filterBodiesTakeNulls } from './filter-nulls';
import { guardJsonBodies, refuseMalformedPaths } from './input-guards';
import { requiresScope } from './route-scopes';
import type { AppEnv } from './router';
import { apiKeysRouter } from './routes/api-keys';
import { artifactsRouter } from './routes/artifacts';
import { automationsRouter } from './routes/automations';
import { blockDocumentsRouter } from './routes/block-documents';
import { blockSchemasRouter } from './routes/block-schemas';
import { blockTypesRouter } from './routes/block-types';
import { concurrencyLimitsRouter } from './routes/concurrency-limits';
import { deploymentSchedulesRouter } from './routes/deployment-schedules';
import { deploymentsRouter } from './routes/deployments';
import { eventStreamRouter } from './routes/event-stream';
import { eventsRouter } from './routes/events';
import { flowRunInputsRouter } from './routes/flow-run-inputs';
import { flowRunWaitRouter } from './routes/flow-run-wait';
import { flowRunsRouter } from './routes/flow-runs';
import { flowRunsBulkRouter } from './routes/flow-runs-bulk';
import { flowRunsDeleteRouter } from './routes/flow-runs-delete';
import { flowsRouter } from './routes/flows';
import { healthRouter } from './routes/health';
import { logsRouter } from './routes/logs';
import { resultsRouter } from './routes/results';
import { runStatesRouter } from './routes/run-states';
import { secretKeyRouter } from './routes/secret-key';
import { signInRouter } from './routes/sign-in';
import { signInTokensRouter } from './routes/sign-in-tokens';
import { tagConcurrencyLimitsRouter } from './routes/tag-concurrency-limits';
import { taskRunsRouter } from './routes/task-runs';
import { variablesRouter } from './routes/variables';
import { webhooksRouter } from './routes/webhooks';
import { workPoolDispatchRouter } from './routes/work-pool-dispatch';
import { workPoolsRouter } from './routes/work-pools';
import { ensureSystemBlocks, needsSystemBlocks } from './system-blocks';

/** Prefect caps parameters at 512 KB; batches of task runs and logs need more room than that. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * How much of an oversized body is read and dropped before the 413: a server that answers while the
 * client is still sending, and then closes, resets the connection under the client, which sees no
 * answer at all. The local server faces clients directly (docs/performance.md). Past this, it closes.
 */
const OVERSIZED_BODY_DRAIN_BYTES = 32 * 1024 * 1024;

/** Reads what is left of a body the server refuses, up to `limit` bytes; a body already being read is left. */
async function discardBody(body: ReadableStream<Uint8Array> | null, limit: number): Promise<void> {
  if (!body || body.locked) return;
  const reader = body.getReader();
  for (let read = 0; read <= limit; ) {
    const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    if (chunk.done) return;
    read += chunk.value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
}

/**
 * What a 429 or 503 tells its client to wait. Prefect's client backs off 2, 4, 8… s (about two minutes
 * in all) on a 429 or 503 without it, and waits at least this long with it (docs/prefect-compat.md).
 */
const RETRY_AFTER_SECONDS = 1;

/** Cloudflare marks Durable Object errors that a retry may clear as `retryable` or `overloaded`. */
function isTransient(error: unknown): boolean {
  const flags = error as { retryable?: unknown; overloaded?: unknown };
  return flags?.retryable === true || flags?.overloaded === true;
}

/**
 * The path a request is routed by. Prefect's client ends every collection path in `/` (`POST /api/flows/`),
 * so under /api one trailing slash is dropped here, once, and each route serves both spellings
 * (docs/prefect-compat.md).
 */
export function routingPath(request: Request): string {
  const path = getPath(request);
  return path.length > 5 && path.startsWith('/api/') && path.endsWith('/') ? path.slice(0, -1) : path;
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ getPath: routingPath });

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: async (c) => {
        await discardBody(c.req.raw.body, OVERSIZED_BODY_DRAIN_BYTES);
        throw new ApiError(
          413,
          'request.too_large',
          `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
        );
      },
    }),
  );
  // Everything, pages included: the public exceptions are the middleware's own list.
  app.use(
    '*',
    authenticate(() => app.openAPIRegistry.definitions),
  );
  app.use('/api/*', refuseMalformedPaths);
  app.use('/api/*', guardJsonBodies);
  app.use('/api/*', filterBodiesTakeNulls);
  app.use('*', async (c, next) => {
    if (needsSystemBlocks(c.req.path)) await ensureSystemBlocks(c.env, new Date());
    return next();
  });

  app.route('/api', healthRouter);
  app.route('/api', flowsRouter);
  app.route('/api', flowRunsBulkRouter);
  app.route('/api', flowRunsDeleteRouter);
  app.route('/api', flowRunsRouter);
  app.route('/api', flowRunInputsRouter);
  app.route('/api', flowRunWaitRouter);
  app.route('/api', taskRunsRouter);
  app.route('/api', runStatesRouter);
  app.route('/api', apiKeysRouter);
  app.route('/api', logsRouter);
  app.route('/api', workPoolsRouter);
  app.route('/api', workPoolDispatchRouter);
  app.route('/api', deploymentsRouter);
  app.route('/api', deploymentSchedulesRouter);
  app.route('/api', webhooksRouter);
  app.route('/api', eventsRouter);
  app.route('/api', eventStreamRouter);
  app.route('/api', automationsRouter);
  app.route('/api', resultsRouter);
  app.route('/api', concurrencyLimitsRouter);
  app.route('/api', tagConcurrencyLimitsRouter);
  app.route('/api', blockTypesRouter);
  app.route('/api', blockSchemasRouter);
  app.route('/api', blockDocumentsRouter);
  app.route('/api', secretKeyRouter);
  app.route('/api', variablesRouter);
  app.route('/api', artifactsRouter);
  app.route('/api', signInTokensRouter);
  app.route('/', signInRouter);
  app.route(
    '/',
    dashboardRouter(() => app.openAPIRegistry.definitions),
  );

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Edgeflow API', version: '0.1.0' },
    security: [{ bearer: [] }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    security: requiresScope('read'),
    responses: { 200: { description: 'The OpenAPI 3.1 document' } },
  });

  app.notFound((c) =>
    c.json({ detail: `No route for ${c.req.method} ${c.req.path}`, code: 'route.not_found' }, 404),
  );

  app.onError((error, c) => {
    if (error instanceof ApiError) {
      if (error.status === 429 || error.status === 503) c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      return c.json(
        { detail: error.message, code: error.code, ...(error.field ? { field: error.field } : {}) },
        error.status,
      );
    }
    if (error instanceof HTTPException && error.status < 500) {
      const malformed = /json/i.test(error.message);
      return c.json(
        {
          detail: error.message,
          code: malformed ? 'request.malformed_json' : 'request.invalid',
          field: 'body',
        },
        error.status,
      );
    }
    if (isTransient(error)) {
      // A Durable Object that was overloaded or reset: the same request is expected to succeed soon.
      console.error('transient error', error);
      c.header('Retry-After', String(RETRY_AFTER_SECONDS));
      return c.json({ detail: 'The service is briefly unavailable; retry.', code: 'unavailable' }, 503);
    }
    console.error('unhandled error', error);
    return c.json({ detail: 'Internal server error', code: 'internal' }, 500);
  });

  return app;
}
