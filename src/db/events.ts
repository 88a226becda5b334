// Event rows in D1: inserted in chunks of one JSON parameter each, each event once by its id, and
// deleted past the retention cutoff in bounded batches (docs/events.md).
import { type SQL, sql } from 'drizzle-orm';
import type { Event } from 'edgeflow/protocol';
import type { NewEvent } from '../domain/events';

/** One statement's JSON stays under D1's 2 MB value cap; one event is at most 1.5 MB. */
const INSERT_MAX_BYTES = 1_900_000;

/**
 * `value` is one event's JSON; the related column is its `[id, role]` pairs, and the stored document
 * gets `received`. `WHERE true` tells SQLite the ON CONFLICT belongs to the INSERT. An id already
 * stored (a delivery retried after its answer was lost) is skipped: delivery is idempotent.
 */
const COLUMNS = `e.value ->> '$.id', e.value ->> '$.event', e.value ->> '$.occurred', ?2,
  e.value ->> '$.resource."prefect.resource.id"',
  (SELECT json_group_array(json_array(r.value ->> '$."prefect.resource.id"', r.value ->> '$."prefect.resource.role"'))
     FROM json_each(e.value, '$.related') r),
  json_set(e.value, '$.received', ?2)`;
const SELECTED = `${COLUMNS} FROM json_each(?1) e WHERE true`;
const INSERT = `INSERT INTO events (id, event, occurred, received, resource_id, related, doc) SELECT ${SELECTED}`;
const ON_CONFLICT = 'ON CONFLICT (id) DO NOTHING';

const encoder = new TextEncoder();

/** The events' JSON texts as JSON arrays, each under the statement cap. */
function chunks(jsonTexts: readonly string[]): string[] {
  // A character is at most 3 UTF-8 bytes: texts that fit counted so need no encoding (a task batch's).
  let characters = 2;
  for (const json of jsonTexts) characters += json.length + 1;
  if (characters * 3 <= INSERT_MAX_BYTES) return jsonTexts.length > 0 ? [`[${jsonTexts.join(',')}]`] : [];
  const out: string[] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const json of jsonTexts) {
    const size = encoder.encode(json).length + 1;
    if (current.length > 0 && bytes + size > INSERT_MAX_BYTES) {
      out.push(`[${current.join(',')}]`);
      current = [];
      bytes = 2;
    }
    current.push(json);
    bytes += size;
  }
  if (current.length > 0) out.push(`[${current.join(',')}]`);
  return out;
}

/**
 * Statements that store events given as JSON text (their `occurred` already UTC), for the caller's
 * batch. `onlyIfChanged`: only when the statement just before changed a row (SQLite's `changes()`), so
 * a change that found nothing (a 404) makes no event.
 */
export function eventInsertStatements(
  db: D1Database,
  jsonTexts: readonly string[],
  received: Date,
  { onlyIfChanged = false }: { onlyIfChanged?: boolean } = {},
): D1PreparedStatement[] {
  const at = received.toISOString();
  const sql = `${INSERT}${onlyIfChanged ? ' AND changes() > 0' : ''} ${ON_CONFLICT}`;
  return chunks(jsonTexts).map((chunk) => db.prepare(sql).bind(chunk, at));
}

/**
 * Stores the events a query makes from rows of the same batch: `source` selects one column, `value`,
 * each an event's JSON, and reads its input from `?1` (`input`). For events whose ids only the batch
 * knows (a deployment upserted by flow and name).
 */
export function derivedEventStatement(
  db: D1Database,
  source: string,
  input: string,
  received: Date,
): D1PreparedStatement {
  const columns = 'id, event, occurred, received, resource_id, related, doc';
  return db
    .prepare(`INSERT INTO events (${columns}) SELECT ${COLUMNS} FROM (${source}) e WHERE true ${ON_CONFLICT}`)
    .bind(input, received.toISOString());
}

/** `eventInsertStatements` for events the server made (lifecycle events), in the caller's batch. */
export function newEventStatements(
  db: D1Database,
  newEvents: readonly NewEvent[],
  received: Date,
  options: { onlyIfChanged?: boolean } = {},
): D1PreparedStatement[] {
  return eventInsertStatements(db, newEvents.map(eventJson), received, options);
}

/** `occurred` as UTC `toISOString()` text, so that string order is time order. */
export function eventJson(event: NewEvent | Omit<Event, 'received'>): string {
  return JSON.stringify({ ...event, occurred: new Date(event.occurred).toISOString() });
}

/**
 * The SELECT that `db.insert(events).select(...)` takes in a drizzle batch (the seq left to SQLite),
 * with the same `onlyIfChanged` as `eventInsertStatements`; the caller adds `.onConflictDoNothing()`.
 */
export function newEventsSelect(
  newEvents: readonly NewEvent[],
  received: Date,
  { onlyIfChanged = false }: { onlyIfChanged?: boolean } = {},
): SQL {
  const params: Record<string, string> = {
    '?1': `[${newEvents.map(eventJson).join(',')}]`,
    '?2': received.toISOString(),
  };
  const text = `SELECT NULL, ${SELECTED}${onlyIfChanged ? ' AND changes() > 0' : ''}`;
  const pieces = text
    .split(/(\?[12])/)
    .map((piece) => (piece in params ? sql`${params[piece]}` : sql.raw(piece)));
  return sql.join(pieces, sql.raw(''));
}

/** Stores events in one batch (all or none); answers once D1 has them. */
export async function insertEvents(db: D1Database, newEvents: readonly NewEvent[], received: Date) {
  const statements = newEventStatements(db, newEvents, received);
  if (statements.length > 0) await db.batch(statements);
}

/**
 * Deletes up to `batches` × `batchSize` events that occurred before `cutoff`, one bounded statement
 * at a time, so that a large backlog never holds D1 (or the tick) for long; the next tick goes on.
 * Answers how many were deleted.
 */
export async function pruneEvents(
  db: D1Database,
  cutoff: Date,
  { batchSize = 1_000, batches = 5 }: { batchSize?: number; batches?: number } = {},
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < batches; i++) {
    const result = await db
      .prepare(
        'DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE occurred < ? ORDER BY occurred LIMIT ?)',
      )
      .bind(cutoff.toISOString(), batchSize)
      .run();
    deleted += result.meta.changes;
    if (result.meta.changes < batchSize) break;
  }
  return deleted;
}
