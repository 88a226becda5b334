// Interval schedules as Prefect computes them: the whole days of an interval are added in calendar
// days of the schedule's time zone (a daily 09:00 stays 09:00 across DST), the rest as elapsed time
// (an interval under 24 h follows UTC). Any date is reached in O(1) from the anchor, however old.
import { addWallDays, instantOf, wallTime } from './time-zones';
import type { WorkBudget } from './work';

export interface IntervalSpec {
  interval: number;
  anchor_date: string;
  timezone: string;
}

const DAY_SECONDS = 86_400;
/** The range of a JavaScript Date: a date past it (a huge interval) is none, before or after every other. */
const LAST_INSTANT = 8.64e15;
const past = (k: number) => (k < 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);

/** The k-th date from the anchor (k may be negative: the anchor sets the phase, not a start); ±∞ past the range. */
function nth(spec: IntervalSpec, anchor: number, k: number): number {
  const days = Math.floor(spec.interval / DAY_SECONDS);
  const date =
    days === 0
      ? anchor + k * spec.interval * 1000
      : placed(spec, addWallDays(wallTime(spec.timezone, anchor), k * days), k);
  return Math.abs(date) <= LAST_INSTANT ? date : past(k);
}

/** The instant of the k-th date's wall time, plus the elapsed part of k intervals. */
function placed(spec: IntervalSpec, wall: number, k: number): number {
  // Intl can't place a wall time past the range (a RangeError): there is no such date.
  if (!(Math.abs(wall) < LAST_INSTANT - 2 * DAY_SECONDS * 1000)) return past(k);
  const days = Math.floor(spec.interval / DAY_SECONDS);
  return instantOf(spec.timezone, wall) + k * (spec.interval - days * DAY_SECONDS) * 1000;
}

/** Occurrences in [start, end), at most `max`; each date computed is charged to `budget`. */
export function intervalOccurrences(
  spec: IntervalSpec,
  start: number,
  end: number,
  max: number,
  budget: WorkBudget,
): number[] {
  const anchor = Date.parse(spec.anchor_date);
  if (!Number.isFinite(anchor)) return [];
  const date = (k: number) => {
    budget.spend();
    return nth(spec, anchor, k);
  };
  // The elapsed-time estimate is off by at most a DST shift, so step back one and walk forward.
  let k = Math.floor((start - anchor) / (spec.interval * 1000)) - 1;
  while (date(k) < start) k++;
  const out: number[] = [];
  for (let at = date(k); at < end && out.length < max; at = date(++k)) {
    if (out.length === 0 || at > out[out.length - 1]!) out.push(at);
  }
  return out;
}
