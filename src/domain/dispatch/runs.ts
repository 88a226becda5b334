// What a pool does with a run it hears about: queue it, count it as active, keep its lease, or forget it.
import type { StateType } from 'edgeflow/protocol';

/**
 * - `queued`: SCHEDULED and dispatchable (its due time decides when).
 * - `active`: PENDING, RUNNING or CANCELLING: holds a lease and counts against concurrency limits.
 * - `held`: leased but not counted: PAUSED, or an `in_process` AwaitingRetry that its own process retries.
 * - `gone`: terminal, stateless, or another pool's: the pool forgets it.
 */
export type RunDispatchStatus = 'queued' | 'active' | 'held' | 'gone';

export interface RunFacts {
  work_pool_name: string;
  state_type: StateType | null;
  retry_type: 'in_process' | 'reschedule' | null;
}

export function dispatchStatus(run: RunFacts, poolName: string): RunDispatchStatus {
  if (run.work_pool_name !== poolName) return 'gone';
  switch (run.state_type) {
    case null:
    case 'COMPLETED':
    case 'FAILED':
    case 'CANCELLED':
    case 'CRASHED':
      return 'gone';
    case 'SCHEDULED':
      // An in-process retry is retried by the process still running it, never re-dispatched.
      return run.retry_type === 'in_process' ? 'held' : 'queued';
    case 'PENDING':
    case 'RUNNING':
    case 'CANCELLING':
      return 'active';
    case 'PAUSED':
      return 'held';
  }
}
