// The work bound on schedule arithmetic: any rule, however old its DTSTART or large its
// COUNT, is planned within MAX_SCHEDULE_WORK candidates, or refused when written, or (stored before
// the bound) skipped by the planner; and the shortcuts that keep old rules cheap change no date.
import { Frequency, rrulestr } from 'rrule';
import { describe, expect, it } from 'vitest';
import {
  normaliseSchedule,
  occurrences,
  planSchedule,
  type StoredSchedule,
  UNPLANNABLE_RETRY_MS,
  UnplannableSchedule,
} from '../../src/domain/schedules';
import { walk } from '../../src/domain/schedules/rrule-walk';
import { WorkBudget } from '../../src/domain/schedules/work';

const at = (text: string) => Date.parse(text);
const NOW = new Date('2026-06-10T12:00:30Z');
const DAY = 86_400_000;

function stored(rrule: string): StoredSchedule {
  const result = normaliseSchedule({ rrule, timezone: 'UTC' }, NOW);
  if ('problem' in result) throw new Error(`${result.problem.field}: ${result.problem.message}`);
  return result.schedule;
}

const problemOf = (schedule: Parameters<typeof normaliseSchedule>[0]) => {
  const result = normaliseSchedule(schedule, NOW);
  return 'problem' in result ? result.problem : null;
};

/** The package alone, walking from DTSTART: what the shortcuts must agree with (UTC: wall = instant). */
function walkedFromDtstart(rrule: string, start: number, end: number, max: number): number[] {
  const dates = rrulestr(rrule).between(new Date(start), new Date(end - 1), true);
  return dates.map((date) => date.getTime()).slice(0, max);
}

