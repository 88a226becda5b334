// Retention: the Cron Trigger deletes events older than the configured days (7 by default) in bounded
// batches, and the automations evaluator's firings with them; what one tick leaves, the next takes
// (docs/events.md, "Retention"). Its own D1 and evaluator (a scheduler test file), so pruning here
// touches no other file's events or firings.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { insertEvents } from '../../src/db/events';
import type { AutomationsObject } from '../../src/durable/automations-object';
import { pruneExpiredEvents } from '../../src/scheduler/event-retention';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const DAY = 86_400_000;

function eventAt(daysAgo: number, name: string) {
  return {
    id: crypto.randomUUID(),
    occurred: new Date(NOW.getTime() - daysAgo * DAY).toISOString(),
    event: name,
    resource: { 'prefect.resource.id': 'retention.resource' },
    related: [],
    payload: {},
  };
}

async function remaining(): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT event FROM events ORDER BY occurred').all<{
    event: string;
  }>();
  return results.map((row) => row.event);
}

describe('event retention', () => {
  it('deletes events older than 7 days by default and keeps the rest', async () => {
    await insertEvents(env.DB, [eventAt(8, 'old'), eventAt(6, 'recent'), eventAt(0, 'new')], NOW);
    expect(await pruneExpiredEvents({ DB: env.DB }, NOW)).toBe(1);
    expect(await remaining()).toEqual(['recent', 'new']);
  });

  it('keeps as many days as configured', async () => {
    expect(await pruneExpiredEvents({ DB: env.DB, EDGEFLOW_EVENTS_RETENTION_DAYS: '1' }, NOW)).toBe(1);
    expect(await remaining()).toEqual(['new']);
  });

  it('deletes at most batches × batchSize a tick; the next tick goes on', async () => {
    await insertEvents(
      env.DB,
      Array.from({ length: 7 }, (_, i) => eventAt(30 + i, `expired-${i}`)),
      NOW,
    );
    expect(await pruneExpiredEvents({ DB: env.DB }, NOW, { batchSize: 2, batches: 2 })).toBe(4);
    expect(await pruneExpiredEvents({ DB: env.DB }, NOW, { batchSize: 2, batches: 2 })).toBe(3);
    expect(await remaining()).toEqual(['new']);
  });
});

describe("the automations evaluator's firings", () => {
  const evaluator = () => env.AUTOMATIONS.get(env.AUTOMATIONS.idFromName('automations'));

  it('go once older than the events they could have been fired by, a bounded number a tick', async () => {
    const keys = await runInDurableObject(evaluator(), (instance: AutomationsObject, state) => {
      instance.clock = { now: () => NOW.getTime() };
      const sql = state.storage.sql;
      const record = (key: string, daysAgo: number) =>
        sql.exec(
          'INSERT INTO firings (key, automation_id, doc, at) VALUES (?, ?, ?, ?)',
          key,
          'automation-a',
          '{}',
          NOW.getTime() - daysAgo * DAY,
        );
      for (const [key, daysAgo] of [
        ['old-1', 9],
        ['old-2', 8],
        ['old-3', 7.5],
        ['recent', 6],
        ['new', 0],
      ] as const)
        record(key, daysAgo);
      instance.pruneFirings(2);
      const afterOneTick = sql.exec<{ key: string }>('SELECT key FROM firings ORDER BY at').toArray();
      instance.pruneFirings();
      const afterTwo = sql.exec<{ key: string }>('SELECT key FROM firings ORDER BY at').toArray();
      return { afterOneTick: afterOneTick.map((row) => row.key), afterTwo: afterTwo.map((row) => row.key) };
    });
    expect(keys.afterOneTick).toEqual(['old-3', 'recent', 'new']);
    expect(keys.afterTwo).toEqual(['recent', 'new']);
  });
});
