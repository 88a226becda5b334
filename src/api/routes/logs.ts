// Logs: agents and the SDK ship them in batches; the UI and CLI read them back through a filter.
import { createRoute, z } from '@hono/zod-openapi';
import {
  ApiErrorBodySchema,
  LogFilterBodySchema,
  LogSchema,
  LogsCreateBodySchema,
  PrefectLogSchema,
} from 'edgeflow/protocol';
import { filterLogs, insertLogs } from '../../db/logs';
import { prefectLog } from '../../domain/runs/prefect-logs';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const createLogs = createRoute({
  method: 'post',
  path: '/logs',
  security: requiresScope('agent'),
  summary: 'Write a batch of logs (all or none, each line once by its key); they need not name a known run',
  request: { body: jsonBody(LogsCreateBodySchema) },
  responses: {
    201: jsonResponse(
      z.object({ count: z.number().int() }),
      'How many logs the batch held (the same count when the batch is sent again)',
    ),
    422: jsonResponse(ApiErrorBodySchema, 'A log in the batch is invalid; none were written'),
  },
});

const readLogs = createRoute({
  method: 'post',
  path: '/logs/filter',
  security: requiresScope('read'),
  summary: 'Read logs by run, level, time or id cursor',
  request: { body: jsonBody(LogFilterBodySchema) },
  responses: {
    200: jsonResponse(
      z.union([z.array(LogSchema), z.array(PrefectLogSchema)]),
      "Matching logs, in timestamp order; in Prefect's shape for a request with X-PREFECT-API-VERSION",
    ),
    422: jsonResponse(ApiErrorBodySchema, 'Invalid filter'),
  },
});

export const logsRouter = createRouter()
  .openapi(createLogs, async (c) => c.json({ count: await insertLogs(c.env.DB, c.req.valid('json')) }, 201))
  .openapi(readLogs, async (c) => {
    const logs = await filterLogs(c.env.DB, c.req.valid('json'));
    // Prefect's client sends its API version on every request, and validates log ids as UUIDs.
    const fromPrefect = c.req.header('x-prefect-api-version') !== undefined;
    return c.json(fromPrefect ? logs.map(prefectLog) : logs, 200);
  });
