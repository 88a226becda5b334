// The scheduler's waterfall (Prefect's): keep each schedule at least 3 runs and 1 hour ahead, never
// more than 100 runs or 100 days; and when it next needs looking at, so a tick touches only those.
import { occurrences, type StoredSchedule } from './occurrences';
import type { WorkBudget } from './work';

export const MIN_RUNS = 3;
export const MIN_AHEAD_MS = 3_600_000;
export const MAX_RUNS = 100;
export const MAX_AHEAD_MS = 100 * 86_400_000;
/** How far past the horizon to look for the next date; a schedule sparser than this is looked at again later. */
const LOOKAHEAD_MS = 400 * 86_400_000;
/** When a schedule that couldn't be planned (a rule stored before the work bound) is looked at again. */
export const UNPLANNABLE_RETRY_MS = 86_400_000;

export interface SchedulePlan {
  /** The dates a run should exist for now, from `now` on. */
  planned: number[];
  /** Those not yet created: after the schedule's watermark. */
  toCreate: number[];
  /** The new watermark: the latest date a run was created for. */
  scheduledUntil: number | null;
  /** When the plan next gains a date. */
  nextCheckAt: number;
  /** Set when the schedule couldn't be planned (nothing is created; it is looked at again a day later): why. */
  unplannable?: string;
}

/**
 * The waterfall from `now`: add dates until there are 3 and the last is an hour out, within the caps.
 * That is every date of the coming hour (at most 100), then the dates after it until there are 3 and
 * at least one is an hour out: asked for in two windows, so only the dates kept are computed.
 */
export function plannedRunTimes(schedule: StoredSchedule, now: number, request?: WorkBudget): number[] {
  const hourOut = now + MIN_AHEAD_MS;
  const withinTheHour = occurrences(schedule, now, hourOut, MAX_RUNS, request);
  const wanted = Math.min(Math.max(MIN_RUNS - withinTheHour.length, 1), MAX_RUNS - withinTheHour.length);
  if (wanted === 0) return withinTheHour;
  return [...withinTheHour, ...occurrences(schedule, hourOut, now + MAX_AHEAD_MS + 1, wanted, request)];
}

/**
 * The first instant at which the waterfall would plan a date after the last planned one: when fewer
 * than 3 planned dates remain ahead, or the last is less than an hour ahead — but not before that next
 * date is within 100 days, nor (at 100 runs) before the first planned date has passed.
 */
export function nextCheckAt(
  schedule: StoredSchedule,
  planned: number[],
  now: number,
  request?: WorkBudget,
): number {
  const from = planned[planned.length - 1] ?? now;
  const [next] = occurrences(schedule, from + 1, from + 1 + LOOKAHEAD_MS, 1, request);
  // None in the lookahead (a sparse or finished schedule): look again once the horizon reaches its end.
  if (next === undefined) return from + LOOKAHEAD_MS - MAX_AHEAD_MS;
  const n = planned.length;
  // Dates at `now` count as ahead, so each condition turns 1 ms after its boundary.
  const wanting =
    n >= MIN_RUNS
      ? Math.min(planned[n - MIN_RUNS]!, planned[n - 1]! - MIN_AHEAD_MS) + 1
      : Number.NEGATIVE_INFINITY;
  const roomAt = n >= MAX_RUNS ? planned[0]! + 1 : Number.NEGATIVE_INFINITY;
  // Never "due now": a tick looks at a schedule at most once.
  return Math.max(wanting, next - MAX_AHEAD_MS, roomAt, now + 1000);
}

/**
 * The plan from `now` against the watermark. A schedule whose dates can't be computed within the
 * work bound (or at all) gets no runs and is looked at again a day later: the tick moves on.
 */
export function planSchedule(
  schedule: StoredSchedule,
  now: number,
  scheduledUntil: number | null,
  /** The request's budget, when planning on behalf of a write. */
  request?: WorkBudget,
): SchedulePlan {
  let planned: number[];
  let next: number;
  try {
    planned = plannedRunTimes(schedule, now, request);
    next = nextCheckAt(schedule, planned, now, request);
  } catch (error) {
    return {
      planned: [],
      toCreate: [],
      scheduledUntil,
      nextCheckAt: now + UNPLANNABLE_RETRY_MS,
      unplannable: error instanceof Error ? error.message : String(error),
    };
  }
  const toCreate = planned.filter((date) => scheduledUntil === null || date > scheduledUntil);
  const last = planned[planned.length - 1];
  return {
    planned,
    toCreate,
    scheduledUntil:
      last === undefined ? scheduledUntil : scheduledUntil === null ? last : Math.max(last, scheduledUntil),
    nextCheckAt: next,
  };
}
