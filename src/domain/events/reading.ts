// Reading events back, the parts that are decisions: ids with wildcards, page tokens, count-by buckets
// and the retention cutoff (docs/events.md). Pure; src/db/events.ts turns them into SQL.
import type { EventCountBody, EventFilter } from 'edgeflow/protocol';

/** Ids as given: `prefect.flow-run.*` is a prefix, anything else an exact id. */
export function splitWildcards(ids: readonly string[] = []): { exact: string[]; prefixes: string[] } {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const id of ids) {
    if (id.endsWith('*')) prefixes.push(id.slice(0, -1));
    else exact.push(id);
  }
  return { exact, prefixes };
}

/** Where the next page starts: after this (occurred, seq) in the filter's order. */
export interface PageCursor {
  occurred: string;
  seq: number;
}

export interface PageToken {
  filter: EventFilter;
  limit: number;
  after: PageCursor;
}

export function encodePageToken(token: PageToken): string {
  const bytes = new TextEncoder().encode(JSON.stringify(token));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The token's content, unchecked (the route validates its filter again); null when it is not a token. */
export function decodePageToken(text: string): unknown {
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

const UNIT_SECONDS = { second: 1, minute: 60, hour: 3_600, day: 86_400, week: 604_800 } as const;

/** A count-by-time request may not ask for more buckets than this (as Prefect caps it). */
export const MAX_TIME_BUCKETS = 1_000;

/** Seven days back, Prefect's default window when the filter gives no `since`. */
export const DEFAULT_WINDOW_MS = 7 * 86_400_000;

export interface TimeBuckets {
  since: Date;
  until: Date;
  seconds: number;
}

/** The buckets a count-by-time covers, or a problem naming the field when there would be too many. */
export function timeBuckets(
  body: EventCountBody,
  now: Date,
): TimeBuckets | { field: string; message: string } {
  const until = body.filter.occurred?.until ? new Date(body.filter.occurred.until) : now;
  const since = body.filter.occurred?.since
    ? new Date(body.filter.occurred.since)
    : new Date(until.getTime() - DEFAULT_WINDOW_MS);
  const seconds = UNIT_SECONDS[body.time_unit] * body.time_interval;
  const count = Math.ceil((until.getTime() - since.getTime()) / 1000 / seconds);
  if (count > MAX_TIME_BUCKETS)
    return {
      field: 'time_interval',
      message: `the range holds ${count} buckets of ${seconds} s; at most ${MAX_TIME_BUCKETS}`,
    };
  return { since, until, seconds };
}

/** The i-th bucket's start and end. */
export function bucketRange(buckets: TimeBuckets, index: number): { start: Date; end: Date } {
  const start = buckets.since.getTime() + index * buckets.seconds * 1000;
  return { start: new Date(start), end: new Date(start + buckets.seconds * 1000) };
}

/** Events kept this many days when nothing is configured (Prefect's `server.events.retention_period`). */
export const DEFAULT_RETENTION_DAYS = 7;

/** Events that occurred before this are deleted; a missing or bad setting keeps the default. */
export function retentionCutoff(now: Date, setting: string | undefined): Date {
  const days = Number(setting);
  const keep = setting && Number.isFinite(days) && days > 0 ? days : DEFAULT_RETENTION_DAYS;
  return new Date(now.getTime() - keep * 86_400_000);
}
