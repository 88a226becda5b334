// One entry point over the three kinds of schedule: their dates in a window, within the work bound.
import { type CronSpec, cronOccurrences } from './cron';
import { type IntervalSpec, intervalOccurrences } from './interval';
import { type RRuleSpec, rruleOccurrences } from './rrule';
import { WorkBudget } from './work';

/** What setting up one computation is charged (parsing the rule, its zone): measured, about 20 candidates' worth. */
export const COMPUTATION_WORK = 20;

/** A schedule as stored: every default resolved (anchor date, DTSTART, time zone). */
export type StoredSchedule = CronSpec | IntervalSpec | Required<RRuleSpec>;

/**
 * The schedule's dates in [start, end), at most `max`, in order. Throws UnplannableSchedule when
 * they can't be found within MAX_SCHEDULE_WORK candidates examined, or within what is left of a
 * `request` budget shared with other computations.
 */
export function occurrences(
  schedule: StoredSchedule,
  start: number,
  end: number,
  max: number,
  request?: WorkBudget,
): number[] {
  const budget = new WorkBudget(undefined, request);
  budget.spend(COMPUTATION_WORK);
  if ('cron' in schedule) return cronOccurrences(schedule, start, end, max, budget);
  if ('interval' in schedule) return intervalOccurrences(schedule, start, end, max, budget);
  return rruleOccurrences(schedule, start, end, max, budget);
}
