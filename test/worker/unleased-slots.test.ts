// Prefect 2.15's lease-less slot routes, `POST /v2/concurrency_limits/increment` and `/decrement`, which
// its client's `concurrency()` and `rate_limit()` call: all or nothing over the named limits that
// exist, 423 with Retry-After when full, and a decrement that gives back one such increment's slots,
// never another holder's lease (docs/concurrency.md).
import { describe, expect, it } from 'vitest';
import { acquire, call, createLimit, holders, readLimit, uniqueName } from './limits';

type Minimal = { id: string; name: string; limit: number };
const increment = (names: string[], slots = 1, mode?: string) =>
  call<Minimal[]>('POST', '/v2/concurrency_limits/increment', { names, slots, ...(mode ? { mode } : {}) });
const decrement = (names: string[], slots = 1) =>
  call<Minimal[]>('POST', '/v2/concurrency_limits/decrement', { names, slots, occupancy_seconds: 0.5 });

describe("Prefect 2.15's increment and decrement", () => {
  it('takes a slot of every limit or none, answers 423 when one is full, and gives it back', async () => {
    const [a, b] = [await createLimit({ limit: 1 }), await createLimit({ limit: 2 })];
    const taken = await increment([a.name, b.name]);
    expect(taken.status).toBe(200);
    expect(taken.body.map((limit) => limit.name).sort()).toEqual([a.name, b.name].sort());
    expect(taken.body.find((limit) => limit.name === a.name)).toEqual({ id: a.id, name: a.name, limit: 1 });

    const refused = await increment([a.name, b.name]);
    expect(refused.status).toBe(423);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(0);
    // All or nothing: b's second slot was given back when a refused.
    expect((await readLimit(b.name)).active_slots).toBe(1);

    const released = await decrement([a.name, b.name]);
    expect(released.status).toBe(200);
    expect(released.body.map((limit) => limit.name).sort()).toEqual([a.name, b.name].sort());
    expect((await readLimit(a.name)).active_slots).toBe(0);
    expect((await readLimit(b.name)).active_slots).toBe(0);
    expect((await increment([a.name])).status).toBe(200);
  });

  it('leaves names without a limit alone, as inactive ones', async () => {
    const a = await createLimit({ limit: 1 });
    const missing = uniqueName('none');
    expect((await increment([missing])).body).toEqual([]);
    const mixed = await increment([missing, a.name]);
    expect(mixed.body.map((limit) => limit.name)).toEqual([a.name]);
    expect((await readLimit(a.name)).active_slots).toBe(1);
    expect((await decrement([a.name, missing])).status).toBe(200);
    expect((await readLimit(a.name)).active_slots).toBe(0);
  });

  it('gives back the slots of an active limit named beside an inactive one', async () => {
    const idle = await createLimit({ limit: 1, active: false, name: `a-${uniqueName()}` });
    const busy = await createLimit({ limit: 1, name: `b-${uniqueName()}` });
    expect((await increment([idle.name, busy.name])).status).toBe(200);
    expect((await readLimit(busy.name)).active_slots).toBe(1);
    expect((await decrement([idle.name, busy.name])).status).toBe(200);
    expect((await readLimit(busy.name)).active_slots).toBe(0);
    expect((await holders(busy.name)).leases).toEqual([]);
    expect((await holders(idle.name)).leases).toEqual([]);
  });

  it("never gives back another holder's lease, nor slots no increment took", async () => {
    const a = await createLimit({ limit: 3 });
    const leased = await acquire([a.name]);
    expect(leased.status).toBe(200);
    expect((await decrement([a.name])).status).toBe(200);
    expect((await readLimit(a.name)).active_slots).toBe(1);

    await increment([a.name], 2);
    // A decrement of another size matches no increment of its own.
    await decrement([a.name], 1);
    expect((await readLimit(a.name)).active_slots).toBe(3);
    await decrement([a.name], 2);
    expect((await readLimit(a.name)).active_slots).toBe(1);
    expect((await holders(a.name)).leases.map((lease) => lease.lease_id)).toEqual([leased.body.lease_id]);
  });

  it('rate_limit takes a decaying slot with no lease to give back (rate_limit() only increments)', async () => {
    const a = await createLimit({ limit: 1, slot_decay_per_second: 0.01 });
    expect((await increment([a.name], 1, 'rate_limit')).status).toBe(200);
    expect((await holders(a.name)).leases).toEqual([]);
    const refused = await increment([a.name], 1, 'rate_limit');
    expect(refused.status).toBe(423);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses a bad body with 422 naming the field, and more slots than the limit has', async () => {
    const a = await createLimit({ limit: 1 });
    const empty = await call<{ field?: string }>('POST', '/v2/concurrency_limits/increment', {
      names: [],
      slots: 1,
    });
    expect(empty.status).toBe(422);
    expect(JSON.stringify(empty.body)).toContain('names');
    const zero = await call('POST', '/v2/concurrency_limits/decrement', { names: [a.name], slots: 0 });
    expect(zero.status).toBe(422);
    expect(JSON.stringify(zero.body)).toContain('slots');
    expect((await increment([a.name], 2)).status).toBe(422);
    expect((await increment([a.name], 1, 'rate_limit')).status).toBe(422);
  });
});
