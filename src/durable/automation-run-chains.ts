// The runs each automation started, kept in the evaluator's SQLite so that a run-deployment action
// triggered by the events of a run the same automation started continues a chain, which stops at
// MAX_RUN_CHAIN (docs/automations.md, "Loops"). Rows older than a week go: a chain that slow is no
// threat to the server.
import type { Event } from 'edgeflow/protocol';
import { inferredId, runChainVerdict } from '../domain/automations';

export const RUN_CHAIN_SCHEMA = `
CREATE TABLE IF NOT EXISTS started_runs (automation_id TEXT NOT NULL, flow_run_id TEXT NOT NULL,
  chain INTEGER NOT NULL, spawned_by TEXT, at INTEGER NOT NULL, PRIMARY KEY (automation_id, flow_run_id));
CREATE INDEX IF NOT EXISTS started_runs_at ON started_runs (at);
`;

const KEPT_MS = 7 * 86_400_000;

/** Where a run the action may start stands: its place in a chain, and the run it continues. */
export type ChainPlace = { chain: number; parentRunId: string | null } | { blocked: string };

export class RunChains {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** Whether the action `key` of `automationId` may start a run from `event`, and where it would stand. */
  place(automationId: string, event: Event | null, key: string): ChainPlace {
    const runId = inferredId(event, 'flow-run');
    const row = runId
      ? this.sql
          .exec<{ chain: number; spawned_by: string | null }>(
            'SELECT chain, spawned_by FROM started_runs WHERE automation_id = ? AND flow_run_id = ?',
            automationId,
            runId,
          )
          .toArray()[0]
      : undefined;
    const verdict = runChainVerdict(row ?? null, key);
    return 'blocked' in verdict ? verdict : { chain: verdict.chain, parentRunId: row ? runId : null };
  }

  /** Records the run the action `key` started at `place`, and that its parent run has had its one. */
  started(
    automationId: string,
    place: { chain: number; parentRunId: string | null },
    key: string,
    flowRunId: string,
    now: number,
  ) {
    this.sql.exec(
      `INSERT INTO started_runs (automation_id, flow_run_id, chain, spawned_by, at) VALUES (?, ?, ?, NULL, ?)
       ON CONFLICT (automation_id, flow_run_id) DO NOTHING`,
      automationId,
      flowRunId,
      place.chain,
      now,
    );
    if (place.parentRunId)
      this.sql.exec(
        'UPDATE started_runs SET spawned_by = ? WHERE automation_id = ? AND flow_run_id = ?',
        key,
        automationId,
        place.parentRunId,
      );
    this.sql.exec('DELETE FROM started_runs WHERE at < ?', now - KEPT_MS);
  }
}
