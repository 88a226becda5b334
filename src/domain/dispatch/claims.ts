// Idempotent claims: a claim retried with its `claim_id` gets back what its first attempt leased,
// never new runs, so a response lost on the way (5xx, Worker restart, cut connection) strands nothing.
import type { StateType } from 'edgeflow/protocol';
import { leaseDeadline } from './leases';

/** Claims remembered per agent: an agent retries only its latest, so a few cover every overlap. */
export const CLAIMS_KEPT_PER_AGENT = 4;

/** One run a claim leased. */
export interface ClaimedLease {
  run_id: string;
  lease_id: string;
}

/** A run as the pool knows it now: its current lease and state. */
export interface CurrentLease {
  lease_id: string | null;
  state_type: StateType | null;
}

/**
 * The runs a repeated claim hands back: those its first attempt leased that are still PENDING under
 * that same lease. A run since started, crashed, cancelled or re-leased is no longer that claim's.
 */
export function replayableLeases(
  leased: readonly ClaimedLease[],
  current: ReadonlyMap<string, CurrentLease>,
): ClaimedLease[] {
  return leased.filter((claimed) => {
    const run = current.get(claimed.run_id);
    return run?.lease_id === claimed.lease_id && run.state_type === 'PENDING';
  });
}

/**
 * A claim is remembered until the leases it created lapse unrenewed: an agent that never got the
 * answer never heartbeats them, so after that there is nothing left to hand back.
 */
export function claimRecordExpiry(claimedAt: number, heartbeatIntervalSeconds: number): number {
  return leaseDeadline(claimedAt, heartbeatIntervalSeconds);
}
