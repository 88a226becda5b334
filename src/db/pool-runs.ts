// The index's view of a pool's runs: what Prefect's read-only poll lists, and what each queue has going.
import type { FlowRun } from 'edgeflow/protocol';

/**
 * SCHEDULED runs of a pool from the index, for Prefect's read-only poll; `in_process` retries are
 * left out (their process retries them). Capped: the caller orders and limits them. A document too
 * deep for SQLite's JSON (caller parameters) is not read by SQL but checked once parsed here.
 */
export async function scheduledRunsOfPool(
  d1: D1Database,
  poolName: string,
  window: { queues: string[] | null; before: string | null; after: string | null },
): Promise<FlowRun[]> {
  const { results } = await d1
    .prepare(
      `SELECT doc FROM flow_runs
       WHERE work_pool_name = ?1 AND state_type = 'SCHEDULED'
         AND CASE WHEN json_valid(doc) THEN coalesce(json_extract(doc, '$.empirical_policy.retry_type'), '')
           ELSE '' END <> 'in_process'
         AND (?2 IS NULL OR work_queue_name IN (SELECT value FROM json_each(?2)))
         AND (?3 IS NULL OR next_scheduled_start_time <= ?3)
         AND (?4 IS NULL OR next_scheduled_start_time >= ?4)
       ORDER BY next_scheduled_start_time, id LIMIT 1000`,
    )
    .bind(
      poolName,
      window.queues ? JSON.stringify(window.queues) : null,
      window.before ? new Date(window.before).toISOString() : null,
      window.after ? new Date(window.after).toISOString() : null,
    )
    .all<{ doc: string }>();
  return results
    .map((row) => JSON.parse(row.doc) as FlowRun)
    .filter((run) => run.empirical_policy.retry_type !== 'in_process');
}

/** PENDING, RUNNING and CANCELLING runs per queue, as the index has them. */
export async function activeRunsByQueue(d1: D1Database, poolName: string): Promise<Map<string, number>> {
  const { results } = await d1
    .prepare(
      `SELECT work_queue_name AS queue, count(*) AS n FROM flow_runs
       WHERE work_pool_name = ? AND state_type IN ('PENDING', 'RUNNING', 'CANCELLING') GROUP BY work_queue_name`,
    )
    .bind(poolName)
    .all<{ queue: string; n: number }>();
  return new Map(results.map((row) => [row.queue, row.n]));
}
