// Reads only the dashboard makes: runs counted by state per time bucket, a run's subflows, and a run's
// logs after a cursor in arrival order (what a live log view appends).
import type { FlowRun, Log, StateType } from 'edgeflow/protocol';

export interface StateBucketCount {
  bucket: string;
  state_type: StateType | null;
  n: number;
}

/**
 * Flow runs per (bucket, state) whose expected start is in [from, to): the bucket is the first
 * `prefix` characters of the UTC timestamp (13: the hour, 10: the day). Reads the expected-start index.
 */
export async function countRunsByBucket(
  db: D1Database,
  window: { prefix: number; from: string; to: string },
): Promise<StateBucketCount[]> {
  const { results } = await db
    .prepare(
      `SELECT substr(expected_start_time, 1, ?1) AS bucket, state_type, count(*) AS n FROM flow_runs
       WHERE expected_start_time >= ?2 AND expected_start_time < ?3 GROUP BY bucket, state_type`,
    )
    .bind(window.prefix, window.from, window.to)
    .all<StateBucketCount>();
  return results;
}

/** The flow runs started from one of this run's task runs (its subflows), oldest first. */
export async function subflowRuns(db: D1Database, flowRunId: string, limit: number): Promise<FlowRun[]> {
  const { results } = await db
    .prepare(
      `SELECT doc FROM flow_runs WHERE parent_task_run_id IN (SELECT id FROM task_runs WHERE flow_run_id = ?1)
       ORDER BY expected_start_time, id LIMIT ?2`,
    )
    .bind(flowRunId.toLowerCase(), limit)
    .all<{ doc: string }>();
  return results.map((row) => JSON.parse(row.doc) as FlowRun);
}

/**
 * A run's logs with ids above `afterId`, in id (arrival) order, at `minLevel` or above: a view that
 * appends what it has not seen yet never misses a line that arrived late with an earlier timestamp.
 */
export async function logsAfter(
  db: D1Database,
  query: { flowRunId: string; afterId: number; minLevel: number; limit: number },
): Promise<Log[]> {
  const { results } = await db
    .prepare(
      `SELECT id, flow_run_id, task_run_id, level, name, message, timestamp FROM logs
       WHERE flow_run_id = ?1 AND id > ?2 AND level >= ?3 ORDER BY id LIMIT ?4`,
    )
    .bind(query.flowRunId.toLowerCase(), query.afterId, query.minLevel, query.limit)
    .all<Log>();
  return results;
}
