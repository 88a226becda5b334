// Cron schedules through croner: 5-field patterns in a time zone, `day_or` as Prefect's croniter has it.
// DST follows croner (Vixie cron): a fixed-time job in a gap runs at the first valid time after it and
// once when its time occurs twice; hourly-style jobs keep running every hour in UTC.
import { Cron } from 'croner';

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

/** Occurrences in [start, end), at most `max`. */
export function cronOccurrences(spec: CronSpec, start: number, end: number, max: number): number[] {
  const job = compile(spec);
  const out: number[] = [];
  let next = job.nextRun(new Date(start - 1));
  while (next && next.getTime() < end && out.length < max) {
    out.push(next.getTime());
    next = job.nextRun(next);
  }
  return out;
}
