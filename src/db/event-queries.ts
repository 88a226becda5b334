// Reading events back from D1: a filter as one WHERE clause (every list one JSON parameter, so any
// number fits D1's bound-parameter limit), pages by (occurred, seq), counts by day, time or name,
// and the live stream's read by seq (docs/events.md).
import type { Event, EventFilter } from 'edgeflow/protocol';
import { type PageCursor, splitWildcards } from '../domain/events';

/**
 * `column` starts with the list's `p.value`: compared with substr() rather than LIKE, since D1 refuses
 * LIKE patterns of 50 characters or more (a 500 the fuzz found) and LIKE folds ASCII case.
 */
const startsWith = (column: string) => `substr(${column}, 1, length(p.value)) = p.value`;

interface Clause {
  sql: string[];
  params: unknown[];
}

const json = (values: readonly string[]) => JSON.stringify(values);

/** `column` is one of `ids` (exact, or a prefix where an id ends in `*`), plus any `prefixes`. */
function idCondition(clause: Clause, column: string, ids?: string[], prefixes: string[] = []): void {
  if (!ids && prefixes.length === 0) return;
  const split = splitWildcards(ids);
  const starts = [...split.prefixes, ...prefixes];
  const parts: string[] = [];
  if (split.exact.length > 0) {
    parts.push(`${column} IN (SELECT value FROM json_each(?))`);
    clause.params.push(json(split.exact));
  }
  if (starts.length > 0) {
    parts.push(`EXISTS (SELECT 1 FROM json_each(?) p WHERE ${startsWith(column)})`);
    clause.params.push(json(starts));
  }
  clause.sql.push(`(${parts.join(' OR ')})`);
}

function eventNameConditions(clause: Clause, filter: NonNullable<EventFilter['event']>): void {
  idCondition(clause, 'event', filter.name, filter.prefix ?? []);
  if (filter.exclude_name) {
    clause.sql.push('event NOT IN (SELECT value FROM json_each(?))');
    clause.params.push(json(filter.exclude_name));
  }
  if (filter.exclude_prefix) {
    clause.sql.push(`NOT EXISTS (SELECT 1 FROM json_each(?) p WHERE ${startsWith('event')})`);
    clause.params.push(json(filter.exclude_prefix));
  }
}

function relatedCondition(clause: Clause, filter: NonNullable<EventFilter['related']>): void {
  const inner: Clause = { sql: [], params: [] };
  idCondition(inner, 'r.value ->> 0', filter.id);
  if (filter.role) {
    inner.sql.push('r.value ->> 1 IN (SELECT value FROM json_each(?))');
    inner.params.push(json(filter.role));
  }
  if (inner.sql.length === 0) return;
  clause.sql.push(`EXISTS (SELECT 1 FROM json_each(events.related) r WHERE ${inner.sql.join(' AND ')})`);
  clause.params.push(...inner.params);
}

/** The filter as a WHERE clause (`true` when it asks for nothing). */
export function filterClause(filter: EventFilter): Clause {
  const clause: Clause = { sql: [], params: [] };
  if (filter.occurred?.since) {
    clause.sql.push('occurred >= ?');
    clause.params.push(new Date(filter.occurred.since).toISOString());
  }
  if (filter.occurred?.until) {
    clause.sql.push('occurred <= ?');
    clause.params.push(new Date(filter.occurred.until).toISOString());
  }
  if (filter.event) eventNameConditions(clause, filter.event);
  if (filter.resource) idCondition(clause, 'resource_id', filter.resource.id, filter.resource.id_prefix);
  if (filter.related) relatedCondition(clause, filter.related);
  if (filter.id) {
    clause.sql.push('id IN (SELECT value FROM json_each(?))');
    clause.params.push(json(filter.id.id));
  }
  if (clause.sql.length === 0) clause.sql.push('true');
  return clause;
}

const where = (clause: Clause) => clause.sql.join(' AND ');

export interface EventRows {
  events: Event[];
  total: number;
  /** Where the next page starts; null when this page is the last. */
  next: PageCursor | null;
}

