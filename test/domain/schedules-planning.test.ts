// The scheduler's pure decisions: Prefect's waterfall, when a schedule next needs a tick, and catch-up.
import { describe, expect, it } from 'vitest';
import {
  catchupCancellations,
  nextCheckAt,
  plannedRunTimes,
  planSchedule,
  type StoredSchedule,
  WriteRunBudget,
} from '../../src/domain/schedules';

const NOW = Date.parse('2026-06-10T12:00:30Z');
const every = (seconds: number): StoredSchedule => ({
  interval: seconds,
  anchor_date: '2026-01-01T00:00:00Z',
  timezone: 'UTC',
});

describe('the waterfall', () => {
  it.each([
    [60, 61],
    [300, 13],
    [3600, 3],
    [60 * 86_400, 2],
  ])('plans Prefect’s count for an interval of %i s: %i runs', (seconds, count) => {
    expect(plannedRunTimes(every(seconds), NOW)).toHaveLength(count);
  });

  it('never plans more than 100 runs', () => {
    expect(plannedRunTimes(every(1), NOW)).toHaveLength(100);
  });

  it('never plans beyond 100 days', () => {
    expect(plannedRunTimes({ cron: '0 0 1 1 *', timezone: 'UTC', day_or: true }, NOW)).toEqual([]);
  });
});

describe('next check', () => {
  it('comes when fewer than 3 runs would remain ahead', () => {
    const hourly = every(3600);
    const planned = plannedRunTimes(hourly, NOW);
    expect(nextCheckAt(hourly, planned, NOW)).toBe(planned[0]! + 1);
  });

  it('comes when the last run would be less than an hour ahead', () => {
    const minutely = every(60);
    const planned = plannedRunTimes(minutely, NOW);
    expect(nextCheckAt(minutely, planned, NOW)).toBe(planned[planned.length - 1]! - 3_600_000 + 1);
  });

  it('waits for the next date to come within 100 days for sparse schedules', () => {
    const yearly: StoredSchedule = { cron: '0 0 1 1 *', timezone: 'UTC', day_or: true };
    expect(nextCheckAt(yearly, [], NOW)).toBe(Date.parse('2027-01-01T00:00:00Z') - 100 * 86_400_000);
  });

  it('is never due again within the same tick', () => {
    const tiny = every(1);
    expect(nextCheckAt(tiny, plannedRunTimes(tiny, NOW), NOW)).toBeGreaterThan(NOW);
  });
});

describe('planning against a watermark', () => {
  it('creates only the dates after what was already created', () => {
    const hourly = every(3600);
    const first = planSchedule(hourly, NOW, null);
    const later = planSchedule(hourly, first.nextCheckAt, first.scheduledUntil);
    expect(first.toCreate).toHaveLength(3);
    expect(later.toCreate).toEqual([first.scheduledUntil! + 3_600_000]);
  });

  it('plans the same dates for the same instant (ticks are repeatable)', () => {
    expect(planSchedule(every(300), NOW, null)).toEqual(planSchedule(every(300), NOW, null));
  });
});

describe('what a write creates in its request', () => {
  it('a schedule with no more than 3 dates to create is planned whole', () => {
    const plan = planSchedule(every(3600), NOW, null);
    expect(new WriteRunBudget().take(plan, null)).toEqual(plan);
  });

  it('a dense schedule gets its first 3 dates and stays due, its watermark at the third', () => {
    const plan = planSchedule(every(60), NOW, null);
    const taken = new WriteRunBudget().take(plan, null);
    expect(taken.toCreate).toEqual(plan.toCreate.slice(0, 3));
    expect(taken).toMatchObject({ scheduledUntil: plan.toCreate[2], nextCheckAt: 0 });
  });

  it('the request’s 6 runs are shared: a third dense schedule gets none and keeps its watermark', () => {
    const budget = new WriteRunBudget();
    const plan = planSchedule(every(60), NOW, null);
    budget.take(plan, null);
    budget.take(plan, null);
    expect(budget.spent).toBe(true);
    expect(budget.take(plan, 42)).toMatchObject({ toCreate: [], scheduledUntil: 42, nextCheckAt: 0 });
  });

  it('the tick goes on from the watermark a write left: nothing skipped, nothing twice', () => {
    const plan = planSchedule(every(60), NOW, null);
    const taken = new WriteRunBudget().take(plan, null);
    const rest = planSchedule(every(60), NOW, taken.scheduledUntil);
    expect([...taken.toCreate, ...rest.toCreate]).toEqual(plan.toCreate);
  });
});

describe('catch-up', () => {
  const late = [
    { id: 'a', due: 1 },
    { id: 'c', due: 3 },
    { id: 'b', due: 2 },
  ];
  const decide = (catchup: 'all' | 'latest' | 'none', max_active_runs: number | null = null, active = 0) =>
    catchupCancellations({ catchup, max_active_runs, active, late }).map((cancel) => cancel.id);

  it('all keeps every missed run', () => {
    expect(decide('all')).toEqual([]);
  });

  it('latest keeps only the newest missed run', () => {
    expect(decide('latest')).toEqual(['a', 'b']);
  });

  it('none keeps no missed run', () => {
    expect(decide('none')).toEqual(['a', 'b', 'c']);
  });

  it('max_active_runs keeps the oldest kept runs up to the room the active ones leave', () => {
    expect(decide('all', 2, 1)).toEqual(['b', 'c']);
  });

  it('says why in the cancellation message', () => {
    const [cancel] = catchupCancellations({ catchup: 'latest', max_active_runs: null, active: 0, late });
    expect(cancel?.message).toMatch(/catchup: latest/);
  });
});
