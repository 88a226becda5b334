// How much of a withdrawal a request takes back itself: every run due soon, and at least a few.
import { describe, expect, it } from 'vitest';
import {
  RUNS_WITHDRAWN_IN_REQUEST,
  runsToWithdrawInRequest,
  WITHDRAW_IN_REQUEST_WITHIN_MS,
} from '../../src/domain/deployments';

const NOW = Date.parse('2026-06-10T12:00:00Z');
const MINUTE = 60_000;
/** A run due each minute from `from` minutes on, `count` of them. */
const everyMinute = (count: number, from = 1) =>
  Array.from({ length: count }, (_, index) => NOW + (from + index) * MINUTE);

describe('runsToWithdrawInRequest', () => {
  it('takes every candidate when there are no more than the request takes anyway', () => {
    expect(runsToWithdrawInRequest([], NOW)).toBe(0);
    expect(runsToWithdrawInRequest(everyMinute(3, 60), NOW)).toBe(3);
    expect(runsToWithdrawInRequest(everyMinute(RUNS_WITHDRAWN_IN_REQUEST, 30), NOW)).toBe(
      RUNS_WITHDRAWN_IN_REQUEST,
    );
  });

  it("takes the first few of an hour of a minutely schedule's runs and leaves the rest to the tick", () => {
    expect(runsToWithdrawInRequest(everyMinute(60), NOW)).toBe(RUNS_WITHDRAWN_IN_REQUEST);
  });

  it('takes every run due within the margin, however many, past-due and timeless ones included', () => {
    const dueSoon = Array.from(
      { length: 40 },
      (_, index) => NOW + (index * WITHDRAW_IN_REQUEST_WITHIN_MS) / 40,
    );
    const candidates = [
      null,
      NOW - MINUTE,
      ...dueSoon,
      NOW + WITHDRAW_IN_REQUEST_WITHIN_MS + 1,
      NOW + 2 * 3_600_000,
    ];
    expect(runsToWithdrawInRequest(candidates, NOW)).toBe(42);
  });
});
