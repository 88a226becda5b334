// One entry point over the three kinds of schedule, and their validation when written.
import type { Schedule } from 'edgeflow/protocol';
import { type CronSpec, cronOccurrences, cronProblem } from './cron';
import { type IntervalSpec, intervalOccurrences } from './interval';
import { normaliseRRule, type RRuleSpec, rruleOccurrences } from './rrule';
import { isTimeZone } from './time-zones';

/** A schedule as stored: every default resolved (anchor date, DTSTART, time zone). */
export type StoredSchedule = CronSpec | IntervalSpec | Required<RRuleSpec>;

/** A field of the schedule object (`cron`, `timezone`…) and what is wrong with it. */
export interface ScheduleProblem {
  field: string;
  message: string;
}

/** Checks a schedule and fills in what Prefect fills in on write; `now` anchors intervals and DTSTARTs. */
export function normaliseSchedule(
  schedule: Schedule,
  now: Date,
): { schedule: StoredSchedule } | { problem: ScheduleProblem } {
  const timezone = 'timezone' in schedule ? schedule.timezone : undefined;
  if (timezone !== undefined && !isTimeZone(timezone)) {
    return { problem: { field: 'timezone', message: `unknown time zone ${timezone}` } };
  }
  if ('cron' in schedule) {
    const problem = cronProblem(schedule);
    return problem ? { problem: { field: 'cron', message: problem } } : { schedule };
  }
  if ('interval' in schedule) {
    if (schedule.interval < 1) {
      return { problem: { field: 'interval', message: 'must be at least 1 second' } };
    }
    return { schedule: { ...schedule, anchor_date: schedule.anchor_date ?? now.toISOString() } };
  }
  const normalised = normaliseRRule(schedule, now.getTime());
  return 'spec' in normalised
    ? { schedule: normalised.spec }
    : { problem: { field: normalised.field, message: normalised.message } };
}

/** The schedule's dates in [start, end), at most `max`, in order. */
export function occurrences(schedule: StoredSchedule, start: number, end: number, max: number): number[] {
  if ('cron' in schedule) return cronOccurrences(schedule, start, end, max);
  if ('interval' in schedule) return intervalOccurrences(schedule, start, end, max);
  return rruleOccurrences(schedule, start, end, max);
}
