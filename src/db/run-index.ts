// Writes of the D1 index, made by run objects (or for several at once by a claim's pool, from what the
// objects handed over): versioned upserts, so a late write never overwrites a newer one, and one
// `db.batch` per flush however many task runs it carries.
import { drizzle } from 'drizzle-orm/d1';
import type { FlowRun } from 'edgeflow/protocol';
import { taskRunCache } from './schema';

export interface IndexedFlowRun {
  doc: FlowRun;
  version: number;
  /** The index already holds these very tags (the object's last index write had them): leave them be. */
  tagsIndexed?: boolean;
}

/** A task run as the run object stores it: `json` is its document's JSON text, passed on unparsed. */
export interface IndexedTaskRun {
  id: string;
  version: number;
  json: string;
}

export interface CacheRecord {
  cacheKey: string;
  cacheExpiration: string | null;
  taskRunId: string;
  state: unknown;
}

/**
 * Task run rows travel as one JSON parameter per statement (`json_each`), not 13 bound parameters a
 * row: D1's 100-parameter limit would cut a batch into statements of 7 rows. The documents are the
 * run object's stored JSON, never parsed on the way. A statement's JSON stays well under D1's 2 MB
 * value limit.
 */
const TASK_ROWS_JSON_BYTES = 512 * 1024;

const TASK_RUN_UPSERT = `INSERT INTO task_runs
  (id, flow_run_id, task_key, dynamic_key, name, state_type, state_name, state_version, tags, expected_start_time, end_time, created, doc)
SELECT json_extract(value, '$.d.id'), json_extract(value, '$.d.flow_run_id'), json_extract(value, '$.d.task_key'),
  json_extract(value, '$.d.dynamic_key'), json_extract(value, '$.d.name'), json_extract(value, '$.d.state_type'),
  json_extract(value, '$.d.state_name'), json_extract(value, '$.v'), json_extract(value, '$.d.tags'),
  json_extract(value, '$.d.expected_start_time'), json_extract(value, '$.d.end_time'), json_extract(value, '$.d.created'),
  json_extract(value, '$.d')
FROM json_each(?1) WHERE true
ON CONFLICT (id) DO UPDATE SET name = excluded.name, state_type = excluded.state_type, state_name = excluded.state_name,
  state_version = excluded.state_version, tags = excluded.tags, expected_start_time = excluded.expected_start_time,
  end_time = excluded.end_time, doc = excluded.doc
WHERE excluded.state_version > task_runs.state_version`;

/**
 * The flow run row's upsert, written out once rather than built by drizzle on every write: building it
 * took a visible share of a write's CPU (docs/performance.md). Its columns are `flowRuns` in schema.ts.
 */
const FLOW_RUN_UPSERT = `INSERT INTO flow_runs
  (id, flow_id, name, state_type, state_name, state_version, tags, deployment_id, work_pool_name, work_queue_name,
   parent_task_run_id, idempotency_key, expected_start_time, next_scheduled_start_time, start_time, end_time, created, doc)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, state_type = excluded.state_type, state_name = excluded.state_name,
  state_version = excluded.state_version, tags = excluded.tags, work_queue_name = excluded.work_queue_name,
  expected_start_time = excluded.expected_start_time, next_scheduled_start_time = excluded.next_scheduled_start_time,
  start_time = excluded.start_time, end_time = excluded.end_time, doc = excluded.doc
WHERE excluded.state_version > flow_runs.state_version`;

/**
 * The same row change for a run whose row the index already has (its create wrote it), as an UPDATE:
 * a write made outside the run's object (a claim's, `writeRunIndexes`) never brings back a row that a
 * delete removed meanwhile. A row not there yet is left to the object, whose outbox still holds it.
 * Its parameters are the upsert's (the columns a change never touches go unused).
 */
const FLOW_RUN_UPDATE = `UPDATE flow_runs SET name = ?3, state_type = ?4, state_name = ?5, state_version = ?6, tags = ?7,
  work_queue_name = ?10, expected_start_time = ?13, next_scheduled_start_time = ?14, start_time = ?15, end_time = ?16,
  doc = ?18
WHERE id = ?1 AND state_version < ?6`;

// Tags follow the row only when this write is the one that landed (same version). Only tags the run no
// longer has are deleted: a delivery made again (an object evicted before its next write) changes no
// row, and a delivery that changed nothing wakes no automations evaluator (run-outbox-rows.ts).
const LANDED = '(SELECT state_version FROM flow_runs WHERE id = ?1) = ?2';
const TAGS_CLEAR = `DELETE FROM flow_run_tags WHERE flow_run_id = ?1 AND tag NOT IN (SELECT value FROM json_each(?3)) AND ${LANDED}`;
const TAGS_INSERT = `INSERT OR IGNORE INTO flow_run_tags (flow_run_id, tag) SELECT ?1, value FROM json_each(?3) WHERE ${LANDED}`;

function flowRunStatements(
  database: D1Database,
  run: IndexedFlowRun,
  { updateOnly = false }: { updateOnly?: boolean } = {},
): D1PreparedStatement[] {
  const { doc, version } = run;
  const tags = JSON.stringify(doc.tags);
  const upsert = database
    .prepare(updateOnly ? FLOW_RUN_UPDATE : FLOW_RUN_UPSERT)
    .bind(
      doc.id,
      doc.flow_id,
      doc.name,
      doc.state_type,
      doc.state_name,
      version,
      tags,
      doc.deployment_id,
      doc.work_pool_name,
      doc.work_queue_name,
      doc.parent_task_run_id,
      doc.idempotency_key,
      doc.expected_start_time,
      doc.next_scheduled_start_time,
      doc.start_time,
      doc.end_time,
      doc.created,
      JSON.stringify(doc),
    );
  if (run.tagsIndexed) return [upsert];
  return [
    upsert,
    database.prepare(TAGS_CLEAR).bind(doc.id, version, tags),
    database.prepare(TAGS_INSERT).bind(doc.id, version, tags),
  ];
}