/** One page in the filter's order, and the total, in one D1 round trip. */
export async function filterEvents(
  db: D1Database,
  filter: EventFilter,
  limit: number,
  after: PageCursor | null,
): Promise<EventRows> {
  const clause = filterClause(filter);
  const page: Clause = { sql: [...clause.sql], params: [...clause.params] };
  const descending = filter.order === 'DESC';
  if (after) {
    const op = descending ? '<' : '>';
    page.sql.push(`(occurred ${op} ? OR (occurred = ? AND seq ${op} ?))`);
    page.params.push(after.occurred, after.occurred, after.seq);
  }
  const order = descending ? 'DESC' : 'ASC';
  const [rows, count] = await db.batch([
    db
      .prepare(
        `SELECT seq, occurred, doc FROM events WHERE ${where(page)} ORDER BY occurred ${order}, seq ${order} LIMIT ?`,
      )
      .bind(...page.params, limit + 1),
    db.prepare(`SELECT count(*) AS n FROM events WHERE ${where(clause)}`).bind(...clause.params),
  ]);
  const found = (rows!.results as { seq: number; occurred: string; doc: string }[]) ?? [];
  const shown = found.slice(0, limit);
  const last = shown.at(-1);
  return {
    events: shown.map((row) => JSON.parse(row.doc) as Event),
    total: (count!.results[0] as { n: number }).n,
    next: found.length > limit && last ? { occurred: last.occurred, seq: last.seq } : null,
  };
}

/** Counts by event name, by UTC day, or by time bucket (`bucket` seconds from `since`). */
export async function countEvents(
  db: D1Database,
  filter: EventFilter,
  by: { kind: 'event' } | { kind: 'day' } | { kind: 'time'; since: Date; seconds: number },
): Promise<{ value: string; count: number; first: string; last: string }[]> {
  const clause = filterClause(filter);
  const key =
    by.kind === 'event'
      ? 'event'
      : by.kind === 'day'
        ? 'substr(occurred, 1, 10)'
        : `CAST((strftime('%s', occurred) - ?) / ? AS INTEGER)`;
  const keyParams = by.kind === 'time' ? [Math.floor(by.since.getTime() / 1000), by.seconds] : [];
  const { results } = await db
    .prepare(
      `SELECT ${key} AS value, count(*) AS count, min(occurred) AS first, max(occurred) AS last
       FROM events WHERE ${where(clause)} GROUP BY 1 ORDER BY 1`,
    )
    .bind(...keyParams, ...clause.params)
    .all<{ value: string | number; count: number; first: string; last: string }>();
  return results.map((row) => ({ ...row, value: String(row.value) }));
}

/**
 * Events stored after `afterSeq` that match, in the order D1 committed them, and the newest seq the
 * read looked at (`upTo`): the live stream's read. A reader that goes on from `upTo` skips nothing and
 * scans nothing twice, however few events its filter matches.
 */
export async function eventsAfter(
  db: D1Database,
  filter: EventFilter,
  afterSeq: number,
  limit: number,
): Promise<{ rows: { seq: number; json: string }[]; upTo: number }> {
  const clause = filterClause(filter);
  const [top, rows] = await db.batch([
    db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM events'),
    db
      .prepare(
        `SELECT seq, doc AS json FROM events WHERE seq > ? AND seq <= (SELECT coalesce(max(seq), 0) FROM events)
         AND ${where(clause)} ORDER BY seq LIMIT ?`,
      )
      .bind(afterSeq, ...clause.params, limit),
  ]);
  const found = rows!.results as { seq: number; json: string }[];
  const newest = (top!.results[0] as { seq: number }).seq;
  // A full page stops at its last row; the rest comes with the next read.
  return { rows: found, upTo: found.length === limit ? found.at(-1)!.seq : Math.max(newest, afterSeq) };
}

/** The seq of the newest event stored (0 when there is none): where a new stream starts. */
export async function lastEventSeq(db: D1Database): Promise<number> {
  const row = await db.prepare('SELECT max(seq) AS seq FROM events').first<{ seq: number | null }>();
  return row?.seq ?? 0;
}
