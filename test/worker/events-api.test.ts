// The events API: batches stored once by id and durable when answered, Prefect's limits as 422s
// naming the field, filters (names by prefix, resource ids with wildcards, related resources, time),
// pages by token, counts, and the live stream (docs/events.md).
import { exports } from 'cloudflare:workers';
import type { Event, EventCount, EventPage } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, api } from './api';

/** A namespace of its own per test: these tests share D1 with every other file. */
const scope = () => `t${crypto.randomUUID().slice(0, 8)}`;

function event(ns: string, name: string, resource: string, fields: Record<string, unknown> = {}) {
  return {
    id: crypto.randomUUID(),
    occurred: '2026-03-01T10:00:00.000Z',
    event: `${ns}.${name}`,
    resource: { 'prefect.resource.id': `${ns}.${resource}` },
    ...fields,
  };
}

const filter = (body: unknown) => api<EventPage>('POST', '/events/filter', body);

describe('POST /api/events', () => {
  it('stores a batch that a filter reads as soon as it is answered, each event once by its id', async () => {
    const ns = scope();
    const batch = [event(ns, 'a', 'r.1'), event(ns, 'b', 'r.2')];
    expect((await api('POST', '/events', batch)).status).toBe(204);
    expect((await api('POST', '/events', batch)).status).toBe(204);
    const { body } = await filter({ filter: { event: { prefix: [`${ns}.`] } } });
    expect(body.total).toBe(2);
    expect(body.events[0]!.received).toBeTruthy();
  });

  it.each([
    ['event', (ns: string) => event(ns, 'x'.repeat(1_025), 'r')],
    [
      'related',
      (ns: string) =>
        event(ns, 'a', 'r', {
          related: Array(101).fill({ 'prefect.resource.id': 'x', 'prefect.resource.role': 'y' }),
        }),
    ],
    ['payload', (ns: string) => event(ns, 'a', 'r', { payload: { big: 'x'.repeat(1_500_001) } })],
    ['resource.prefect.resource.id', (ns: string) => event(ns, 'a', 'r', { resource: {} })],
  ])(
    'refuses an event over the limit on %s with 422 naming it, and stores none of the batch',
    async (field, make) => {
      const ns = scope();
      const { status, body } = await api<{ field: string }>('POST', '/events', [
        event(ns, 'ok', 'r'),
        make(ns),
      ]);
      expect(status).toBe(422);
      expect(body.field).toBe(`[1].${field}`);
      expect((await filter({ filter: { event: { prefix: [`${ns}.`] } } })).body.total).toBe(0);
    },
  );
});

