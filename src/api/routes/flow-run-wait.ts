// `GET /api/flow_runs/{id}/wait`: held open until the run ends or the wait is up, then the run as it
// is; runDeployment waits for a run's end this way instead of polling (docs/sdk.md, "runDeployment").
import { createRoute, z } from '@hono/zod-openapi';
import { FlowRunSchema } from 'edgeflow/protocol';
import { flowRunObject } from '../../durable/objects';
import { notFound } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonResponse } from '../router';

/** The longest a request is held: well inside the client's 30 s per-attempt timeout with its margin. */
export const MAX_WAIT_FOR_END_SECONDS = 20;

const wait = createRoute({
  method: 'get',
  path: '/flow_runs/{id}/wait',
  security: requiresScope('read'),
  summary: 'The flow run once it reaches a terminal state, or when timeout_seconds have passed',
  request: {
    params: z.object({ id: z.uuid() }),
    query: z.object({
      timeout_seconds: z.coerce
        .number()
        .min(0)
        .max(MAX_WAIT_FOR_END_SECONDS)
        // Held only when asked: a plain GET reads the run, as any client with a short timeout expects.
        .default(0),
    }),
  },
  responses: { 200: jsonResponse(FlowRunSchema, 'The flow run, ended or as it is when the wait is up') },
});

export const flowRunWaitRouter = createRouter().openapi(wait, async (c) => {
  const { id } = c.req.valid('param');
  const { timeout_seconds } = c.req.valid('query');
  const run = await flowRunObject(c.env, id).waitForEnd(timeout_seconds * 1000);
  if (!run) throw notFound('flow_run', id);
  return c.json(run, 200);
});
