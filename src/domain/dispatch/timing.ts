// The pool's clock-driven decisions: when a run is Late, when the object must wake up next.
import type { StateType } from 'edgeflow/protocol';

/** Prefect's PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS. */
export const LATE_AFTER_MS = 15_000;
/** How soon a failed call to a run object (crash, mark Late) is tried again. */
export const RETRY_CALL_MS = 5_000;
/** A queue is READY while some claim drew from it this recently (Prefect: 60 s). */
export const QUEUE_POLL_FRESH_MS = 60_000;

/**
 * When a SCHEDULED run becomes Late: 15 s after it was due, only while it is plainly "Scheduled"
 * (Prefect's late-runs service skips AwaitingRetry, Late itself, and the rest).
 */
export function lateAt(run: {
  state_type: StateType | null;
  state_name: string | null;
  due_at: number | null;
}): number | null {
  if (run.state_type !== 'SCHEDULED' || run.state_name !== 'Scheduled' || run.due_at === null) return null;
  return run.due_at + LATE_AFTER_MS;
}

/** The earliest of the pending wake-up times, or null when nothing is pending. */
export function nextWakeUp(times: readonly (number | null)[]): number | null {
  let next: number | null = null;
  for (const time of times) if (time !== null && (next === null || time < next)) next = time;
  return next;
}

export type PoolStatus = 'READY' | 'NOT_READY' | 'PAUSED';

export function poolStatus(paused: boolean, onlineUntil: number | null, now: number): PoolStatus {
  if (paused) return 'PAUSED';
  return onlineUntil !== null && onlineUntil > now ? 'READY' : 'NOT_READY';
}

export function queueStatus(paused: boolean, lastPolled: number | null, now: number): PoolStatus {
  if (paused) return 'PAUSED';
  return lastPolled !== null && now - lastPolled < QUEUE_POLL_FRESH_MS ? 'READY' : 'NOT_READY';
}
