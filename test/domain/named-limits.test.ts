// Named limits' arithmetic at chosen instants: decay, denial, Retry-After, occupancy, FIFO service.
import { describe, expect, it } from 'vitest';
import {
  acquireProblem,
  acquisitionOrder,
  countersAt,
  giveBackSlots,
  jitteredSeconds,
  type LimitSettings,
  newCounters,
  nextDecayAt,
  takeSlots,
  waitersToServe,
} from '../../src/domain/limits';

const T0 = 1_700_000_000_000;
const concurrency: LimitSettings = { limit: 3, active: true, slot_decay_per_second: 0 };
const rate: LimitSettings = { limit: 10, active: true, slot_decay_per_second: 2 };

function taken(settings: LimitSettings, slots: number, at = T0) {
  const outcome = takeSlots(newCounters(at), settings, slots, at);
  if (!outcome.granted) throw new Error('expected a grant');
  return outcome.counters;
}

describe('decay', () => {
  it('a rate limit loses floor(decay × seconds) slots, computed when read', () => {
    const counters = taken(rate, 10);
    expect(countersAt(counters, rate, T0 + 400).active_slots).toBe(10);
    expect(countersAt(counters, rate, T0 + 1_000).active_slots).toBe(8);
    expect(countersAt(counters, rate, T0 + 2_750).active_slots).toBe(5);
    expect(countersAt(counters, rate, T0 + 60_000).active_slots).toBe(0);
  });

  it('frequent reads keep the fraction: ten reads 300 ms apart decay as one read 3 s later', () => {
    let counters = taken(rate, 10);
    for (let t = 300; t <= 3_000; t += 300) counters = countersAt(counters, rate, T0 + t);
    expect(counters.active_slots).toBe(4);
  });

  it('a concurrency limit never decays its active slots', () => {
    const counters = taken(concurrency, 2);
    expect(countersAt(counters, concurrency, T0 + 3_600_000).active_slots).toBe(2);
  });

  it('denied slots decay at one per average occupancy on a concurrency limit', () => {
    const full = taken(concurrency, 3);
    const denied = takeSlots(full, concurrency, 2, T0);
    expect(denied.granted).toBe(false);
    expect(denied.counters.denied_slots).toBe(2);
    // Average occupancy is 2 s: one denied slot decays every 2 s.
    expect(countersAt(denied.counters, concurrency, T0 + 2_000).denied_slots).toBe(1);
    expect(countersAt(denied.counters, concurrency, T0 + 4_000).denied_slots).toBe(0);
  });

  it('says when the next slot decays, for waiters to be served then', () => {
    expect(nextDecayAt(taken(rate, 4), rate)).toBe(T0 + 500);
    expect(nextDecayAt(taken(concurrency, 1), concurrency)).toBeNull();
  });
});

describe('taking slots', () => {
  it('grants while slots fit, denies past the limit and counts the denied slots', () => {
    let counters = newCounters(T0);
    for (let i = 0; i < 3; i += 1) {
      const outcome = takeSlots(counters, concurrency, 1, T0);
      expect(outcome.granted).toBe(true);
      counters = outcome.counters;
    }
    const fourth = takeSlots(counters, concurrency, 1, T0);
    expect(fourth.granted).toBe(false);
    expect(fourth.counters.active_slots).toBe(3);
    expect(fourth.counters.denied_slots).toBe(1);
  });

  it('an inactive limit grants everything and counts nothing', () => {
    const inactive = { ...concurrency, active: false };
    const outcome = takeSlots(taken(concurrency, 3), inactive, 3, T0);
    expect(outcome.granted).toBe(true);
    expect(outcome.counters.active_slots).toBe(3);
  });

  it('a rate limit frees slots as they decay', () => {
    const full = taken(rate, 10);
    expect(takeSlots(full, rate, 1, T0 + 100).granted).toBe(false);
    expect(takeSlots(full, rate, 1, T0 + 500).granted).toBe(true);
  });
});

