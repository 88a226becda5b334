// Retention's D1 reads and deletes (docs/retention.md): finished runs due by their class's cut-off,
// oldest end first, each with its subflow runs; one batch deleting everything a run left in the index;
// bounded deletes of expired log lines and artifact versions.
import type { StateType } from 'edgeflow/protocol';
import type { RunRetentionClass, RunTreeMember } from '../domain/retention';
import { runIndexDeleteStatements } from './run-index';

const IN_IDS = 'IN (SELECT value FROM json_each(?))';
const FINAL = `('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED')`;

/** Runs of a deployment that sets its own `retention_days`: theirs go with the run, not on their own. */
const OVERRIDDEN =
  'SELECT 1 FROM deployments d WHERE d.id = r.deployment_id AND d.retention_days IS NOT NULL';

/** The distinct `retention_days` deployments set: one class of runs each. */
export async function deploymentRetentionDays(db: D1Database): Promise<number[]> {
  const { results } = await db
    .prepare('SELECT DISTINCT retention_days AS days FROM deployments WHERE retention_days IS NOT NULL')
    .all<{ days: number }>();
  return results.map((row) => row.days);
}

export interface RunCursor {
  end_time: string;
  id: string;
}

/**
 * Up to `limit` final runs of `klass` that ended before its cut-off, oldest end first, after
 * `after`: only tree roots, runs without a parent run in the index (a subflow run goes with its parent).
 */
export async function expiredRootRuns(
  db: D1Database,
  klass: RunRetentionClass,
  after: RunCursor | null,
  limit: number,
): Promise<RunCursor[]> {
  const ofClass =
    klass.deploymentDays === null
      ? `(r.deployment_id IS NULL OR NOT EXISTS (${OVERRIDDEN}))`
      : 'EXISTS (SELECT 1 FROM deployments d WHERE d.id = r.deployment_id AND d.retention_days = ?4)';
  const { results } = await db
    .prepare(
      `SELECT r.id, r.end_time FROM flow_runs r
       WHERE r.end_time < ?1 AND (r.end_time, r.id) > (?2, ?3) AND r.state_type IN ${FINAL} AND ${ofClass}
         AND (r.parent_task_run_id IS NULL
              OR NOT EXISTS (SELECT 1 FROM task_runs t WHERE t.id = r.parent_task_run_id))
       ORDER BY r.end_time, r.id LIMIT ?5`,
    )
    .bind(klass.cutoff.toISOString(), after?.end_time ?? '', after?.id ?? '', klass.deploymentDays, limit)
    .all<RunCursor>();
  return results;
}

/** Where the results sweep stands: the last run it went past (null: it has not started). */
export async function readResultsMark(db: D1Database): Promise<RunCursor | null> {
  return db
    .prepare("SELECT end_time, flow_run_id AS id FROM retention_marks WHERE name = 'results'")
    .first<RunCursor>();
}

export async function writeResultsMark(db: D1Database, mark: RunCursor): Promise<void> {
  await db
    .prepare(
      `INSERT INTO retention_marks (name, end_time, flow_run_id) VALUES ('results', ?1, ?2)
       ON CONFLICT (name) DO UPDATE SET end_time = excluded.end_time, flow_run_id = excluded.flow_run_id`,
    )
    .bind(mark.end_time, mark.id)
    .run();
}

/**
 * Up to `limit` final runs after `after` that ended before `cutoff`, oldest end first, subflow runs
 * too, except those of deployments that set `retention_days` (their results go with the run).
 */
export async function finishedRunsAfter(
  db: D1Database,
  cutoff: Date,
  after: RunCursor | null,
  limit: number,
): Promise<RunCursor[]> {
  const { results } = await db
    .prepare(
      `SELECT r.id, r.end_time FROM flow_runs r
       WHERE r.end_time < ?1 AND (r.end_time, r.id) > (?2, ?3) AND r.state_type IN ${FINAL}
         AND (r.deployment_id IS NULL OR NOT EXISTS (${OVERRIDDEN}))
       ORDER BY r.end_time, r.id LIMIT ?4`,
    )
    .bind(cutoff.toISOString(), after?.end_time ?? '', after?.id ?? '', limit)
    .all<RunCursor>();
  return results;
}

/** The cache records the runs' task runs wrote: their results are gone. */
export async function deleteCacheRecords(db: D1Database, flowRunIds: string[]): Promise<void> {
  if (flowRunIds.length > 0) await db.batch([leftoverStatements(db, JSON.stringify(flowRunIds))[0]!]);
}

