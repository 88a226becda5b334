// The subflow runs of a flow run still in progress, from the D1 index (run-outbox.ts tells them of
// their parent's end).
import type { StateType } from 'edgeflow/protocol';

export interface ActiveSubflowRun {
  id: string;
  state_type: StateType | null;
  deployment_id: string | null;
}

/** Subflow runs of `flowRunId` (linked through its task runs) not yet in a terminal state, at most `limit`. */
export async function activeSubflowRuns(
  db: D1Database,
  flowRunId: string,
  limit: number,
): Promise<ActiveSubflowRun[]> {
  const { results } = await db
    .prepare(
      `SELECT id, state_type, deployment_id FROM flow_runs
       WHERE parent_task_run_id IN (SELECT id FROM task_runs WHERE flow_run_id = ?1)
         AND (state_type IS NULL OR state_type NOT IN ('COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED'))
       ORDER BY id LIMIT ?2`,
    )
    .bind(flowRunId, limit)
    .all<ActiveSubflowRun>();
  return results;
}
