// Log rows: written in one D1 batch per request, each line once by its key, read back by run, level,
// time and id cursor.
import { and, asc, desc, gt, gte, lte, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { Log, LogCreate, LogFilterBody } from 'edgeflow/protocol';
import { logs } from './schema';

/**
 * The rows of one INSERT travel as a single JSON parameter, so a statement is bounded by D1's 2 MB
 * string cap rather than its 100 bound parameters: a batch of 1,000 ordinary lines is one statement.
 */
export const LOG_INSERT_MAX_BYTES = 1_900_000;

/** Timestamps are stored as UTC `toISOString()` text so that string order is time order. */
const utc = (timestamp: string) => new Date(timestamp).toISOString();

const encoder = new TextEncoder();

/** Rows as JSON arrays, split so that each chunk's JSON stays under `LOG_INSERT_MAX_BYTES`. */
function jsonChunks(rows: readonly unknown[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    const size = encoder.encode(json).length + 1;
    if (current.length > 0 && bytes + size > LOG_INSERT_MAX_BYTES) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
      bytes = 2;
    }
    current.push(json);
    bytes += size;
  }
  if (current.length > 0) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

/**
 * Writes every log or none: the chunks go in one batch, which D1 runs as one transaction. A line whose
 * key is already stored (the same batch sent again after its answer was lost) is skipped, not doubled.
 * Answers how many lines the batch held, so a batch sent again gets the same answer.
 */
export async function insertLogs(d1: D1Database, entries: readonly LogCreate[]): Promise<number> {
  const rows = entries.map((log) => ({
    key: log.key?.toLowerCase() ?? crypto.randomUUID(),
    flow_run_id: log.flow_run_id.toLowerCase(),
    task_run_id: log.task_run_id?.toLowerCase() ?? null,
    level: log.level,
    name: log.name,
    message: log.message,
    timestamp: utc(log.timestamp),
  }));
  // `WHERE true` tells SQLite the ON CONFLICT belongs to the INSERT, not to a join of the SELECT.
  const statements = jsonChunks(rows).map((chunk) =>
    d1
      .prepare(
        `INSERT INTO logs (key, flow_run_id, task_run_id, level, name, message, timestamp)
         SELECT value ->> 'key', value ->> 'flow_run_id', value ->> 'task_run_id', value ->> 'level',
                value ->> 'name', value ->> 'message', value ->> 'timestamp'
           FROM json_each(?) WHERE true
         ON CONFLICT DO NOTHING`,
      )
      .bind(chunk),
  );
  if (statements.length > 0) await d1.batch(statements);
  return rows.length;
}

/** `column IN (ids)` with the ids as one JSON parameter, so 200 ids don't break the parameter limit. */
const inIds = (column: typeof logs.flowRunId | typeof logs.taskRunId, ids: readonly string[]) =>
  sql`${column} in (select value from json_each(${JSON.stringify(ids.map((id) => id.toLowerCase()))}))`;

function conditions(filter: LogFilterBody['logs']): SQL[] {
  if (!filter) return [];
  const where: (SQL | undefined)[] = [
    filter.flow_run_id && inIds(logs.flowRunId, filter.flow_run_id.any_),
    filter.task_run_id && inIds(logs.taskRunId, filter.task_run_id.any_),
    filter.level?.ge_ === undefined ? undefined : gte(logs.level, filter.level.ge_),
    filter.level?.le_ === undefined ? undefined : lte(logs.level, filter.level.le_),
    filter.timestamp?.after_ ? gte(logs.timestamp, utc(filter.timestamp.after_)) : undefined,
    filter.timestamp?.before_ ? lte(logs.timestamp, utc(filter.timestamp.before_)) : undefined,
    filter.id ? gt(logs.id, filter.id.gt_) : undefined,
  ];
  return where.filter((condition): condition is SQL => condition !== undefined);
}

export async function filterLogs(d1: D1Database, body: LogFilterBody): Promise<Log[]> {
  const order =
    body.sort === 'TIMESTAMP_DESC'
      ? [desc(logs.timestamp), desc(logs.id)]
      : [asc(logs.timestamp), asc(logs.id)];
  const rows = await drizzle(d1)
    .select()
    .from(logs)
    .where(and(...conditions(body.logs)))
    .orderBy(...order)
    .limit(body.limit)
    .offset(body.offset);
  return rows.map((row) => ({
    id: row.id,
    key: row.key,
    flow_run_id: row.flowRunId,
    task_run_id: row.taskRunId,
    level: row.level,
    name: row.name,
    message: row.message,
    timestamp: row.timestamp,
  }));
}
