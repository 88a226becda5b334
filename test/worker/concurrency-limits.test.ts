// Named concurrency and rate limits through the API: all or nothing, decay at chosen instants, leases
// and their expiry, held waiters in order, inactive limits, and bad input naming its field.

import { exports } from 'cloudflare:workers';
import type { ConcurrencyLimit, Log } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, api, createFlow } from './api';
import {
  acquire,
  call,
  createLimit,
  fireLimitAlarm,
  holders,
  limitStub,
  readLimit,
  release,
  setLimitClock,
  uniqueName,
  untilWaiting,
} from './limits';

const T0 = Date.UTC(2026, 0, 1);

describe('named limits', () => {
  it('are read by id or by name, listed by filter, and deleted', async () => {
    const limit = await createLimit({ limit: 2 });
    expect(limit).toMatchObject({ limit: 2, active: true, active_slots: 0, slot_decay_per_second: 0 });
    expect((await readLimit(limit.id)).name).toBe(limit.name);
    const { body: listed } = await call<ConcurrencyLimit[]>('POST', '/v2/concurrency_limits/filter', {});
    expect(listed.map((l) => l.name)).toContain(limit.name);
    expect((await call('POST', '/v2/concurrency_limits', { name: limit.name, limit: 1 })).status).toBe(409);
    expect((await call('DELETE', `/v2/concurrency_limits/${limit.id}`)).status).toBe(204);
    expect((await call('GET', `/v2/concurrency_limits/${limit.name}`)).status).toBe(404);
  });

  it('take slots all or nothing across names: a full limit leaves the others untouched', async () => {
    const a = await createLimit({ limit: 1 });
    const b = await createLimit({ limit: 1 });
    const holdsB = await acquire([b.name]);
    expect(holdsB.status).toBe(200);
    const both = await acquire([a.name, b.name]);
    expect(both.status).toBe(423);
    expect((await readLimit(a.name)).active_slots).toBe(0);
    await release(holdsB.body.lease_id);
    const granted = await acquire([b.name, a.name]);
    expect(granted.status).toBe(200);
    expect(granted.body.limits.map((l) => l.name).sort()).toEqual([a.name, b.name].sort());
    expect((await readLimit(a.name)).active_slots).toBe(1);
    expect((await readLimit(b.name)).active_slots).toBe(1);
    await release(granted.body.lease_id);
    expect((await readLimit(a.name)).active_slots).toBe(0);
    expect((await readLimit(b.name)).active_slots).toBe(0);
  });

  it('two holders asking for the same names in opposite orders both get them, one after the other', async () => {
    const a = await createLimit({ limit: 1 });
    const b = await createLimit({ limit: 1 });
    const [firstName, secondName] = [a.name, b.name].sort() as [string, string];
    const x = acquire([a.name, b.name], { wait_seconds: 30 }).then((answer) => ({ who: 'x', answer }));
    const y = acquire([b.name, a.name], { wait_seconds: 30 }).then((answer) => ({ who: 'y', answer }));
    const winner = await Promise.race([x, y]);
    expect(winner.answer.status).toBe(200);
    // The other waits on the first name in sorted order, holding nothing of the second.
    await untilWaiting(firstName, 1);
    expect((await holders(secondName)).leases).toHaveLength(1);
    expect((await holders(secondName)).waiters).toHaveLength(0);
    await release(winner.answer.body.lease_id);
    const loser = await (winner.who === 'x' ? y : x);
    expect(loser.answer.status).toBe(200);
    expect((await readLimit(a.name)).active_slots).toBe(1);
    expect((await readLimit(b.name)).active_slots).toBe(1);
  });

  it('decay is computed when read, at the instant the limit is asked', async () => {
    const limit = await createLimit({ limit: 10, slot_decay_per_second: 2 });
    await setLimitClock(limit.name, T0);
    const taken = await acquire([limit.name], { slots: 10, mode: 'rate_limit' });
    expect(taken.status).toBe(200);
    expect((await readLimit(limit.name)).active_slots).toBe(10);
    await setLimitClock(limit.name, T0 + 1_000);
    expect((await readLimit(limit.name)).active_slots).toBe(8);
    await setLimitClock(limit.name, T0 + 2_750);
    expect((await readLimit(limit.name)).active_slots).toBe(5);
    await setLimitClock(limit.name, T0 + 60_000);
    expect((await readLimit(limit.name)).active_slots).toBe(0);
  });

  it('a full rate limit answers 423 with Retry-After near (slots + denied) / decay', async () => {
    const limit = await createLimit({ limit: 4, slot_decay_per_second: 2 });
    await setLimitClock(limit.name, T0);
    expect((await acquire([limit.name], { slots: 4, mode: 'rate_limit' })).status).toBe(200);
    const first = await acquire([limit.name], { slots: 2, mode: 'rate_limit' });
    expect(first.status).toBe(423);
    // (2 + 0) / 2 = 1 s, jittered within 30%.
    const retryAfter = Number(first.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(0.7);
    expect(retryAfter).toBeLessThanOrEqual(1.3);
    expect((await readLimit(limit.name)).denied_slots).toBe(2);
    const second = await acquire([limit.name], { slots: 2, mode: 'rate_limit' });
    // (2 + 2 denied) / 2 = 2 s.
    const later = Number(second.headers.get('retry-after'));
    expect(later).toBeGreaterThanOrEqual(1.4);
    expect(later).toBeLessThanOrEqual(2.6);
  });

  it('a lapsed lease is reclaimed by the alarm and its run gets a log line saying so', async () => {
    const flowId = await createFlow();
    const { body: run } = await api<{ id: string }>('POST', '/flow_runs', { flow_id: flowId });
    const limit = await createLimit({ limit: 1 });
    await setLimitClock(limit.name, T0);
    const held = await acquire([limit.name], {
      lease_duration: 30,
      holder: { type: 'flow_run', id: run.id },
    });
    expect(held.status).toBe(200);
    expect((await acquire([limit.name])).status).toBe(423);
    await setLimitClock(limit.name, T0 + 29_000);
    await fireLimitAlarm(limit.name);
    expect((await readLimit(limit.name)).active_slots).toBe(1);
    await setLimitClock(limit.name, T0 + 30_000);
    await fireLimitAlarm(limit.name);
    expect((await readLimit(limit.name)).active_slots).toBe(0);
    expect((await acquire([limit.name])).status).toBe(200);
    const renewed = await call('POST', `/v2/concurrency_limits/leases/${held.body.lease_id}/renew`, {
      lease_duration: 30,
    });
    expect(renewed.status).toBe(410);
    const { body: logs } = await api<Log[]>('POST', '/logs/filter', {
      logs: { flow_run_id: { any_: [run.id] } },
    });
    expect(logs.map((log) => log.message).join('\n')).toContain(`lease ${held.body.lease_id}`);
  });

  it('a renewed lease outlives its first deadline', async () => {
    const limit = await createLimit({ limit: 1 });
    await setLimitClock(limit.name, T0);
    const held = await acquire([limit.name], { lease_duration: 30 });
    await setLimitClock(limit.name, T0 + 20_000);
    const renewed = await call('POST', `/v2/concurrency_limits/leases/${held.body.lease_id}/renew`, {
      lease_duration: 30,
    });
    expect(renewed.status).toBe(204);
    await setLimitClock(limit.name, T0 + 40_000);
    await fireLimitAlarm(limit.name);
    expect((await readLimit(limit.name)).active_slots).toBe(1);
    await setLimitClock(limit.name, T0 + 50_000);
    await fireLimitAlarm(limit.name);
    expect((await readLimit(limit.name)).active_slots).toBe(0);
  });

  it("a renewal without a body moves the deadline Prefect's 300 s on", async () => {
    const limit = await createLimit({ limit: 1 });
    await setLimitClock(limit.name, T0);
    const held = await acquire([limit.name], { lease_duration: 30 });
    const renewed = await call('POST', `/v2/concurrency_limits/leases/${held.body.lease_id}/renew`);
    expect(renewed.status).toBe(204);
    await setLimitClock(limit.name, T0 + 290_000);
    await fireLimitAlarm(limit.name);
    expect((await readLimit(limit.name)).active_slots).toBe(1);
    await setLimitClock(limit.name, T0 + 310_000);
    await fireLimitAlarm(limit.name);
    expect((await readLimit(limit.name)).active_slots).toBe(0);
  });

  it('held waiters are answered in arrival order as slots free, one per freed slot', async () => {
    const limit = await createLimit({ limit: 1 });
    const first = await acquire([limit.name]);
    const order: number[] = [];
    const waiting = [1, 2, 3].map(async (n) => {
      // Each starts only once the one before is seen queued, so arrival order is known.
      await untilWaiting(limit.name, n - 1);
      const answer = await acquire([limit.name], { wait_seconds: 30 });
      order.push(n);
      return answer;
    });
    await untilWaiting(limit.name, 3);
    let lease = first.body.lease_id;
    for (let served = 1; served <= 3; served += 1) {
      await release(lease);
      const answer = await waiting[served - 1]!;
      expect(answer.status).toBe(200);
      expect(order).toEqual([1, 2, 3].slice(0, served));
      expect((await holders(limit.name)).waiters).toHaveLength(3 - served);
      lease = answer.body.lease_id;
    }
    expect((await readLimit(limit.name)).active_slots).toBe(1);
  });

  it('a held request whose wait ends without a slot gets 423', async () => {
    const limit = await createLimit({ limit: 1 });
    expect((await acquire([limit.name])).status).toBe(200);
    const answer = await acquire([limit.name], { wait_seconds: 0.05 });
    expect(answer.status).toBe(423);
    expect((await holders(limit.name)).waiters).toHaveLength(0);
  });

  it('a request served from the line is not counted as denied; a 423 is', async () => {
    const limit = await createLimit({ limit: 1 });
    const first = await acquire([limit.name]);
    const waiter = acquire([limit.name], { wait_seconds: 30 });
    await untilWaiting(limit.name, 1);
    await release(first.body.lease_id);
    expect((await waiter).status).toBe(200);
    expect((await readLimit(limit.name)).denied_slots).toBe(0);
    expect((await acquire([limit.name])).status).toBe(423);
    expect((await readLimit(limit.name)).denied_slots).toBe(1);
  });

  it('deleting a limit answers the requests waiting for it with 404', async () => {
    const limit = await createLimit({ limit: 1 });
    await acquire([limit.name]);
    const waiter = acquire([limit.name], { wait_seconds: 30 });
    await untilWaiting(limit.name, 1);
    expect((await call('DELETE', `/v2/concurrency_limits/${limit.name}`)).status).toBe(204);
    const answer = await waiter;
    expect(answer.status).toBe(404);
    expect(answer.body.field).toBe('names');
  });

  it('a request whose client left is dropped from the line, or gives back what it was granted', async () => {
    const limit = await createLimit({ limit: 1 });
    const stub = limitStub(limit.name);
    const request = (lease_id: string, wait_ms: number) =>
      stub.takeSlots(limit.name, {
        lease_id,
        slots: 1,
        mode: 'concurrency',
        lease_seconds: 300,
        holder: null,
        wait_ms,
      });
    const first = crypto.randomUUID();
    expect((await request(first, 0)).kind).toBe('granted');
    const gone = crypto.randomUUID();
    const held = request(gone, 30_000);
    await untilWaiting(limit.name, 1);
    await stub.abandonRequest(gone);
    expect((await held).kind).toBe('denied');
    expect((await holders(limit.name)).waiters).toHaveLength(0);
    await stub.abandonRequest(first);
    expect((await readLimit(limit.name)).active_slots).toBe(0);
  });

  it('a disabled limit enforces nothing, and enforces again once enabled', async () => {
    const limit = await createLimit({ limit: 1, active: false });
    for (let i = 0; i < 3; i += 1) expect((await acquire([limit.name])).status).toBe(200);
    expect((await readLimit(limit.name)).active_slots).toBe(0);
    expect((await call('PATCH', `/v2/concurrency_limits/${limit.name}`, { active: true })).status).toBe(204);
    expect((await acquire([limit.name])).status).toBe(200);
    expect((await acquire([limit.name])).status).toBe(423);
  });

  it('reset frees every slot', async () => {
    const limit = await createLimit({ limit: 1 });
    await acquire([limit.name]);
    const { body } = await call<ConcurrencyLimit>('POST', `/v2/concurrency_limits/${limit.name}/reset`);
    expect(body.active_slots).toBe(0);
    expect((await holders(limit.name)).leases).toHaveLength(0);
    expect((await acquire([limit.name])).status).toBe(200);
  });
});

describe('the Concurrency page', () => {
  it('lists each limit with its slots, holders (linked to their runs) and waiters', async () => {
    const flowId = await createFlow();
    const { body: run } = await api<{ id: string }>('POST', '/flow_runs', { flow_id: flowId });
    const limit = await createLimit({ limit: 1 });
    const held = await acquire([limit.name], { holder: { type: 'flow_run', id: run.id } });
    const waiter = acquire([limit.name], { wait_seconds: 30 });
    await untilWaiting(limit.name, 1);
    const response = await exports.default.fetch('http://edgeflow.test/concurrency', {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    const html = await response.text();
    expect(response.status).toBe(200);
    const card = html.slice(html.indexOf(`id="limit-${limit.id}"`));
    expect(card).toContain(limit.name);
    expect(card).toMatch(/<strong>1 \/ 1<\/strong>/);
    expect(card).toContain(`href="/runs/${run.id}"`);
    expect(card).toContain('1 slot(s), waiting since');
    await release(held.body.lease_id);
    expect((await waiter).status).toBe(200);
  });
});

describe('bad input names its field', () => {
  it('a negative limit', async () => {
    const { status, body } = await call<{ field: string }>('POST', '/v2/concurrency_limits', {
      name: uniqueName(),
      limit: -1,
    });
    expect(status).toBe(422);
    expect(body.field).toBe('limit');
  });

  it('zero slots', async () => {
    const limit = await createLimit({ limit: 1 });
    const { status, body } = await acquire([limit.name], { slots: 0 });
    expect(status).toBe(422);
    expect(body.field).toBe('slots');
  });

  it('unknown names, with nothing taken of the known ones', async () => {
    const limit = await createLimit({ limit: 1 });
    const { status, body } = await acquire([limit.name, uniqueName('zzz-missing')]);
    expect(status).toBe(404);
    expect(body.field).toBe('names');
    expect((await readLimit(limit.name)).active_slots).toBe(0);
  });

  it('more slots than the limit has', async () => {
    const limit = await createLimit({ limit: 2 });
    const { status, body } = await acquire([limit.name], { slots: 3 });
    expect(status).toBe(422);
    expect(body.field).toBe('slots');
  });

  it('rate limiting a limit without decay', async () => {
    const limit = await createLimit({ limit: 2 });
    const { status, body } = await acquire([limit.name], { mode: 'rate_limit' });
    expect(status).toBe(422);
    expect(body.field).toBe('mode');
  });

  it('renaming a limit', async () => {
    const limit = await createLimit({ limit: 2 });
    const { status, body } = await call<{ field: string }>('PATCH', `/v2/concurrency_limits/${limit.id}`, {
      name: uniqueName(),
    });
    expect(status).toBe(422);
    expect(body.field).toBe('name');
  });
});
