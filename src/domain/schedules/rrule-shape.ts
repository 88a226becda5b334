// The shapes of RRULE the `rrule` package can walk with bounded work: it reaches BYHOUR/BYMINUTE by
// adding INTERVAL until one matches, without end when none can (and, minutely, skips whole days when
// a day filter meets BYHOUR); and one period's dates are built at once, so a period holds a bounded number.
import { Frequency, type RRule } from 'rrule';

/** The package's options with its defaults applied (not exported by name). */
export type ParsedOptions = RRule['options'];

export const DAYS_PER_PERIOD: Record<Frequency, number> = {
  [Frequency.YEARLY]: 366,
  [Frequency.MONTHLY]: 31,
  [Frequency.WEEKLY]: 7,
  [Frequency.DAILY]: 1,
  [Frequency.HOURLY]: 1,
  [Frequency.MINUTELY]: 1,
  [Frequency.SECONDLY]: 1,
};
/** At most this many dates in one period, so a period's own work stays a fraction of the bound. */
export const MAX_DATES_PER_PERIOD = 2_500;

export const present = <T>(list: T[] | null | undefined): list is T[] => (list?.length ?? 0) > 0;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
export const mod = (a: number, n: number) => ((a % n) + n) % n;
/** Sorted, without repeats: dateutil's sets (the package keeps repeats, which repeat dates). */
export const set = (list: number[] | null | undefined) =>
  list ? [...new Set(list)].sort((a, b) => a - b) : null;

export function hasDayFilter(p: ParsedOptions): boolean {
  return (
    present(p.bymonth) ||
    present(p.byweekno) ||
    present(p.byweekday) ||
    present(p.bynweekday) ||
    present(p.bymonthday) ||
    present(p.bynmonthday) ||
    present(p.byyearday) ||
    (p.byeaster !== null && p.byeaster !== undefined)
  );
}

/** Null when the package can walk the rule with bounded work per period, else why not. */
export function rruleShapeProblem(p: ParsedOptions): string | null {
  if (p.freq === Frequency.SECONDLY) {
    return 'FREQ=SECONDLY is not supported: at most 100 runs are planned ahead';
  }
  if (!Number.isInteger(p.interval) || p.interval < 1) return 'INTERVAL must be a whole number of at least 1';
  const hours = set(p.byhour) ?? [];
  const minutes = set(p.byminute) ?? [];
  if (p.freq === Frequency.HOURLY && hours.length > 0) {
    const step = gcd(p.interval, 24);
    if (!hours.some((hour) => mod(hour - p.dtstart.getUTCHours(), step) === 0)) {
      return `BYHOUR is never reached from DTSTART's hour in steps of ${p.interval} hours`;
    }
  }
  if (p.freq === Frequency.MINUTELY) {
    if (hours.length > 0 && (60 % p.interval !== 0 || hasDayFilter(p))) {
      return 'FREQ=MINUTELY with BYHOUR needs an INTERVAL that divides 60 and no day filter (BYDAY, BYMONTH…): use a cron schedule';
    }
    const step = gcd(p.interval, 60);
    if (
      minutes.length > 0 &&
      !minutes.some((minute) => mod(minute - p.dtstart.getUTCMinutes(), step) === 0)
    ) {
      return `BYMINUTE is never reached from DTSTART's minute in steps of ${p.interval} minutes`;
    }
  }
  const seconds = set(p.bysecond)?.length ?? 1;
  const times =
    p.freq <= Frequency.DAILY
      ? hours.length * minutes.length * seconds
      : p.freq === Frequency.HOURLY
        ? Math.max(minutes.length, 1) * seconds
        : seconds;
  if (DAYS_PER_PERIOD[p.freq] * times > MAX_DATES_PER_PERIOD) {
    return `the rule can give more than ${MAX_DATES_PER_PERIOD.toLocaleString('en-US')} dates in one period`;
  }
  return null;
}
