// The live event stream: Server-Sent Events, read from D1 by seq every STREAM_POLL_MS, so a follower
// sees every matching event once, in commit order, and resumes from `Last-Event-ID` after a
// reconnect (docs/events.md, "The live stream": why SSE and polling, and what it costs).
import { createRoute, z } from '@hono/zod-openapi';
import { ApiErrorBodySchema, EventFilterSchema } from 'edgeflow/protocol';
import { streamSSE } from 'hono/streaming';
import { eventsAfter, lastEventSeq } from '../../db/event-queries';
import { ApiError } from '../errors';
import { requiresScope } from '../route-scopes';
import { createRouter, fieldPath, jsonResponse } from '../router';

/** How often a stream asks D1 for new events: the stream's latency, and one D1 read per period. */
export const STREAM_POLL_MS = 250;
/** Events one read sends at most; a full read is followed by the next at once. */
const STREAM_READ_LIMIT = 200;
/** A comment this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

const stream = createRoute({
  method: 'get',
  path: '/events/stream',
  security: requiresScope('read'),
  summary: 'New events as Server-Sent Events (`id` is the event seq; send Last-Event-ID to resume)',
  request: {
    query: z.object({ filter: z.string().max(20_000).optional() }),
    headers: z.object({
      'last-event-id': z
        .string()
        .regex(/^\d{1,15}$/)
        .optional(),
    }),
  },
  responses: {
    200: { description: 'The stream', content: { 'text/event-stream': { schema: z.string() } } },
    422: jsonResponse(ApiErrorBodySchema, 'The filter is not an event filter'),
  },
});

function parseFilter(text: string | undefined) {
  let value: unknown = {};
  if (text !== undefined) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(422, 'request.invalid', 'Invalid filter: not JSON', 'filter');
    }
  }
  const parsed = EventFilterSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const path = fieldPath(parsed.error.issues[0]!.path);
  const field = path ? `filter.${path}` : 'filter';
  throw new ApiError(422, 'request.invalid', `Invalid ${field}: ${parsed.error.issues[0]!.message}`, field);
}

export const eventStreamRouter = createRouter().openapi(stream, (c) => {
  const filter = parseFilter(c.req.valid('query').filter);
  const resumeFrom = c.req.valid('header')['last-event-id'];
  const db = c.env.DB;
  return streamSSE(c, async (sse) => {
    let open = true;
    sse.onAbort(() => {
      open = false;
    });
    let cursor = resumeFrom === undefined ? await lastEventSeq(db) : Number(resumeFrom);
    // Sent first, so a follower knows the stream is live before any event comes.
    await sse.writeSSE({ event: 'ready', data: String(cursor) });
    let quietSince = Date.now();
    while (open) {
      const { rows, upTo } = await eventsAfter(db, filter, cursor, STREAM_READ_LIMIT);
      for (const row of rows) await sse.writeSSE({ id: String(row.seq), event: 'event', data: row.json });
      cursor = upTo;
      if (rows.length > 0) quietSince = Date.now();
      else if (Date.now() - quietSince >= KEEPALIVE_MS) {
        await sse.write(': keepalive\n\n');
        quietSince = Date.now();
      }
      if (rows.length < STREAM_READ_LIMIT) await sse.sleep(STREAM_POLL_MS);
    }
  });
});
