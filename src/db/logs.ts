// Log rows: written in one D1 batch per request, read back by run, level, time and id cursor.
import { and, asc, desc, gt, gte, lte, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { Log, LogCreate, LogFilterBody } from 'edgeflow/protocol';
import { logs } from './schema';

/** D1 binds at most 100 parameters per statement; drizzle binds 6 per log row (the id is a literal null). */
export const LOG_ROWS_PER_INSERT = Math.floor(100 / 6);

/** Timestamps are stored as UTC `toISOString()` text so that string order is time order. */
const utc = (timestamp: string) => new Date(timestamp).toISOString();

/** Writes every log or none: the chunks go in one batch, which D1 runs as one transaction. */
export async function insertLogs(d1: D1Database, entries: readonly LogCreate[]): Promise<number> {
  const db = drizzle(d1);
  const rows = entries.map((log) => ({
    flowRunId: log.flow_run_id.toLowerCase(),
    taskRunId: log.task_run_id?.toLowerCase() ?? null,
    level: log.level,
    name: log.name,
    message: log.message,
    timestamp: utc(log.timestamp),
  }));
  const statements = [];
  for (let start = 0; start < rows.length; start += LOG_ROWS_PER_INSERT) {
    statements.push(db.insert(logs).values(rows.slice(start, start + LOG_ROWS_PER_INSERT)));
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
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
    flow_run_id: row.flowRunId,
    task_run_id: row.taskRunId,
    level: row.level,
    name: row.name,
    message: row.message,
    timestamp: row.timestamp,
  }));
}
