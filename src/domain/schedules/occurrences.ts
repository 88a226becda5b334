// One entry point over the three kinds of schedule: their dates in a window, within the work bound.
import { type CronSpec, cronOccurrences } from './cron';
import { type IntervalSpec, intervalOccurrences } from './interval';
import { type RRuleSpec, rruleOccurrences } from './rrule';
import { WorkBudget } from './work';

/** A schedule as stored: every default resolved (anchor date, DTSTART, time zone). */
export type StoredSchedule = CronSpec | IntervalSpec | Required<RRuleSpec>;

/**
 * The schedule's dates in [start, end), at most `max`, in order. Throws UnplannableSchedule when
 * they can't be found within MAX_SCHEDULE_WORK candidates examined.
 */
export function occurrences(schedule: StoredSchedule, start: number, end: number, max: number): number[] {
  const budget = new WorkBudget();
  if ('cron' in schedule) return cronOccurrences(schedule, start, end, max, budget);
  if ('interval' in schedule) return intervalOccurrences(schedule, start, end, max, budget);
  return rruleOccurrences(schedule, start, end, max, budget);
}