// The reference dates come from the package walking from DTSTART, slow by design: a longer timeout.
describe('old DTSTARTs and large COUNTs are planned without walking from DTSTART', {
  timeout: 30_000,
}, () => {
  it("plans the probe's rule (MINUTELY, COUNT=100,000,000 from 1900) by counting the minutes skipped", () => {
    const rule = stored('DTSTART:19000101T000000Z\nRRULE:FREQ=MINUTELY;COUNT=100000000');
    const found = occurrences(rule, at('2026-06-10T12:00Z'), at('2026-06-10T12:05Z'), 100);
    expect(found.map((d) => new Date(d).toISOString())).toEqual([
      '2026-06-10T12:00:00.000Z',
      '2026-06-10T12:01:00.000Z',
      '2026-06-10T12:02:00.000Z',
      '2026-06-10T12:03:00.000Z',
      '2026-06-10T12:04:00.000Z',
    ]);
  });

  it('ends such a rule at its COUNT exactly', () => {
    const minutes = (at('2026-06-10T12:02Z') - at('1900-01-01T00:00Z')) / 60_000;
    const rule = stored(`DTSTART:19000101T000000Z\nRRULE:FREQ=MINUTELY;COUNT=${minutes + 1}`);
    const found = occurrences(rule, at('2026-06-10T12:00Z'), at('2026-06-10T13:00Z'), 100);
    expect(found.map((d) => new Date(d).toISOString())).toEqual([
      '2026-06-10T12:00:00.000Z',
      '2026-06-10T12:01:00.000Z',
      '2026-06-10T12:02:00.000Z',
    ]);
  });

  it.each([
    // No COUNT: DTSTART moves to the period before the window.
    'DTSTART:20260501T000730\nRRULE:FREQ=MINUTELY;INTERVAL=7;BYSECOND=0,30',
    'DTSTART:20260501T001500\nRRULE:FREQ=MINUTELY;INTERVAL=15;BYHOUR=9,10',
    'DTSTART:20260501T000000\nRRULE:FREQ=MINUTELY;INTERVAL=7;BYMONTH=6,9;BYMINUTE=0,7,14',
    'DTSTART:20260101T030000\nRRULE:FREQ=HOURLY;INTERVAL=5;BYHOUR=3,13,23;BYDAY=MO,TH',
    'DTSTART:20150107T093000\nRRULE:FREQ=DAILY;INTERVAL=3;BYHOUR=9,17;BYMINUTE=30',
    'DTSTART:20150107T090000\nRRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,TU,SA',
    'DTSTART:20150131T080000\nRRULE:FREQ=MONTHLY;INTERVAL=5',
    'DTSTART:20150101T080000\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
    'DTSTART:20150101T080000\nRRULE:FREQ=MONTHLY;BYDAY=2MO,-1FR',
    'DTSTART:19800229T120000\nRRULE:FREQ=YEARLY',
    'DTSTART:19800101T000000\nRRULE:FREQ=YEARLY;INTERVAL=3;BYWEEKNO=1,20;BYDAY=MO',
    'DTSTART:20150101T000000\nRRULE:FREQ=YEARLY;BYYEARDAY=-1,100,200;BYHOUR=6',
    'DTSTART:20150101T000000\nRRULE:FREQ=DAILY;UNTIL=20260701T000000',
    // COUNT counted arithmetically: every whole period gives the same number of dates.
    'DTSTART:20260501T000000\nRRULE:FREQ=MINUTELY;INTERVAL=7;COUNT=100000',
    'DTSTART:20260601T000000\nRRULE:FREQ=MINUTELY;BYSECOND=10,40;COUNT=27481',
    'DTSTART:20260101T050000\nRRULE:FREQ=HOURLY;INTERVAL=5;BYMINUTE=0,30;COUNT=2000',
    'DTSTART:20150107T093000\nRRULE:FREQ=DAILY;BYHOUR=9,17;BYMINUTE=30;COUNT=8500',
    'DTSTART:20150107T090000\nRRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,TU,SA;BYHOUR=9,18;COUNT=3500',
    'DTSTART:20150107T090000\nRRULE:FREQ=WEEKLY;COUNT=600',
    // COUNT walked from DTSTART (the write-time check showed it ends within the bound).
    'DTSTART:20260101T000000\nRRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=12',
  ])('gives the dates the package gives walking from DTSTART: %s', (rrule) => {
    const rule = stored(rrule);
    let compared = 0;
    for (const [start, end, max] of [
      [at('2026-06-10T12:00:30Z'), at('2026-06-10T12:00:30Z') + 100 * DAY, 100],
      [at('2026-06-10T13:00:00Z'), at('2026-06-10T13:00:00Z') + 400 * DAY, 1],
      [at('2027-12-01T00:00:00Z'), at('2027-12-01T00:00:00Z') + 100 * DAY, 200],
    ] as const) {
      const expected = walkedFromDtstart(rrule, start, end, max);
      expect(occurrences(rule, start, end, max)).toEqual(expected);
      compared += expected.length;
    }
    expect(compared).toBeGreaterThan(0);
  });
});

describe('rules that cannot be planned within the bound are refused when written, naming the field', () => {
  it.each([
    [
      'yields nothing, ever (February 30th), yearly',
      'DTSTART:20260101T000000\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
    ],
    [
      'yields nothing, ever, stepping daily',
      'DTSTART:20260101T000000\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
    ],
    ['yields nothing, ever, stepping minutely', 'DTSTART:20260101T000000\nRRULE:FREQ=MINUTELY;BYSETPOS=2'],
    ['has no INTERVAL to step by', 'DTSTART:20260101T000000\nRRULE:FREQ=DAILY;INTERVAL=0'],
    ['would loop for ever on BYHOUR', 'DTSTART:20260101T000000\nRRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=5'],
    ['would loop for ever on BYMINUTE', 'DTSTART:20260101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=2;BYMINUTE=1'],
    [
      'would loop for ever on BYHOUR past a filtered day',
      'DTSTART:20260101T000000\nRRULE:FREQ=MINUTELY;BYMONTH=2;BYHOUR=5',
    ],
    [
      'has more dates in one period than the bound allows',
      'DTSTART:20260101T000000\nRRULE:FREQ=YEARLY;BYHOUR=0,3,6,9,12,15,18,21',
    ],
    [
      'has a COUNT that only walking from 1900 can establish',
      'DTSTART:19000101T000000Z\nRRULE:FREQ=MINUTELY;COUNT=100000000;BYHOUR=9',
    ],
  ])('an rrule that %s', (_why, rrule) => {
    expect(problemOf({ rrule, timezone: 'UTC' })).toMatchObject({ field: 'rrule' });
  });

  it('keeps rules with BY-parts whose COUNT is reached within the bound', () => {
    expect(
      problemOf({ rrule: 'DTSTART:19000101T000000\nRRULE:FREQ=DAILY;BYDAY=MO;COUNT=10', timezone: 'UTC' }),
    ).toBe(null);
  });

  it('keeps sparse rules whose next date is years away (leap days, stepping daily)', () => {
    const rrule = 'DTSTART:20260101T000000\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29';
    expect(problemOf({ rrule, timezone: 'UTC' })).toBe(null);
  });

  it('refuses a cron pattern that matches no date', () => {
    expect(problemOf({ cron: '0 0 30 2 *', timezone: 'UTC', day_or: true })).toMatchObject({ field: 'cron' });
  });
});

