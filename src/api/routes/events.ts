// Events: written in batches (`agent` scope) and read back by filter, page token and count
// (`read` scope), in Prefect's shapes (docs/events.md). The live stream is in event-stream.ts.
import { createRoute, z } from '@hono/zod-openapi';
import {
  ApiErrorBodySchema,
  EventCountableSchema,
  type EventCountBody,
  EventCountBodySchema,
  EventCountSchema,
  EventFilterBodySchema,
  EventPageSchema,
  EventsCreateBodySchema,
} from 'edgeflow/protocol';
import { countEvents, filterEvents } from '../../db/event-queries';
import { insertEvents } from '../../db/events';
import {
  bucketRange,
  decodePageToken,
  encodePageToken,
  type PageCursor,
  timeBuckets,
} from '../../domain/events';
import { nudgeAutomations } from '../../durable/objects';
import { ApiError } from '../errors';
import { utcEvent } from '../events-input';
import { requiresScope } from '../route-scopes';
import { createRouter, jsonBody, jsonResponse } from '../router';

const create = createRoute({
  method: 'post',
  path: '/events',
  security: requiresScope('agent'),
  summary: 'Store a batch of events (all or none, each once by its id); answers once they are durable',
  request: { body: jsonBody(EventsCreateBodySchema) },
  responses: {
    204: { description: 'Stored' },
    422: jsonResponse(ApiErrorBodySchema, 'An event breaks a limit; the field is named and none is stored'),
  },
});

const filter = createRoute({
  method: 'post',
  path: '/events/filter',
  security: requiresScope('read'),
  summary: 'Events matching a filter, newest first by default, a page at a time',
  request: { body: jsonBody(EventFilterBodySchema) },
  responses: { 200: jsonResponse(EventPageSchema, 'A page of events, the total and the next page') },
});

const nextPage = createRoute({
  method: 'get',
  path: '/events/filter/next',
  security: requiresScope('read'),
  summary: "The next page of a filter's events",
  request: { query: z.object({ 'page-token': z.string().min(1).max(20_000) }) },
  responses: {
    200: jsonResponse(EventPageSchema, 'The next page'),
    422: jsonResponse(ApiErrorBodySchema, 'Not a page token'),
  },
});

const countBy = createRoute({
  method: 'post',
  path: '/events/count-by/{countable}',
  security: requiresScope('read'),
  summary: 'Counts of matching events by UTC day, time bucket or event name',
  request: { params: z.object({ countable: EventCountableSchema }), body: jsonBody(EventCountBodySchema) },
  responses: { 200: jsonResponse(z.array(EventCountSchema), 'One count per bucket') },
});

const PageTokenSchema = EventFilterBodySchema.extend({
  after: z.object({ occurred: z.string(), seq: z.number().int() }),
});

async function page(db: D1Database, body: z.output<typeof EventFilterBodySchema>, after: PageCursor | null) {
  const rows = await filterEvents(db, body.filter, body.limit, after);
  const token = rows.next && encodePageToken({ filter: body.filter, limit: body.limit, after: rows.next });
  return {
    events: rows.events,
    total: rows.total,
    next_page: token && `/api/events/filter/next?page-token=${token}`,
  };
}

async function counts(db: D1Database, countable: 'day' | 'time' | 'event', body: EventCountBody) {
  if (countable === 'event') {
    const rows = await countEvents(db, body.filter, { kind: 'event' });
    return rows.map((row) => ({
      value: row.value,
      label: row.value,
      count: row.count,
      start_time: row.first,
      end_time: row.last,
    }));
  }
  if (countable === 'day') {
    const rows = await countEvents(db, body.filter, { kind: 'day' });
    return rows.map((row) => {
      const start = new Date(`${row.value}T00:00:00.000Z`);
      const end = new Date(start.getTime() + 86_400_000);
      return { ...row, label: row.value, start_time: start.toISOString(), end_time: end.toISOString() };
    });
  }
  const buckets = timeBuckets(body, new Date());
  if ('field' in buckets)
    throw new ApiError(
      422,
      'events.too_many_buckets',
      `Invalid ${buckets.field}: ${buckets.message}`,
      buckets.field,
    );
  const filter = {
    ...body.filter,
    occurred: { since: buckets.since.toISOString(), until: buckets.until.toISOString() },
  };
  const found = new Map(
    (await countEvents(db, filter, { kind: 'time', ...buckets })).map((row) => [row.value, row.count]),
  );
  const total = Math.ceil((buckets.until.getTime() - buckets.since.getTime()) / 1000 / buckets.seconds);
  return Array.from({ length: total }, (_, index) => {
    const { start, end } = bucketRange(buckets, index);
    const label = start.toISOString();
    return {
      value: label,
      label,
      count: found.get(String(index)) ?? 0,
      start_time: label,
      end_time: end.toISOString(),
    };
  });
}

export const eventsRouter = createRouter()
  .openapi(create, async (c) => {
    await insertEvents(c.env.DB, c.req.valid('json').map(utcEvent), new Date());
    c.executionCtx.waitUntil(nudgeAutomations(c.env));
    return c.body(null, 204);
  })
  .openapi(filter, async (c) => c.json(await page(c.env.DB, c.req.valid('json'), null), 200))
  .openapi(nextPage, async (c) => {
    const parsed = PageTokenSchema.safeParse(decodePageToken(c.req.valid('query')['page-token']));
    if (!parsed.success)
      throw new ApiError(422, 'events.bad_page_token', 'Invalid page-token: not a page token', 'page-token');
    return c.json(await page(c.env.DB, parsed.data, parsed.data.after), 200);
  })
  .openapi(countBy, async (c) =>
    c.json(await counts(c.env.DB, c.req.valid('param').countable, c.req.valid('json')), 200),
  );
