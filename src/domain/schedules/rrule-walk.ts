// Walking an RRULE through the `rrule` package with bounded work. The package steps period by period
// from DTSTART and, when a rule's filters reject every day, on to the year 9999. So: DTSTART is moved
// to the period before the window (with COUNT, only when the dates it skips can be counted
// arithmetically), and every period stepped through and every date produced is charged to a WorkBudget.
// Rules the package would loop on without stepping are refused first (rrule-shape.ts).
import { Frequency, type Options, RRule, Weekday } from 'rrule';
import { DAYS_PER_PERIOD, hasDayFilter, mod, type ParsedOptions, present, set } from './rrule-shape';
import type { WorkBudget } from './work';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** The range of a JavaScript Date; walks are clamped to it. */
const LAST_WALL = 8.64e15;

/** One period of the fixed-length frequencies. */
const UNIT_MS: Partial<Record<Frequency, number>> = {
  [Frequency.MINUTELY]: MINUTE,
  [Frequency.HOURLY]: HOUR,
  [Frequency.DAILY]: DAY,
  [Frequency.WEEKLY]: 7 * DAY,
};

/**
 * The options with every default the package takes from DTSTART (time of day, weekday, day of
 * month, month) written out and each BY list a set, so DTSTART can move without changing the dates.
 */
export function pinnedOptions(p: ParsedOptions): Partial<Options> {
  const weekdays = [
    ...(p.byweekday ?? []).map((day) => new Weekday(day)),
    ...(p.bynweekday ?? []).map(([day, n]) => new Weekday(day!, n)),
  ];
  return {
    freq: p.freq,
    interval: p.interval,
    wkst: p.wkst,
    count: p.count,
    until: p.until,
    dtstart: p.dtstart,
    tzid: null,
    bysetpos: set(p.bysetpos),
    bymonth: set(p.bymonth),
    bymonthday: set([...(p.bymonthday ?? []), ...(p.bynmonthday ?? [])]),
    byyearday: set(p.byyearday),
    byweekno: set(p.byweekno),
    byweekday: weekdays,
    byhour: set(p.byhour),
    byminute: set(p.byminute),
    bysecond: set(p.bysecond),
    byeaster: p.byeaster,
  };
}

/** Where the rule's periods start (wall ms): the k-th at `start(k)`; `index(wall)` is the last at or before it. */
interface Periods {
  start(k: number): number;
  index(wall: number): number;
  /** For the fixed-length frequencies: how long one period's dates span. */
  unit?: number;
}

const monthIndex = (wall: number) => {
  const date = new Date(wall);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
};
function monthStart(index: number): number {
  const date = new Date(0);
  date.setUTCFullYear(Math.floor(index / 12), mod(index, 12), 1);
  return date.getTime();
}

function periods(p: ParsedOptions): Periods {
  const dtstart = p.dtstart.getTime();
  const unit = UNIT_MS[p.freq];
  if (unit !== undefined) {
    const weekday = (p.dtstart.getUTCDay() + 6) % 7; // the package's: Monday is 0, like WKST
    const first =
      p.freq === Frequency.WEEKLY
        ? Math.floor(dtstart / DAY) * DAY - mod(weekday - p.wkst, 7) * DAY
        : Math.floor(dtstart / unit) * unit;
    const step = unit * p.interval;
    return { start: (k) => first + k * step, index: (wall) => Math.floor((wall - first) / step), unit };
  }
  const step = (p.freq === Frequency.YEARLY ? 12 : 1) * p.interval;
  const first = monthIndex(dtstart) - (p.freq === Frequency.YEARLY ? p.dtstart.getUTCMonth() : 0);
  return {
    start: (k) => monthStart(first + k * step),
    index: (wall) => Math.floor((monthIndex(wall) - first) / step),
  };
}

/**
 * What one period costs, in candidates: the package builds and filters each of its days (a year's
 * 366 cost about what 12 single days do), once more for each BYSETPOS position.
 */
function periodWeight(p: ParsedOptions): number {
  return (1 + (p.bysetpos?.length ?? 0)) * (1 + Math.floor(DAYS_PER_PERIOD[p.freq] / 31));
}

/**
 * The package's options as it reads them in its loop, charging `budget` for each period (it reads
 * `interval` twice per period) and each date (it reads `tzid` once per date it produces). The package
 * has no hook into its loop, so its reads are observed; a test pins this down, should the package
 * change. Plain fields on a class keep the package's other reads as fast as on its own objects
 * (accessors on a copy made every read 4× slower).
 */