/** Each root with itself and every subflow run below it, as the index has them. */
export async function runTrees(db: D1Database, rootIds: string[]): Promise<Map<string, RunTreeMember[]>> {
  const trees = new Map<string, RunTreeMember[]>(rootIds.map((id) => [id, []]));
  if (rootIds.length === 0) return trees;
  const { results } = await db
    .prepare(
      `WITH RECURSIVE tree(root, id) AS (
         SELECT value, value FROM json_each(?1)
         UNION
         SELECT tree.root, c.id FROM tree
           JOIN task_runs t ON t.flow_run_id = tree.id
           JOIN flow_runs c ON c.parent_task_run_id = t.id
       )
       SELECT tree.root, tree.id, r.state_type FROM tree JOIN flow_runs r ON r.id = tree.id`,
    )
    .bind(JSON.stringify(rootIds))
    .all<{ root: string; id: string; state_type: StateType | null }>();
  for (const row of results) trees.get(row.root)?.push({ id: row.id, state_type: row.state_type });
  return trees;
}

/** The R2 keys of the runs' artifacts whose data went to R2. */
export async function artifactDataKeys(db: D1Database, flowRunIds: string[]): Promise<string[]> {
  if (flowRunIds.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT data_key FROM artifacts WHERE flow_run_id ${IN_IDS} AND data_key IS NOT NULL`)
    .bind(JSON.stringify(flowRunIds))
    .all<{ data_key: string }>();
  return results.map((row) => row.data_key);
}

/** The cache records the runs' task runs wrote (they point at results deleted with them) and their artifacts. */
function leftoverStatements(db: D1Database, ids: string): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `DELETE FROM task_run_cache WHERE task_run_id IN (SELECT id FROM task_runs WHERE flow_run_id ${IN_IDS})`,
      )
      .bind(ids),
    db.prepare(`DELETE FROM artifacts WHERE flow_run_id ${IN_IDS}`).bind(ids),
  ];
}

export async function deleteRunLeftovers(db: D1Database, flowRunIds: string[]): Promise<void> {
  if (flowRunIds.length > 0) await db.batch(leftoverStatements(db, JSON.stringify(flowRunIds)));
}

/** Everything the runs left in D1, in one batch: their cache records and artifacts, then run, tag, task run and log rows. */
export async function deleteRunRecords(db: D1Database, flowRunIds: string[]): Promise<void> {
  if (flowRunIds.length === 0) return;
  const ids = JSON.stringify(flowRunIds);
  await db.batch([...leftoverStatements(db, ids), ...runIndexDeleteStatements(db, ids)]);
}

/**
 * Deletes up to `limit` log lines written before `cutoff`, oldest first, except those of runs whose
 * deployment sets `retention_days` (they go with their run). Answers how many went.
 */
export async function pruneLogs(db: D1Database, cutoff: Date, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM logs WHERE id IN (
         SELECT l.id FROM logs l WHERE l.timestamp < ?1
           AND NOT EXISTS (SELECT 1 FROM flow_runs r WHERE r.id = l.flow_run_id AND EXISTS (${OVERRIDDEN}))
         ORDER BY l.timestamp LIMIT ?2)`,
    )
    .bind(cutoff.toISOString(), limit)
    .run();
  return result.meta.changes;
}

/** Up to `limit` artifact versions created before `cutoff`, oldest first, likewise excepted. */
export async function expiredArtifacts(
  db: D1Database,
  cutoff: Date,
  limit: number,
): Promise<{ seq: number; data_key: string | null }[]> {
  const { results } = await db
    .prepare(
      `SELECT a.seq, a.data_key FROM artifacts a WHERE a.created < ?1
         AND (a.flow_run_id IS NULL
              OR NOT EXISTS (SELECT 1 FROM flow_runs r WHERE r.id = a.flow_run_id AND EXISTS (${OVERRIDDEN})))
       ORDER BY a.seq LIMIT ?2`,
    )
    .bind(cutoff.toISOString(), limit)
    .all<{ seq: number; data_key: string | null }>();
  return results;
}

export async function deleteArtifactVersions(db: D1Database, seqs: number[]): Promise<number> {
  if (seqs.length === 0) return 0;
  const result = await db
    .prepare(`DELETE FROM artifacts WHERE seq ${IN_IDS}`)
    .bind(JSON.stringify(seqs))
    .run();
  return result.meta.changes;
}
