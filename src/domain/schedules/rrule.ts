// RRULE schedules through the `rrule` package, computed in "floating" wall time and then placed in the
// schedule's time zone (gaps move forward, repeated times run once), as dateutil does for Prefect.
// Bounded: a DTSTART is written into every rule, old DTSTARTs of fixed-length frequencies are moved
// forward by whole periods before iterating, and at most 1,000 candidates are examined per call.
import { Frequency, RRule, RRuleSet, rrulestr } from 'rrule';
import { instantOf, isTimeZone, wallTime } from './time-zones';

export interface RRuleSpec {
  rrule: string;
  timezone?: string;
}

/** Prefect's MAX_ITERATIONS. */
export const MAX_RRULE_CANDIDATES = 1000;

const PERIOD_MS: Partial<Record<Frequency, number>> = {
  [Frequency.SECONDLY]: 1000,
  [Frequency.MINUTELY]: 60_000,
  [Frequency.HOURLY]: 3_600_000,
  [Frequency.DAILY]: 86_400_000,
  [Frequency.WEEKLY]: 604_800_000,
};

function compact(wall: number): string {
  return new Date(wall)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, '');
}

export type RRuleNormalised =
  | { spec: Required<RRuleSpec> }
  | { field: 'rrule' | 'timezone'; message: string };

/**
 * The rule as stored: one RRULE with an explicit floating DTSTART (`now` in the zone when the rule
 * had none) and the zone in `timezone` (taken from a DTSTART;TZID= when not given).
 */
export function normaliseRRule(spec: RRuleSpec, now: number): RRuleNormalised {
  let parsed: ReturnType<typeof rrulestr>;
  try {
    parsed = rrulestr(spec.rrule);
  } catch (error) {
    return { field: 'rrule', message: error instanceof Error ? error.message : String(error) };
  }
  // An RRuleSet is an RRule too, so ask for the set first.
  if (parsed instanceof RRuleSet || !(parsed instanceof RRule)) {
    return {
      field: 'rrule',
      message: 'give one RRULE (with an optional DTSTART); RDATE and EXDATE are not supported',
    };
  }
  const options = parsed.origOptions;
  if (parsed.options.freq === Frequency.SECONDLY) {
    return { field: 'rrule', message: 'FREQ=SECONDLY is not supported: at most 100 runs are planned ahead' };
  }
  const timezone = spec.timezone ?? options.tzid ?? 'UTC';
  if (!isTimeZone(timezone)) return { field: 'timezone', message: `unknown time zone ${timezone}` };
  if (options.tzid && spec.timezone && options.tzid !== spec.timezone) {
    return {
      field: 'timezone',
      message: `DTSTART says TZID=${options.tzid} but timezone is ${spec.timezone}`,
    };
  }
  const utcDtstart = /DTSTART(;[^:\n]*)?:\d{8}T\d{6}Z/i.test(spec.rrule);
  const dtstart = !options.dtstart
    ? Math.floor(wallTime(timezone, now) / 1000) * 1000
    : utcDtstart
      ? wallTime(timezone, options.dtstart.getTime())
      : options.dtstart.getTime();
  const until =
    options.until && /UNTIL=\d{8}T\d{6}Z/i.test(spec.rrule)
      ? new Date(wallTime(timezone, options.until.getTime()))
      : options.until;
  const rule = RRule.optionsToString({ ...options, dtstart: null, tzid: null, until });
  return { spec: { rrule: `DTSTART:${compact(dtstart)}\n${rule}`, timezone } };
}

/** Occurrences in [start, end), at most `max`, of a rule as `normaliseRRule` stored it. */
export function rruleOccurrences(
  spec: Required<RRuleSpec>,
  start: number,
  end: number,
  max: number,
): number[] {
  const stored = rrulestr(spec.rrule) as RRule;
  const options = stored.origOptions;
  const zone = spec.timezone;
  let dtstart = options.dtstart!.getTime();
  // Margins cover a DST shift between wall and UTC time; results are filtered exactly below.
  const from = wallTime(zone, start) - 2 * 3_600_000;
  const to = wallTime(zone, end) + 2 * 3_600_000;
  const period = PERIOD_MS[stored.options.freq];
  if (period && !options.count && dtstart < from) {
    // Whole periods keep the interval's phase and every default taken from DTSTART (time of day, weekday).
    dtstart +=
      Math.floor((from - dtstart) / (period * stored.options.interval)) * period * stored.options.interval;
  }
  const rule = new RRule({ ...options, dtstart: new Date(dtstart) });
  const walls = rule.between(new Date(from), new Date(to), true, (_date, i) => i < MAX_RRULE_CANDIDATES);
  const out: number[] = [];
  for (const wall of walls) {
    const instant = instantOf(zone, wall.getTime());
    if (instant < start || instant >= end || out.length >= max) continue;
    if (out.length === 0 || instant > out[out.length - 1]!) out.push(instant);
  }
  return out;
}
