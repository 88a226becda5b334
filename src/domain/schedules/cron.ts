// Cron schedules through croner: 5-field patterns in a time zone, `day_or` as Prefect's croniter has it.
// DST follows croner (Vixie cron): a fixed-time job in a gap runs at the first valid time after it and
// once when its time occurs twice; hourly-style jobs keep running every hour in UTC.
import { Cron } from 'croner';
import type { WorkBudget } from './work';

export interface CronSpec {
  cron: string;
  timezone: string;
  day_or: boolean;
}

function compile(spec: CronSpec): Cron {
  return new Cron(spec.cron, { timezone: spec.timezone, domAndDow: !spec.day_or, mode: '5-part' });
}

/** Null when the pattern is valid, else what is wrong with it. */
export function cronProblem(spec: CronSpec): string | null {
  try {
    compile(spec);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
  }
}

/** Null when the pattern matches a date, else why not: croner searches 400 years for each date, so one that never comes costs that search on every look. */
export function cronWorkProblem(spec: CronSpec, now: number): string | null {
  return compile(spec).nextRun(new Date(now)) === null
    ? 'the pattern matches no date in the next 400 years'
    : null;
}

/**
 * What one date croner finds is charged: about ten times an rrule candidate's cost, measured (~50 µs
 * against ~5 µs), so the work bound means about the same time whatever the kind of schedule.
 */
export const CRON_DATE_WORK = 10;

/** Occurrences in [start, end), at most `max`; each date croner finds is charged to `budget`. */
export function cronOccurrences(
  spec: CronSpec,
  start: number,
  end: number,
  max: number,
  budget: WorkBudget,
): number[] {
  const job = compile(spec);
  const out: number[] = [];
  const next = (after: Date) => {
    budget.spend(CRON_DATE_WORK);
    return job.nextRun(after);
  };
  for (let at = next(new Date(start - 1)); at && at.getTime() < end && out.length < max; at = next(at)) {
    out.push(at.getTime());
  }
  return out;
}