describe('POST /api/events/filter', () => {
  it('matches names exactly or by prefix, resource ids exactly or with a trailing *, and related ids by role', async () => {
    const ns = scope();
    const related = [{ 'prefect.resource.id': `${ns}.flow.1`, 'prefect.resource.role': 'flow' }];
    await api('POST', '/events', [
      event(ns, 'run.Running', 'run.1', { related }),
      event(ns, 'run.Completed', 'run.1', { related }),
      event(ns, 'run.Running', 'run.2'),
      event(ns, 'other', 'pool.1'),
    ]);
    const count = async (f: unknown) => (await filter({ filter: f })).body.total;
    expect(await count({ event: { prefix: [`${ns}.run.`] } })).toBe(3);
    expect(await count({ event: { name: [`${ns}.run.Running`] } })).toBe(2);
    expect(await count({ resource: { id: [`${ns}.run.*`] } })).toBe(3);
    expect(await count({ resource: { id: [`${ns}.run.1`] } })).toBe(2);
    expect(await count({ related: { id: [`${ns}.flow.1`], role: ['flow'] } })).toBe(2);
    expect(await count({ related: { id: [`${ns}.flow.1`], role: ['deployment'] } })).toBe(0);
    expect(await count({ event: { prefix: [`${ns}.`], exclude_prefix: [`${ns}.run.`] } })).toBe(1);
  });

  it('takes a time range, and a % or _ in a prefix matches only itself', async () => {
    const ns = scope();
    await api('POST', '/events', [
      event(ns, 'early', 'r', { occurred: '2026-03-01T09:00:00Z' }),
      event(ns, 'late', 'r', { occurred: '2026-03-01T11:00:00+01:00' }),
    ]);
    const names = async (f: unknown) => (await filter({ filter: f })).body.events.map((e) => e.event);
    const prefix = { prefix: [`${ns}.`] };
    expect(await names({ event: prefix, occurred: { since: '2026-03-01T09:30:00Z' } })).toEqual([
      `${ns}.late`,
    ]);
    expect(await names({ event: prefix, occurred: { until: '2026-03-01T09:30:00Z' } })).toEqual([
      `${ns}.early`,
    ]);
    expect(await names({ event: { prefix: [`${ns.slice(0, 3)}_`] } })).toEqual([]);
    // D1 refuses LIKE patterns of 50 characters or more: prefixes that long were a 500 (fuzz).
    const long = `${ns}.${'x'.repeat(1_000)}`;
    expect(await names({ event: { prefix: [long] }, resource: { id_prefix: ['%'.repeat(60)] } })).toEqual([]);
    expect(await names({ event: { prefix: [`${ns}.`], exclude_prefix: [long, `${ns}.ea`] } })).toEqual([
      `${ns}.late`,
    ]);
  });

  it('pages through every match once with next_page, newest first', async () => {
    const ns = scope();
    const batch = Array.from({ length: 7 }, (_, i) =>
      event(ns, `e${i}`, 'r', { occurred: `2026-03-01T10:00:0${i % 3}.000Z` }),
    );
    await api('POST', '/events', batch);
    const seen: Event[] = [];
    let page = (await filter({ filter: { event: { prefix: [`${ns}.`] } }, limit: 3 })).body;
    seen.push(...page.events);
    while (page.next_page) {
      const next = await api<EventPage>('GET', page.next_page.replace('/api', ''));
      expect(next.status).toBe(200);
      page = next.body;
      seen.push(...page.events);
    }
    expect(seen.map((e) => e.id).sort()).toEqual(batch.map((e) => e.id).sort());
    const times = seen.map((e) => e.occurred);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('refuses a page token it did not write, naming page-token', async () => {
    const { status, body } = await api<{ field: string }>('GET', '/events/filter/next?page-token=bm9wZQ');
    expect(status).toBe(422);
    expect(body.field).toBe('page-token');
  });
});

describe('POST /api/events/count-by', () => {
  it('counts by event name, by day and by time bucket (empty buckets included)', async () => {
    const ns = scope();
    await api('POST', '/events', [
      event(ns, 'a', 'r', { occurred: '2026-03-01T10:00:00Z' }),
      event(ns, 'a', 'r', { occurred: '2026-03-02T10:00:00Z' }),
      event(ns, 'b', 'r', { occurred: '2026-03-02T12:30:00Z' }),
    ]);
    const f = { event: { prefix: [`${ns}.`] } };
    const count = (by: string, body: unknown) => api<EventCount[]>('POST', `/events/count-by/${by}`, body);
    const byEvent = (await count('event', { filter: f })).body;
    expect(byEvent.map((c) => [c.value, c.count])).toEqual([
      [`${ns}.a`, 2],
      [`${ns}.b`, 1],
    ]);
    const byDay = (await count('day', { filter: f })).body;
    expect(byDay.map((c) => [c.value, c.count])).toEqual([
      ['2026-03-01', 1],
      ['2026-03-02', 2],
    ]);
    const range = { ...f, occurred: { since: '2026-03-02T00:00:00Z', until: '2026-03-03T00:00:00Z' } };
    const byTime = (await count('time', { filter: range, time_unit: 'hour', time_interval: 6 })).body;
    expect(byTime.map((c) => c.count)).toEqual([0, 1, 1, 0]);
    const tooMany = await api<{ field: string }>('POST', '/events/count-by/time', {
      filter: range,
      time_unit: 'second',
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.field).toBe('time_interval');
  });
});

describe('GET /api/events/stream', () => {
  it('sends events stored after it opened that match its filter, with their seq as the SSE id', async () => {
    const ns = scope();
    const query = encodeURIComponent(JSON.stringify({ event: { prefix: [`${ns}.wanted`] } }));
    const response = await exports.default.fetch(`http://edgeflow.test/api/events/stream?filter=${query}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) text += decoder.decode((await reader.read()).value);
    };
    await readUntil('event: ready');
    await api('POST', '/events', [
      event(ns, 'unwanted', 'r'),
      event(ns, 'wanted', 'r', { payload: { n: 1 } }),
    ]);
    await readUntil(`${ns}.wanted`);
    await reader.cancel();
    const data = text.split('\n').find((line) => line.startsWith('data: {'))!;
    expect(JSON.parse(data.slice(6))).toMatchObject({ event: `${ns}.wanted`, payload: { n: 1 } });
    expect(text).toMatch(/^id: \d+$/m);
    expect(text).not.toContain(`${ns}.unwanted`);
  });

  it('refuses a filter that is not an event filter with 422 naming it', async () => {
    const { status, body } = await api<{ field: string }>(
      'GET',
      '/events/stream?filter=%7B%22nope%22%3A1%7D',
    );
    expect(status).toBe(422);
    expect(body.field).toBe('filter');
  });
});