class ObservedOptions implements ParsedOptions {
  freq: ParsedOptions['freq'];
  dtstart: ParsedOptions['dtstart'];
  wkst: ParsedOptions['wkst'];
  count: ParsedOptions['count'];
  until: ParsedOptions['until'];
  bysetpos: ParsedOptions['bysetpos'];
  bymonth: ParsedOptions['bymonth'];
  bymonthday: ParsedOptions['bymonthday'];
  bynmonthday: ParsedOptions['bynmonthday'];
  byyearday: ParsedOptions['byyearday'];
  byweekno: ParsedOptions['byweekno'];
  byweekday: ParsedOptions['byweekday'];
  bynweekday: ParsedOptions['bynweekday'];
  byhour: ParsedOptions['byhour'];
  byminute: ParsedOptions['byminute'];
  bysecond: ParsedOptions['bysecond'];
  byeaster: ParsedOptions['byeaster'];
  private readonly every: number;
  private readonly zone: string | null;
  private readonly perRead: number;

  constructor(
    p: ParsedOptions,
    private readonly budget: WorkBudget,
  ) {
    this.freq = p.freq;
    this.dtstart = p.dtstart;
    this.wkst = p.wkst;
    this.count = p.count;
    this.until = p.until;
    this.bysetpos = p.bysetpos;
    this.bymonth = p.bymonth;
    this.bymonthday = p.bymonthday;
    this.bynmonthday = p.bynmonthday;
    this.byyearday = p.byyearday;
    this.byweekno = p.byweekno;
    this.byweekday = p.byweekday;
    this.bynweekday = p.bynweekday;
    this.byhour = p.byhour;
    this.byminute = p.byminute;
    this.bysecond = p.bysecond;
    this.byeaster = p.byeaster;
    this.every = p.interval;
    this.zone = p.tzid;
    this.perRead = periodWeight(p) / 2;
  }

  get interval(): number {
    this.budget.spend(this.perRead);
    return this.every;
  }

  get tzid(): string | null {
    this.budget.spend(1);
    return this.zone;
  }
}

/** Hands the rule's dates in [from, to] (wall ms) to `take`, in order, until it returns false. */
export function walk(
  options: Partial<Options>,
  from: number,
  to: number,
  budget: WorkBudget,
  take: (wall: number) => boolean,
): void {
  const rule = new RRule(options, true);
  rule.options = new ObservedOptions(rule.options, budget);
  const clamp = (wall: number) => new Date(Math.min(Math.max(wall, -LAST_WALL), LAST_WALL));
  rule.between(clamp(from), clamp(to), true, (date) => take(date.getTime()));
}

function countDates(options: Partial<Options>, from: number, to: number, budget: WorkBudget): number {
  let n = 0;
  walk({ ...options, count: null }, from, to, budget, () => {
    n++;
    return true;
  });
  return n;
}

/**
 * With COUNT, whether every whole period gives the same number of dates, so the dates before a period
 * can be counted arithmetically: a fixed-length frequency whose BY-parts only add times (and weekdays,
 * weekly). Otherwise a rule with COUNT is walked from DTSTART.
 */
export function countIsArithmetic(p: ParsedOptions): boolean {
  const filters =
    present(p.bysetpos) ||
    hasDayFilter({ ...p, byweekday: p.freq === Frequency.WEEKLY ? [] : p.byweekday }) ||
    (p.freq >= Frequency.HOURLY && present(p.byhour)) ||
    (p.freq >= Frequency.MINUTELY && present(p.byminute));
  return UNIT_MS[p.freq] !== undefined && !filters;
}

/** The dates before the k-th period (k ≥ 1) of a rule whose COUNT is arithmetic: those of the first, then k − 1 whole ones. */
function datesBefore(p: ParsedOptions, at: Periods, k: number, budget: WorkBudget): number {
  const options = pinnedOptions(p);
  const first = countDates(options, p.dtstart.getTime(), at.start(1) - 1, budget);
  const next = at.start(1);
  const whole = countDates({ ...options, dtstart: new Date(next) }, next, next + at.unit! - 1, budget);
  return first + (k - 1) * whole;
}

/**
 * The options to walk a window starting at `from` with: DTSTART moved to the last period starting
 * at or before it, COUNT reduced by the dates skipped. Null when the rule has no dates left there.
 */
export function windowOptions(p: ParsedOptions, from: number, to: number, budget: WorkBudget) {
  const options = pinnedOptions(p);
  if ((p.until && p.until.getTime() < from) || p.dtstart.getTime() > to) return null;
  const at = periods(p);
  const k = at.index(from);
  if (k < 1) return options;
  const dtstart = new Date(at.start(k));
  if (!p.count) return { ...options, dtstart };
  // Not arithmetic: walked from DTSTART, which the write-time check showed ends within the bound.
  if (!countIsArithmetic(p)) return options;
  const before = datesBefore(p, at, k, budget);
  return before >= p.count ? null : { ...options, dtstart, count: p.count - before };
}

/** Walks the whole rule from DTSTART (a rule with COUNT or UNTIL ends), charging `budget`. */
export function walkToEnd(p: ParsedOptions, budget: WorkBudget): void {
  walk(pinnedOptions(p), p.dtstart.getTime(), LAST_WALL, budget, () => true);
}
