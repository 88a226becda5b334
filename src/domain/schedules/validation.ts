// Schedules as they are written: checked, filled in as Prefect fills them in, and refused when they
// can't be planned within the work bound (so the scheduler never meets a rule it can't plan).
import type { Schedule } from 'edgeflow/protocol';
import { cronProblem, cronWorkProblem } from './cron';
import type { StoredSchedule } from './occurrences';
import { planSchedule } from './planning';
import { normaliseRRule, rruleWorkProblem } from './rrule';
import { isTimeZone } from './time-zones';
import type { WorkBudget } from './work';

/** A field of the schedule object (`cron`, `timezone`…) and what is wrong with it. */
export interface ScheduleProblem {
  field: string;
  message: string;
}

function filledIn(
  schedule: Schedule,
  now: Date,
  request?: WorkBudget,
): { schedule: StoredSchedule } | { problem: ScheduleProblem } {
  const timezone = 'timezone' in schedule ? schedule.timezone : undefined;
  if (timezone !== undefined && !isTimeZone(timezone)) {
    return { problem: { field: 'timezone', message: `unknown time zone ${timezone}` } };
  }
  if ('cron' in schedule) {
    const problem = cronProblem(schedule) ?? cronWorkProblem(schedule, now.getTime());
    return problem ? { problem: { field: 'cron', message: problem } } : { schedule };
  }
  if ('interval' in schedule) {
    if (schedule.interval < 1) {
      return { problem: { field: 'interval', message: 'must be at least 1 second' } };
    }
    return { schedule: { ...schedule, anchor_date: schedule.anchor_date ?? now.toISOString() } };
  }
  const normalised = normaliseRRule(schedule, now.getTime());
  if (!('spec' in normalised)) return { problem: { field: normalised.field, message: normalised.message } };
  const problem = rruleWorkProblem(normalised.spec, request);
  return problem ? { problem: { field: 'rrule', message: problem } } : { schedule: normalised.spec };
}

/** The field that defines the schedule's dates, which a plan that exceeds the bound is blamed on. */
const definingField = (schedule: StoredSchedule) =>
  'cron' in schedule ? 'cron' : 'interval' in schedule ? 'interval' : 'rrule';

/**
 * Checks a schedule and fills in what Prefect fills in on write (`now` anchors intervals and
 * DTSTARTs); then plans it from `now` as the scheduler would, which must stay within the bound.
 */
export function normaliseSchedule(
  schedule: Schedule,
  now: Date,
  /** Shared by every schedule of one request (see `requestScheduleBudget`). */
  request?: WorkBudget,
): { schedule: StoredSchedule } | { problem: ScheduleProblem } {
  const result = filledIn(schedule, now, request);
  if ('problem' in result) return result;
  const { unplannable } = planSchedule(result.schedule, now.getTime(), null, request);
  if (unplannable) {
    return {
      problem: { field: definingField(result.schedule), message: `can't be planned: ${unplannable}` },
    };
  }
  return result;
}