describe('a rule stored before the bound is skipped by the planner, not looped on', () => {
  const unvalidated = (rrule: string): StoredSchedule => ({ rrule, timezone: 'UTC' });

  it.each([
    'DTSTART:20260101T000000\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30',
    'DTSTART:20260101T000000\nRRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=5',
    'DTSTART:19000101T000000\nRRULE:FREQ=MINUTELY;COUNT=100000000;BYHOUR=9',
  ])('stops at the bound and plans nothing, looking again a day later: %s', (rrule) => {
    const now = NOW.getTime();
    expect(() => occurrences(unvalidated(rrule), now, now + 100 * DAY, 100)).toThrow(UnplannableSchedule);
    const plan = planSchedule(unvalidated(rrule), now, 1234);
    expect(plan).toMatchObject({
      toCreate: [],
      scheduledUntil: 1234,
      nextCheckAt: now + UNPLANNABLE_RETRY_MS,
    });
    expect(plan.unplannable).toBeTruthy();
  });
});

describe('the bound counts what the rrule package examines', () => {
  it('charges one per date produced and one per period stepped through (its reads, pinned)', () => {
    // A daily rule over ten days: ten dates, then the eleventh shows the walk is past the window.
    const daily = { freq: Frequency.DAILY, dtstart: new Date(at('2026-01-01T00:00Z')) };
    const outcome = (limit: number) => {
      try {
        walk(daily, at('2026-01-01T00:00Z'), at('2026-01-10T00:00Z'), new WorkBudget(limit), () => true);
        return 'finished';
      } catch (error) {
        if (error instanceof UnplannableSchedule) return 'stopped';
        throw error;
      }
    };
    expect(outcome(21.5)).toBe('finished');
    expect(outcome(21)).toBe('stopped');
  });
});

describe('interval and cron schedules at the ends of time', () => {
  const every = (interval: number, anchor_date: string): StoredSchedule => ({
    interval,
    anchor_date,
    timezone: 'Europe/Berlin',
  });

  it.each(['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z'])(
    'reaches today in one step from a one-second interval anchored at %s',
    (anchor) => {
      const now = NOW.getTime();
      const found = occurrences(every(1, anchor), now, now + 100 * DAY, 100);
      expect(found).toHaveLength(100);
      expect(found[99]! - found[0]!).toBe(99_000);
    },
  );

  it('has no date past the end of time for a huge interval, rather than a RangeError', () => {
    const window = [NOW.getTime(), NOW.getTime() + 400 * DAY, 5] as const;
    expect(occurrences(every(1e15, '2026-01-01T00:00:00Z'), ...window)).toEqual([]);
    expect(occurrences(every(1e15, '2026-06-20T00:00:00Z'), ...window)).toEqual([at('2026-06-20T00:00:00Z')]);
    expect(
      planSchedule(every(1e15, '2026-01-01T00:00:00Z'), NOW.getTime(), null).unplannable,
    ).toBeUndefined();
  });
});
