// Schedule arithmetic in workerd: cron, interval and rrule dates across DST in two zones, each way.
import { describe, expect, it } from 'vitest';
import {
  normaliseSchedule,
  occurrences,
  type StoredSchedule,
  UnplannableSchedule,
} from '../../src/domain/schedules';

const iso = (ms: number[]) => ms.map((d) => new Date(d).toISOString());
const at = (text: string) => Date.parse(text);

function stored(schedule: Parameters<typeof normaliseSchedule>[0], now = new Date()): StoredSchedule {
  const result = normaliseSchedule(schedule, now);
  if ('problem' in result) throw new Error(`${result.problem.field}: ${result.problem.message}`);
  return result.schedule;
}

function dates(schedule: StoredSchedule, from: string, to: string, max = 50): string[] {
  return iso(occurrences(schedule, at(from), at(to), max));
}

describe('cron schedules', () => {
  const cron = (pattern: string, timezone: string, day_or = true) =>
    stored({ cron: pattern, timezone, day_or });

  it('keeps a daily 09:00 at 09:00 in Berlin across spring forward (UTC 08:00 → 07:00)', () => {
    expect(dates(cron('0 9 * * *', 'Europe/Berlin'), '2026-03-28T00:00Z', '2026-03-31T00:00Z')).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
  });

  it('keeps a daily 09:00 at 09:00 in Berlin across fall back (UTC 07:00 → 08:00)', () => {
    expect(dates(cron('0 9 * * *', 'Europe/Berlin'), '2026-10-24T00:00Z', '2026-10-27T00:00Z')).toEqual([
      '2026-10-24T07:00:00.000Z',
      '2026-10-25T08:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
    ]);
  });

  it('runs an hourly cron every UTC hour through New York fall back: no duplicate, no gap', () => {
    expect(dates(cron('0 * * * *', 'America/New_York'), '2026-11-01T04:00Z', '2026-11-01T08:00Z')).toEqual([
      '2026-11-01T04:00:00.000Z',
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ]);
  });

  it('runs a 02:30 New York job that falls in the spring gap at the first valid time after it', () => {
    expect(dates(cron('30 2 * * *', 'America/New_York'), '2026-03-07T12:00Z', '2026-03-10T00:00Z')).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });

  it('runs a 01:30 New York job once on the night 01:30 happens twice', () => {
    expect(dates(cron('30 1 * * *', 'America/New_York'), '2026-10-31T12:00Z', '2026-11-02T12:00Z')).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('with day_or false needs both the day of month and the weekday (Friday the 13th)', () => {
    expect(dates(cron('0 9 13 * 5', 'UTC', false), '2026-01-01T00:00Z', '2026-12-31T00:00Z')).toEqual([
      '2026-02-13T09:00:00.000Z',
      '2026-03-13T09:00:00.000Z',
      '2026-11-13T09:00:00.000Z',
    ]);
  });

  it('with day_or true (the default) takes either', () => {
    expect(dates(cron('0 9 13 * 5', 'UTC'), '2026-01-01T00:00Z', '2026-01-14T00:00Z')).toEqual([
      '2026-01-02T09:00:00.000Z',
      '2026-01-09T09:00:00.000Z',
      '2026-01-13T09:00:00.000Z',
    ]);
  });
});

describe('interval schedules', () => {
  it('follows UTC for intervals under 24 hours across New York spring forward', () => {
    const hourly = stored({
      interval: 3600,
      anchor_date: '2026-01-01T00:00:00Z',
      timezone: 'America/New_York',
    });
    expect(dates(hourly, '2026-03-08T05:30Z', '2026-03-08T09:00Z')).toEqual([
      '2026-03-08T06:00:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T08:00:00.000Z',
    ]);
  });

  it('keeps the wall-clock time for daily intervals across New York spring forward', () => {
    const daily = stored({
      interval: 86_400,
      anchor_date: '2026-01-05T09:00:00-05:00',
      timezone: 'America/New_York',
    });
    expect(dates(daily, '2026-03-07T00:00Z', '2026-03-10T00:00Z')).toEqual([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
  });

  it('keeps the wall-clock time for weekly intervals across Berlin fall back', () => {
    const weekly = stored({
      interval: 7 * 86_400,
      anchor_date: '2026-10-18T10:00:00+02:00',
      timezone: 'Europe/Berlin',
    });
    expect(dates(weekly, '2026-10-18T00:00Z', '2026-11-02T00:00Z')).toEqual([
      '2026-10-18T08:00:00.000Z',
      '2026-10-25T09:00:00.000Z',
      '2026-11-01T09:00:00.000Z',
    ]);
  });

  it('takes its phase from the anchor, before and after it', () => {
    const everyTwoDays = stored({
      interval: 2 * 86_400,
      anchor_date: '2026-06-10T12:00:00Z',
      timezone: 'UTC',
    });
    expect(dates(everyTwoDays, '2026-06-07T00:00Z', '2026-06-13T00:00Z')).toEqual([
      '2026-06-08T12:00:00.000Z',
      '2026-06-10T12:00:00.000Z',
      '2026-06-12T12:00:00.000Z',
    ]);
  });

  it('reaches today from an anchor decades old without walking there', () => {
    const fiveMinutes = stored({ interval: 300, anchor_date: '1990-01-01T00:01:00Z', timezone: 'UTC' });
    expect(dates(fiveMinutes, '2026-06-10T12:00Z', '2026-06-10T12:10Z')).toEqual([
      '2026-06-10T12:01:00.000Z',
      '2026-06-10T12:06:00.000Z',
    ]);
  });

  it('anchors at the time it was written when no anchor is given', () => {
    const now = new Date('2026-06-10T12:34:56Z');
    expect(stored({ interval: 60, timezone: 'UTC' }, now)).toMatchObject({ anchor_date: now.toISOString() });
  });
});

describe('rrule schedules', () => {
  it('writes an explicit DTSTART (now, in the zone) into a rule that has none', () => {
    const now = new Date('2026-06-10T12:34:56Z');
    const rule = stored({ rrule: 'RRULE:FREQ=DAILY', timezone: 'Europe/Berlin' }, now);
    expect(rule).toEqual({ rrule: 'DTSTART:20260610T143456\nRRULE:FREQ=DAILY', timezone: 'Europe/Berlin' });
  });

  it('takes the zone from DTSTART;TZID and keeps 09:00 local across Berlin spring forward', () => {
    const rule = stored({ rrule: 'DTSTART;TZID=Europe/Berlin:20260301T090000\nRRULE:FREQ=DAILY' });
    expect(rule).toMatchObject({ timezone: 'Europe/Berlin' });
    expect(dates(rule, '2026-03-28T00:00Z', '2026-03-31T00:00Z')).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
  });

  it('keeps 09:00 local across New York fall back', () => {
    const rule = stored({
      rrule: 'DTSTART:20261001T090000\nRRULE:FREQ=WEEKLY;BYDAY=SU',
      timezone: 'America/New_York',
    });
    expect(dates(rule, '2026-10-25T00:00Z', '2026-11-09T00:00Z')).toEqual([
      '2026-10-25T13:00:00.000Z',
      '2026-11-01T14:00:00.000Z',
      '2026-11-08T14:00:00.000Z',
    ]);
  });

  it('finds today from a minutely DTSTART years old (whole periods skipped, not iterated)', () => {
    const rule = stored({
      rrule: 'DTSTART:20200101T000030\nRRULE:FREQ=MINUTELY;INTERVAL=7',
      timezone: 'UTC',
    });
    const found = occurrences(rule, at('2026-06-10T12:00Z'), at('2026-06-10T12:15Z'), 10);
    expect(found).toHaveLength(2);
    for (const date of found) expect((date - at('2020-01-01T00:00:30Z')) % (7 * 60_000)).toBe(0);
  });

  it('stops a window that needs more than MAX_SCHEDULE_WORK candidates, and says so', () => {
    const rule = stored({ rrule: 'DTSTART:20260101T000000\nRRULE:FREQ=MINUTELY', timezone: 'UTC' });
    expect(() => occurrences(rule, at('2026-01-01T00:00Z'), at('2026-02-01T00:00Z'), 10_000)).toThrow(
      UnplannableSchedule,
    );
  });

  it('refuses RDATE/EXDATE sets and SECONDLY rules, naming the rrule field', () => {
    for (const rrule of [
      'DTSTART:20260101T000000\nRRULE:FREQ=DAILY\nEXDATE:20260102T000000',
      'RRULE:FREQ=SECONDLY',
    ]) {
      const result = normaliseSchedule({ rrule }, new Date());
      expect(result).toMatchObject({ problem: { field: 'rrule' } });
    }
  });
});

describe('validation', () => {
  it('names the cron field for a bad pattern', () => {
    expect(
      normaliseSchedule({ cron: '61 * * * *', timezone: 'UTC', day_or: true }, new Date()),
    ).toMatchObject({
      problem: { field: 'cron' },
    });
  });

  it('names the timezone field for an unknown zone', () => {
    expect(
      normaliseSchedule({ cron: '0 * * * *', timezone: 'Mars/Base', day_or: true }, new Date()),
    ).toMatchObject({
      problem: { field: 'timezone', message: 'unknown time zone Mars/Base' },
    });
  });
});
