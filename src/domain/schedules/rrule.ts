// RRULE schedules through the `rrule` package, computed in "floating" wall time and then placed in the
// schedule's time zone (gaps move forward, repeated times run once), as dateutil does for Prefect.
// Bounded (see rrule-walk.ts): a DTSTART is written into every rule, the walk starts at the period
// before the window, and a rule that can't be walked within the work bound is refused when written.
import { RRule, RRuleSet, rrulestr } from 'rrule';
import { rruleShapeProblem } from './rrule-shape';
import { countIsArithmetic, walk, walkToEnd, windowOptions } from './rrule-walk';
import { instantsOf, isTimeZone, wallTime } from './time-zones';
import { UnplannableSchedule, WorkBudget } from './work';

export interface RRuleSpec {
  rrule: string;
  timezone?: string;
}

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

function parse(spec: Required<RRuleSpec>): RRule {
  const rule = rrulestr(spec.rrule);
  if (rule instanceof RRuleSet || !(rule instanceof RRule)) {
    throw new UnplannableSchedule('not a single RRULE');
  }
  return rule;
}

/**
 * Null when the stored rule can be planned within the work bound from any instant, else why not: its
 * shape lets the package loop, or its COUNT can only be established by walking further than the bound.
 */
export function rruleWorkProblem(spec: Required<RRuleSpec>, request?: WorkBudget): string | null {
  const { options } = parse(spec);
  const shape = rruleShapeProblem(options);
  if (shape || !options.count || countIsArithmetic(options)) return shape;
  try {
    walkToEnd(options, new WorkBudget(undefined, request));
    return null;
  } catch (error) {
    if (!(error instanceof UnplannableSchedule)) throw error;
    return `COUNT=${options.count}: counting its dates from DTSTART examines too many candidates (${error.message}); only rules whose BY-parts don't change the dates per period are counted without walking`;
  }
}

/** Occurrences in [start, end), at most `max`, of a rule as `normaliseRRule` stored it. */
export function rruleOccurrences(
  spec: Required<RRuleSpec>,
  start: number,
  end: number,
  max: number,
  budget: WorkBudget,
): number[] {
  const { options } = parse(spec);
  const shape = rruleShapeProblem(options);
  if (shape) throw new UnplannableSchedule(shape);
  const zone = spec.timezone;
  // Margins cover a DST shift between wall and UTC time; results are filtered exactly below.
  const from = wallTime(zone, start) - 2 * 3_600_000;
  const to = wallTime(zone, end) + 2 * 3_600_000;
  const window = windowOptions(options, from, to, budget);
  const out: number[] = [];
  if (window === null || max <= 0) return out;
  const instantOf = instantsOf(zone);
  walk(window, from, to, budget, (wall) => {
    const instant = instantOf(wall);
    if (instant >= start && instant < end && (out.length === 0 || instant > out[out.length - 1]!)) {
      out.push(instant);
    }
    return out.length < max;
  });
  return out;
}
