// Leases and agent liveness: a lease lapses when its agent misses three heartbeat intervals.
import type { StateType } from 'edgeflow/protocol';

/** Prefect's INACTIVITY_HEARTBEAT_MULTIPLE. */
export const MISSED_HEARTBEATS = 3;
/** The interval assumed for an agent that has not heartbeated yet. */
export const DEFAULT_HEARTBEAT_INTERVAL_S = 10;

export function leaseDeadline(now: number, intervalSeconds: number): number {
  return now + MISSED_HEARTBEATS * intervalSeconds * 1000;
}

export function crashMessage(agent: string, intervalSeconds: number): string {
  return `Agent ${agent} missed ${MISSED_HEARTBEATS} heartbeats (${MISSED_HEARTBEATS * intervalSeconds} s); its lease on this run lapsed.`;
}

export type WorkerStatus = 'ONLINE' | 'OFFLINE';

export function workerStatus(lastHeartbeat: number, intervalSeconds: number, now: number): WorkerStatus {
  return now < leaseDeadline(lastHeartbeat, intervalSeconds) ? 'ONLINE' : 'OFFLINE';
}

export interface LeasedRun {
  id: string;
  /** The agent holding the current lease; null when the run has no lease the pool handed out. */
  agent: string | null;
  state_type: StateType | null;
}

export interface HeartbeatOutcome {
  /** Listed runs still leased to this agent: their deadlines move forward. */
  renew: string[];
  /** Renewed runs that are CANCELLING: the agent kills them and proposes CANCELLED. */
  cancelling: string[];
  /** Listed runs that are not this agent's anymore (re-queued, crashed, finished, unknown). */
  lost: string[];
}

export function heartbeatOutcome(
  agent: string,
  listed: readonly string[],
  known: ReadonlyMap<string, LeasedRun>,
): HeartbeatOutcome {
  const outcome: HeartbeatOutcome = { renew: [], cancelling: [], lost: [] };
  for (const id of new Set(listed)) {
    const run = known.get(id);
    if (!run || run.agent !== agent) {
      outcome.lost.push(id);
      continue;
    }
    outcome.renew.push(id);
    if (run.state_type === 'CANCELLING') outcome.cancelling.push(id);
  }
  return outcome;
}

/**
 * Whether a lapsed lease means the run's process is gone mid-attempt (so the run crashed). A suspended
 * run (PAUSED with `pause_reschedule`) and a run waiting in the queue have no process by design: their
 * old lease lapsing changes nothing (docs/sdk.md, "Pause, suspend and input").
 */
export function lapseCrashesRun(
  state: { type: StateType; state_details: { pause_reschedule?: boolean | null } } | null,
  retryType: 'in_process' | 'reschedule' | null,
): boolean {
  if (state?.type === 'PAUSED') return state.state_details.pause_reschedule !== true;
  if (state?.type === 'SCHEDULED') return retryType === 'in_process';
  return true;
}
