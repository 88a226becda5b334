// What keeps an automation from acting for ever on the events its own actions cause (docs/automations.md,
// "Loops"), in the evaluator's SQLite: the runs each automation started, so that a run-deployment
// triggered by one of them continues a chain that stops at MAX_RUN_CHAIN; and a budget of firings
// acted on per minute, which ends a loop through any other action (a pause that emits the event that
// fires it again). Rows of started runs older than a week go: a chain that slow is no threat.
import type { Event } from 'edgeflow/protocol';
import {
  type ActionOutcome,
  inferredId,
  MAX_FIRINGS_PER_MINUTE,
  runChainVerdict,
} from '../domain/automations';
import type { ActionCall } from './action-call';

export const LOOP_GUARD_SCHEMA = `
CREATE TABLE IF NOT EXISTS started_runs (automation_id TEXT NOT NULL, flow_run_id TEXT NOT NULL,
  chain INTEGER NOT NULL, spawned_by TEXT, at INTEGER NOT NULL, PRIMARY KEY (automation_id, flow_run_id));
CREATE INDEX IF NOT EXISTS started_runs_at ON started_runs (at);
CREATE INDEX IF NOT EXISTS firings_by_automation ON firings (automation_id, at);
`;

const KEPT_MS = 7 * 86_400_000;
const MINUTE_MS = 60_000;

/** Where a run the action may start stands: its place in a chain, and the run it continues. */
type ChainPlace = { chain: number; parentRunId: string | null };
export type Admission = { place: ChainPlace | null } | { blocked: string };

export class LoopGuards {
  private readonly sql: SqlStorage;
  /** Firings an automation may act on per minute; tests lower it. */
  firingsPerMinute = MAX_FIRINGS_PER_MINUTE;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** Whether the action `call` of `automationId` may run now, and for a run-deployment where its run would stand. */
  admit(automationId: string, call: ActionCall): Admission {
    const recent = this.sql
      .exec<{ n: number }>(
        'SELECT COUNT(*) AS n FROM firings WHERE automation_id = ? AND at > ?',
        automationId,
        call.now.getTime() - MINUTE_MS,
      )
      .one().n;
    if (recent > this.firingsPerMinute)
      return {
        blocked: `rate limit: this automation fired ${recent} times in the last minute, over its ${this.firingsPerMinute}; a loop, or a flood, is left unacted on`,
      };
    if (call.action.type !== 'run-deployment') return { place: null };
    return this.place(automationId, call.event, call.key);
  }

  /** Records the run a run-deployment action started, and that the run it came from has had its one. */
  acted(automationId: string, call: ActionCall, admission: Admission, outcome: ActionOutcome): void {
    const runId = outcome.details.flow_run_id;
    if (!('place' in admission) || !admission.place || !outcome.ok || typeof runId !== 'string') return;
    const { place } = admission;
    const now = call.now.getTime();
    this.sql.exec(
      `INSERT INTO started_runs (automation_id, flow_run_id, chain, spawned_by, at) VALUES (?, ?, ?, NULL, ?)
       ON CONFLICT (automation_id, flow_run_id) DO NOTHING`,
      automationId,
      runId,
      place.chain,
      now,
    );
    if (place.parentRunId)
      this.sql.exec(
        'UPDATE started_runs SET spawned_by = ? WHERE automation_id = ? AND flow_run_id = ?',
        call.key,
        automationId,
        place.parentRunId,
      );
    this.sql.exec('DELETE FROM started_runs WHERE at < ?', now - KEPT_MS);
  }

  private place(automationId: string, event: Event | null, key: string): Admission {
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
    return 'blocked' in verdict
      ? verdict
      : { place: { chain: verdict.chain, parentRunId: row ? runId : null } };
  }
}
