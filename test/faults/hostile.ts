// Values a careless script or an attacker sends: each is a JSON value, or raw JSON text where JSON.stringify
// cannot produce it (numbers out of range, negative zero).

/** Raw JSON text to splice in where a value goes. */
export class RawJson {
  readonly raw: string;
  constructor(raw: string) {
    this.raw = raw;
  }
}

const raw = (text: string) => new RawJson(text);

export interface Hostile {
  label: string;
  /** A JSON value, or a RawJson. */
  value: unknown;
}

const long = (n: number, char = 'a') => char.repeat(n);

/** Strings for every string field, and for every filter operator that takes one. */
export const HOSTILE_STRINGS: Hostile[] = [
  { label: 'empty string', value: '' },
  { label: 'blank', value: '   ' },
  { label: '48 chars', value: long(48) },
  { label: '49 chars', value: long(49) },
  { label: '201 chars', value: long(201) },
  { label: '1,000 chars', value: long(1_000) },
  { label: '100,000 chars', value: long(100_000) },
  { label: '60 percent signs', value: long(60, '%') },
  { label: 'LIKE wildcards', value: '_%_%\\%' },
  { label: 'SQL quote', value: "x'); DROP TABLE flows; --" },
  { label: 'NUL', value: '\u0000' },
  { label: 'embedded NUL', value: 'a\u0000b' },
  { label: 'lone high surrogate', value: '\ud800' },
  { label: 'lone surrogate in a name', value: 'lone\ud800pool' },
  { label: 'lone low surrogate', value: '\udfffx' },
  { label: 'emoji', value: '😀🚀' },
  { label: 'combining marks', value: 'e\u0301\u0301\u0301' },
  { label: 'right-to-left override', value: 'a\u202eb' },
  { label: 'BOM and zero-width', value: '\ufeff\u200b' },
  { label: 'path traversal', value: '../../etc/passwd' },
  { label: 'slash and percent', value: 'a/b%2Fc' },
  { label: 'bad percent escape', value: '%ZZ' },
  { label: 'control characters', value: '\u0001\u001b[31m\r\n' },
  { label: 'the string null', value: 'null' },
];

export const HOSTILE_NUMBERS: Hostile[] = [
  { label: '-1', value: -1 },
  { label: '0', value: 0 },
  { label: '1.5', value: 1.5 },
  { label: '2^31', value: 2 ** 31 },
  { label: '2^53 + 1', value: raw('9007199254740993') },
  { label: '1e21', value: 1e21 },
  { label: '1e308', value: 1e308 },
  { label: '-1e308', value: -1e308 },
  { label: '1e400 (Infinity)', value: raw('1e400') },
  { label: '-0', value: raw('-0') },
  { label: '1e-400', value: raw('1e-400') },
  { label: '30 digits', value: raw('123456789012345678901234567890') },
];

export const HOSTILE_UUIDS: Hostile[] = [
  { label: 'not a uuid', value: 'not-a-uuid' },
  { label: 'nil uuid', value: '00000000-0000-0000-0000-000000000000' },
  { label: 'unknown uuid', value: '3f1e8a0c-5b7d-4c2e-9a61-0d4b2c8e7f10' },
  { label: 'uuid with NUL', value: '3f1e8a0c-5b7d-4c2e-9a61-0d4b2c8e7f1\u0000' },
];

export const HOSTILE_DATES: Hostile[] = [
  { label: 'year 0', value: '0000-01-01T00:00:00Z' },
  { label: 'year 1900', value: '1900-01-01T00:00:00Z' },
  { label: 'year 9999', value: '9999-12-31T23:59:59Z' },
  { label: 'extended year', value: '+275760-09-13T00:00:00.000Z' },
  { label: 'February 30', value: '2024-02-30T00:00:00Z' },
  { label: 'no zone', value: '2024-01-01T00:00:00' },
  { label: 'not a date', value: 'yesterday' },
];

/** Schedules that take unbounded work to plan, or name nothing plannable. */
export const HOSTILE_SCHEDULE_FIELDS: Record<string, Hostile[]> = {
  rrule: [
    {
      label: 'old DTSTART with a huge COUNT',
      value: 'DTSTART:19000101T000000Z\nRRULE:FREQ=MINUTELY;COUNT=100000000',
    },
    { label: 'secondly for ever from 1900', value: 'DTSTART:19000101T000000Z\nRRULE:FREQ=SECONDLY' },
    { label: 'a rule that never fires', value: 'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' },
    { label: 'garbage', value: 'RRULE:FREQ=SOMETIMES' },
  ],
  cron: [
    { label: 'every second', value: '* * * * * *' },
    { label: 'February 30', value: '0 0 30 2 *' },
    { label: 'out of range', value: '99 99 99 99 99' },
  ],
  interval: [
    { label: 'a millisecond', value: 0.001 },
    { label: 'a microsecond', value: 1e-6 },
    { label: 'zero', value: 0 },
  ],
  timezone: [
    { label: 'unknown zone', value: 'Mars/Olympus_Mons' },
    { label: 'offset zone', value: 'Etc/GMT+14' },
  ],
};

/** Schedule-field cases that hung the server when it planned them; counted against the hang budget. */
export const SCHEDULE_BOMB = /DTSTART:1900/;

/** `{"a":{"a":…}}` nested `depth` levels. */
export function deepObject(depth: number): RawJson {
  return raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

/** `[[[…]]]` nested `depth` levels. */
export function deepArray(depth: number): RawJson {
  return raw(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}
