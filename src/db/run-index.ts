// Writes of the D1 index, made only by run objects: versioned upserts, so a late write never
// overwrites a newer one, and one `db.batch` per flush however many task runs it carries.
import { type SQL, sql } from 'drizzle-orm';
import { type DrizzleD1Database, drizzle } from 'drizzle-orm/d1';
import type { FlowRun, TaskRun } from 'edgeflow/protocol';
import { flowRuns, taskRunCache, taskRuns } from './schema';

export interface IndexedFlowRun {
  doc: FlowRun;
  version: number;
}

export interface IndexedTaskRun {
  doc: TaskRun;
  version: number;
}

export interface CacheRecord {
  cacheKey: string;
  cacheExpiration: string | null;
  taskRunId: string;
  state: unknown;
}

/** D1 binds at most 100 parameters per statement; a task run row binds 13. */
const TASK_ROWS_PER_STATEMENT = 7;

function excluded(column: string): SQL {
  return sql.raw(`excluded.${column}`);
}

function flowRunStatements(
  database: D1Database,
  db: DrizzleD1Database,
  run: IndexedFlowRun,
): D1PreparedStatement[] {
  const { doc, version } = run;
  const row = {
    id: doc.id,
    flowId: doc.flow_id,
    name: doc.name,
    stateType: doc.state_type,
    stateName: doc.state_name,
    stateVersion: version,
    tags: doc.tags,
    deploymentId: doc.deployment_id,
    workPoolName: doc.work_pool_name,
    workQueueName: doc.work_queue_name,
    parentTaskRunId: doc.parent_task_run_id,
    idempotencyKey: doc.idempotency_key,
    expectedStartTime: doc.expected_start_time,
    nextScheduledStartTime: doc.next_scheduled_start_time,
    startTime: doc.start_time,
    endTime: doc.end_time,
    created: doc.created,
    doc,
  };
  const upsert = db
    .insert(flowRuns)
    .values(row)
    .onConflictDoUpdate({
      target: flowRuns.id,
      set: {
        name: excluded('name'),
        stateType: excluded('state_type'),
        stateName: excluded('state_name'),
        stateVersion: excluded('state_version'),
        tags: excluded('tags'),
        workQueueName: excluded('work_queue_name'),
        expectedStartTime: excluded('expected_start_time'),
        nextScheduledStartTime: excluded('next_scheduled_start_time'),
        startTime: excluded('start_time'),
        endTime: excluded('end_time'),
        doc: excluded('doc'),
      },
      setWhere: sql`excluded.state_version > ${flowRuns.stateVersion}`,
    });
  // Tags follow the row only when this write is the one that landed (same version).
  const landed = '(SELECT state_version FROM flow_runs WHERE id = ?1) = ?2';
  return [
    prepared(database, upsert.toSQL()),
    database.prepare(`DELETE FROM flow_run_tags WHERE flow_run_id = ?1 AND ${landed}`).bind(doc.id, version),
    database
      .prepare(
        `INSERT OR IGNORE INTO flow_run_tags (flow_run_id, tag) SELECT ?1, value FROM json_each(?3) WHERE ${landed}`,
      )
      .bind(doc.id, version, JSON.stringify(doc.tags)),
  ];
}

function prepared(database: D1Database, query: { sql: string; params: unknown[] }): D1PreparedStatement {
  return database.prepare(query.sql).bind(...query.params);
}

function taskRunStatements(
  database: D1Database,
  db: DrizzleD1Database,
  runs: IndexedTaskRun[],
): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (let start = 0; start < runs.length; start += TASK_ROWS_PER_STATEMENT) {
    const rows = runs.slice(start, start + TASK_ROWS_PER_STATEMENT).map(({ doc, version }) => ({
      id: doc.id,
      flowRunId: doc.flow_run_id,
      taskKey: doc.task_key,
      dynamicKey: doc.dynamic_key,
      name: doc.name,
      stateType: doc.state_type,
      stateName: doc.state_name,
      stateVersion: version,
      tags: doc.tags,
      expectedStartTime: doc.expected_start_time,
      endTime: doc.end_time,
      created: doc.created,
      doc,
    }));
    statements.push(
      prepared(
        database,
        db
          .insert(taskRuns)
          .values(rows)
          .onConflictDoUpdate({
            target: taskRuns.id,
            set: {
              name: excluded('name'),
              stateType: excluded('state_type'),
              stateName: excluded('state_name'),
              stateVersion: excluded('state_version'),
              tags: excluded('tags'),
              expectedStartTime: excluded('expected_start_time'),
              endTime: excluded('end_time'),
              doc: excluded('doc'),
            },
            setWhere: sql`excluded.state_version > ${taskRuns.stateVersion}`,
          })
          .toSQL(),
      ),
    );
  }
  return statements;
}

/** One round trip to D1 for everything a run object has to index after a commit. */
export async function writeRunIndex(
  database: D1Database,
  flowRun: IndexedFlowRun | null,
  tasks: IndexedTaskRun[],
  cacheRecords: CacheRecord[],
  now: Date,
): Promise<void> {
  const db = drizzle(database);
  const statements: D1PreparedStatement[] = [];
  if (flowRun) statements.push(...flowRunStatements(database, db, flowRun));
  statements.push(...taskRunStatements(database, db, tasks));
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
  if (statements.length > 0) await database.batch(statements);
}

/** The newest unexpired cached COMPLETED state for a key (CacheRetrieval's lookup). */
export async function readCachedState(
  database: D1Database,
  cacheKey: string,
  now: Date,
): Promise<unknown | null> {
  const row = await database
    .prepare(
      `SELECT state FROM task_run_cache WHERE cache_key = ? AND (cache_expiration IS NULL OR cache_expiration > ?)
       ORDER BY id DESC LIMIT 1`,
    )
    .bind(cacheKey, now.toISOString())
    .first<{ state: string }>();
  return row ? JSON.parse(row.state) : null;
}

/** Removes a deleted run and everything indexed under it. */
export async function deleteRunIndex(database: D1Database, flowRunId: string): Promise<void> {
  await database.batch([
    database.prepare('DELETE FROM flow_runs WHERE id = ?').bind(flowRunId),
    database.prepare('DELETE FROM flow_run_tags WHERE flow_run_id = ?').bind(flowRunId),
    database.prepare('DELETE FROM task_runs WHERE flow_run_id = ?').bind(flowRunId),
    database.prepare('DELETE FROM logs WHERE flow_run_id = ?').bind(flowRunId),
  ]);
}
