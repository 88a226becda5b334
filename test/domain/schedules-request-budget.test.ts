// One request's schedules share one work budget: a deployment with many schedules, or a bulk write,
// can't add up to more work than one request may do, however cheap each schedule is alone.
import { describe, expect, it } from 'vitest';
import { draftSchedules } from '../../src/domain/deployments';
import {
  MAX_REQUEST_SCHEDULE_WORK,
  MAX_SCHEDULE_WORK,
  requestScheduleBudget,
} from '../../src/domain/schedules';
import { WorkBudget } from '../../src/domain/schedules/work';

const NOW = new Date('2026-06-10T12:00:30Z');
const contract = { parameters: {}, parameter_openapi_schema: null, enforce_parameter_schema: false };
const hourly = (n: number) =>
  Array.from({ length: n }, () => ({
    schedule: { interval: 3600, timezone: 'UTC' },
    active: true,
    parameters: {},
    catchup: 'all' as const,
  }));
const smallRequest = () => new WorkBudget(500, undefined, "this request's schedules together need");

describe('the request budget', () => {
  it('lets a few schedules through that together stay within it', () => {
    const drafted = draftSchedules(hourly(2), contract, NOW, 'schedules', smallRequest());
    expect('schedules' in drafted && drafted.schedules).toHaveLength(2);
  });

  it('refuses, naming the schedule where it ran out, once the schedules together pass it', () => {
    const drafted = draftSchedules(hourly(40), contract, NOW, 'schedules', smallRequest());
    expect('problem' in drafted).toBe(true);
    if (!('problem' in drafted)) return;
    expect(drafted.problem.field).toMatch(/^schedules\[\d+\]\.schedule\.interval$/);
    expect(Number(/\[(\d+)\]/.exec(drafted.problem.field)![1])).toBeGreaterThan(1);
    expect(drafted.problem.message).toContain("this request's schedules together need more than 500");
  });

  it('is a few schedules at their own bound, and each request gets a fresh one', () => {
    expect(MAX_REQUEST_SCHEDULE_WORK).toBeGreaterThanOrEqual(MAX_SCHEDULE_WORK);
    const first = requestScheduleBudget();
    first.spend(MAX_REQUEST_SCHEDULE_WORK);
    expect(() => first.spend()).toThrow(/smaller requests/);
    expect(() => requestScheduleBudget().spend()).not.toThrow();
  });
});
