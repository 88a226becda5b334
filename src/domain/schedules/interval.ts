// Interval schedules as Prefect computes them: the whole days of an interval are added in calendar
// days of the schedule's time zone (a daily 09:00 stays 09:00 across DST), the rest as elapsed time
// (an interval under 24 h follows UTC). Any date is reached in O(1) from the anchor, however old.
import { addWallDays, instantOf, wallTime } from './time-zones';

export interface IntervalSpec {
  interval: number;
  anchor_date: string;
  timezone: string;
}

const DAY_SECONDS = 86_400;

/** The k-th date from the anchor (k may be negative: the anchor sets the phase, not a start). */
function nth(spec: IntervalSpec, anchor: number, k: number): number {
  const days = Math.floor(spec.interval / DAY_SECONDS);
  if (days === 0) return anchor + k * spec.interval * 1000;
  const rest = (spec.interval - days * DAY_SECONDS) * 1000;
  const wall = addWallDays(wallTime(spec.timezone, anchor), k * days);
  return instantOf(spec.timezone, wall) + k * rest;
}

/** Occurrences in [start, end), at most `max`. */
export function intervalOccurrences(spec: IntervalSpec, start: number, end: number, max: number): number[] {
  const anchor = Date.parse(spec.anchor_date);
  // The elapsed-time estimate is off by at most a DST shift, so step back one and walk forward.
  let k = Math.floor((start - anchor) / (spec.interval * 1000)) - 1;
  while (nth(spec, anchor, k) < start) k++;
  const out: number[] = [];
  for (let date = nth(spec, anchor, k); date < end && out.length < max; date = nth(spec, anchor, ++k)) {
    if (out.length === 0 || date > out[out.length - 1]!) out.push(date);
  }
  return out;
}
