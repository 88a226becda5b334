// Catch-up, which Prefect lacks: what becomes of a schedule's runs that went Late while no agent took
// them, and the schedule's cap on active runs applied to that backlog.
import type { Catchup } from 'edgeflow/protocol';

export interface LateRun {
  id: string;
  /** Epoch ms the run was due. */
  due: number;
}

export interface CatchupInput {
  catchup: Catchup;
  max_active_runs: number | null;
  /** Runs of the schedule holding a slot now (PENDING, RUNNING, CANCELLING). */
  active: number;
  /** The schedule's runs that are still SCHEDULED and past due by more than the late threshold. */
  late: LateRun[];
}

export interface CatchupCancel {
  id: string;
  message: string;
}

/**
 * `all` keeps every missed run, `latest` only the newest, `none` none of them; then at most
 * `max_active_runs − active` of the kept ones stay (the oldest, in the order they would have run).
 */
export function catchupCancellations(input: CatchupInput): CatchupCancel[] {
  const late = [...input.late].sort((a, b) => a.due - b.due || a.id.localeCompare(b.id));
  const cancel: CatchupCancel[] = [];
  let kept = late;
  if (input.catchup === 'none') {
    kept = [];
    for (const run of late) {
      cancel.push({ id: run.id, message: 'Skipped: missed while no agent took it (catchup: none).' });
    }
  } else if (input.catchup === 'latest') {
    kept = late.slice(-1);
    for (const run of late.slice(0, -1)) {
      cancel.push({ id: run.id, message: 'Skipped: a newer missed run replaces it (catchup: latest).' });
    }
  }
  if (input.max_active_runs !== null) {
    const room = Math.max(0, input.max_active_runs - input.active);
    for (const run of kept.slice(room)) {
      cancel.push({
        id: run.id,
        message: `Skipped: the schedule already has max_active_runs (${input.max_active_runs}) active runs.`,
      });
    }
  }
  return cancel;
}