describe('Retry-After, as Prefect estimates it', () => {
  it('a rate limit: (slots + denied) / decay', () => {
    const full = taken(rate, 10);
    const first = takeSlots(full, rate, 3, T0);
    expect(first.granted || first.retry_after_seconds).toBe(1.5);
    const second = takeSlots(first.counters, rate, 1, T0);
    // 3 slots already denied queue ahead: (1 + 3) / 2.
    expect(second.granted || second.retry_after_seconds).toBe(2);
  });

  it('a concurrency limit: average occupancy × (slots + denied) / limit, capped at 30 s', () => {
    const full = taken(concurrency, 3);
    const first = takeSlots(full, concurrency, 3, T0);
    expect(first.granted || first.retry_after_seconds).toBe(2);
    const slow = { ...full, avg_slot_occupancy_seconds: 600 };
    const capped = takeSlots(slow, concurrency, 1, T0);
    expect(capped.granted || capped.retry_after_seconds).toBe(30);
  });

  it('jitter stays within 30% of the estimate', () => {
    for (const random of [0, 0.25, 0.5, 0.999]) {
      const seconds = jitteredSeconds(10, random);
      expect(seconds).toBeGreaterThanOrEqual(7 - 1e-9);
      expect(seconds).toBeLessThanOrEqual(13 + 1e-9);
    }
  });
});

describe('giving slots back', () => {
  it('frees the slots and folds the occupancy into the average over limit × 2 samples', () => {
    const held = taken(concurrency, 2);
    const back = giveBackSlots(held, concurrency, 2, 20, T0 + 20_000);
    expect(back.active_slots).toBe(0);
    // 2 + (10 − 2) / 6: each slot was held 10 s.
    expect(back.avg_slot_occupancy_seconds).toBeCloseTo(2 + 8 / 6, 10);
  });

  it('never goes below zero, and a rollback leaves the average alone', () => {
    const back = giveBackSlots(taken(concurrency, 1), concurrency, 5, null, T0);
    expect(back.active_slots).toBe(0);
    expect(back.avg_slot_occupancy_seconds).toBe(2);
  });
});

describe('requests', () => {
  const found = new Map<string, LimitSettings | null>([
    ['db', concurrency],
    ['api', rate],
    ['off', { ...concurrency, limit: 1, active: false }],
    ['ghost', null],
  ]);

  it('names the unknown limits (field names)', () => {
    expect(acquireProblem(['db', 'ghost'], found, 1, 'concurrency')).toMatchObject({
      status: 404,
      field: 'names',
    });
  });

  it('refuses more slots than an active limit has (field slots), not an inactive one', () => {
    expect(acquireProblem(['db'], found, 4, 'concurrency')).toMatchObject({ status: 422, field: 'slots' });
    expect(acquireProblem(['off'], found, 4, 'concurrency')).toBeNull();
  });

  it('refuses rate limiting on a limit without decay (field mode)', () => {
    expect(acquireProblem(['db', 'api'], found, 1, 'rate_limit')).toMatchObject({ field: 'mode' });
    expect(acquireProblem(['api'], found, 1, 'rate_limit')).toBeNull();
  });

  it('takes limits in one order whatever order they were named in', () => {
    expect(acquisitionOrder(['b', 'a', 'b'])).toEqual(['a', 'b']);
    expect(acquisitionOrder(['a', 'b'])).toEqual(acquisitionOrder(['b', 'a']));
  });

  it('serves held waiters strictly first come first served: a big head is not overtaken', () => {
    const counters = taken(concurrency, 1);
    expect(waitersToServe([{ slots: 1 }, { slots: 1 }, { slots: 1 }], counters, concurrency)).toBe(2);
    expect(waitersToServe([{ slots: 3 }, { slots: 1 }], counters, concurrency)).toBe(0);
  });
});