function prepared(database: D1Database, query: { sql: string; params: unknown[] }): D1PreparedStatement {
  return database.prepare(query.sql).bind(...query.params);
}

function taskRunStatements(database: D1Database, runs: IndexedTaskRun[]): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  let rows: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (rows.length === 0) return;
    statements.push(database.prepare(TASK_RUN_UPSERT).bind(`[${rows.join(',')}]`));
    rows = [];
    bytes = 0;
  };
  for (const { version, json } of runs) {
    // The document goes in as JSON, not as a string of JSON: SQLite reads its fields without a parse here.
    const row = `{"v":${version},"d":${json}}`;
    if (bytes + row.length > TASK_ROWS_JSON_BYTES) flush();
    rows.push(row);
    bytes += row.length;
  }
  flush();
  return statements;
}

/**
 * One round trip to D1 for everything a run object has to index after a commit; `extra` statements
 * (its events) ride in the same batch. Returns how many rows it changed: none for a delivery made again.
 */
export async function writeRunIndex(
  database: D1Database,
  flowRun: IndexedFlowRun | null,
  tasks: IndexedTaskRun[],
  cacheRecords: CacheRecord[],
  now: Date,
  extra: D1PreparedStatement[] = [],
): Promise<number> {
  const statements: D1PreparedStatement[] = [];
  if (flowRun) statements.push(...flowRunStatements(database, flowRun));
  statements.push(...taskRunStatements(database, tasks));
  if (cacheRecords.length > 0) {
    const db = drizzle(database);
    for (const record of cacheRecords) {
      statements.push(
        prepared(
          database,
          db
            .insert(taskRunCache)
            .values({ ...record, created: now.toISOString() })
            .toSQL(),
        ),
      );
    }
  }
  statements.push(...extra);
  return runBatch(database, statements);
}

/**
 * Several runs' rows in one round trip to D1 (the runs one claim took, handed over by their objects,
 * src/durable/claim-index.ts), with `extra` statements (their events). Rows are only updated, never
 * made (`FLOW_RUN_UPDATE`). Returns how many rows it changed.
 */
export function writeRunIndexes(
  database: D1Database,
  flowRuns: IndexedFlowRun[],
  extra: D1PreparedStatement[] = [],
): Promise<number> {
  return runBatch(database, [
    ...flowRuns.flatMap((run) => flowRunStatements(database, run, { updateOnly: true })),
    ...extra,
  ]);
}

/** One D1 round trip for `statements`; how many rows they changed. */
async function runBatch(database: D1Database, statements: D1PreparedStatement[]): Promise<number> {
  if (statements.length === 0) return 0;
  const results = await database.batch(statements);
  return results.reduce((changed, result) => changed + (result.meta?.changes ?? 0), 0);
}

/**
 * CacheRetrieval's lookup for a whole batch in one query: for each key, the newest unexpired cached
 * COMPLETED state. Keys ride in one JSON parameter, so any number fits D1's bound-parameter limit.
 */
export async function readCachedStates(
  database: D1Database,
  cacheKeys: readonly string[],
  now: Date,
): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  if (cacheKeys.length === 0) return found;
  const { results } = await database
    .prepare(
      `SELECT cache_key, state FROM task_run_cache WHERE id IN (
         SELECT max(id) FROM task_run_cache
         WHERE cache_key IN (SELECT value FROM json_each(?1)) AND (cache_expiration IS NULL OR cache_expiration > ?2)
         GROUP BY cache_key)`,
    )
    .bind(JSON.stringify(cacheKeys), now.toISOString())
    .all<{ cache_key: string; state: string }>();
  for (const row of results) found.set(row.cache_key, JSON.parse(row.state));
  return found;
}

/** Removes a deleted run and everything indexed under it. */
export function deleteRunIndex(database: D1Database, flowRunId: string): Promise<void> {
  return deleteRunIndexes(database, [flowRunId]);
}

/** Removes deleted runs and everything indexed under them: one batch, whatever their number. */
export async function deleteRunIndexes(database: D1Database, flowRunIds: string[]): Promise<void> {
  if (flowRunIds.length === 0) return;
  await database.batch(runIndexDeleteStatements(database, JSON.stringify(flowRunIds)));
}

/** The statements deleting the runs (`ids`: a JSON array of their ids) and every row indexed under them. */
export function runIndexDeleteStatements(database: D1Database, ids: string): D1PreparedStatement[] {
  const inIds = 'IN (SELECT value FROM json_each(?))';
  return [
    database.prepare(`DELETE FROM flow_runs WHERE id ${inIds}`).bind(ids),
    database.prepare(`DELETE FROM flow_run_tags WHERE flow_run_id ${inIds}`).bind(ids),
    database.prepare(`DELETE FROM task_runs WHERE flow_run_id ${inIds}`).bind(ids),
    database.prepare(`DELETE FROM logs WHERE flow_run_id ${inIds}`).bind(ids),
  ];
}
