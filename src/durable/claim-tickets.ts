// What became of recent claims, by the keys an abandonment names them with: the ticket the API gives
// each claim request (it abandons one whose client disconnected), and the agent's claim id (an agent
// that stops releases the claim it had in flight). A claim abandoned while held ends; runs its answer
// leased go back to the queue, since the answer reached no one, instead of staying PENDING until
// their leases lapse and they crash.
import type { ClaimIdentity } from './held-claims';

/** A lease a claim answer carried. */
export interface ClaimedLease {
  run_id: string;
  lease_id: string;
}

/** How long a claim is remembered: far longer than an answer takes to reach a connected agent. */
const CLAIM_MEMORY_MS = 60_000;

/** The keys a claim can be abandoned by. */
export type AbandonKey = { ticket: string } | { agent: string; claimId: string };

function keysOf(claim: ClaimIdentity): string[] {
  return [
    ...(claim.ticket ? [`ticket:${claim.ticket}`] : []),
    ...(claim.claimId ? [`claim:${claim.agent}:${claim.claimId}`] : []),
  ];
}

function keyOf(key: AbandonKey): string {
  return 'ticket' in key ? `ticket:${key.ticket}` : `claim:${key.agent}:${key.claimId}`;
}

export class ClaimTickets {
  private readonly answered = new Map<string, { leases: ClaimedLease[]; at: number }>();
  private readonly abandoned = new Map<string, number>();

  /** Whether a held claim is the one `key` names. */
  static matches(key: AbandonKey): (claim: ClaimIdentity) => boolean {
    return (claim) => keysOf(claim).includes(keyOf(key));
  }

  /** An answer is leaving for `claim`; the leases it carries are given back if the claim is abandoned. */
  recordAnswer(claim: ClaimIdentity, leases: ClaimedLease[], now: number): void {
    this.prune(now);
    if (leases.length === 0) return;
    for (const key of keysOf(claim)) this.answered.set(key, { leases, at: now });
  }

  /**
   * The claim `key` names is abandoned. Returns the leases its answer carried, once; none if it had
   * no answer yet, and then the claim, should it still arrive, ends at once.
   */
  abandon(key: AbandonKey, now: number): ClaimedLease[] {
    this.prune(now);
    const answered = this.answered.get(keyOf(key));
    if (!answered) {
      this.abandoned.set(keyOf(key), now);
      return [];
    }
    for (const [other, entry] of this.answered) if (entry === answered) this.answered.delete(other);
    return answered.leases;
  }

  /** Whether this claim was abandoned before it arrived. */
  isAbandoned(claim: ClaimIdentity): boolean {
    return keysOf(claim).some((key) => this.abandoned.has(key));
  }

  private prune(now: number): void {
    for (const [key, { at }] of this.answered) if (now - at > CLAIM_MEMORY_MS) this.answered.delete(key);
    for (const [key, at] of this.abandoned) if (now - at > CLAIM_MEMORY_MS) this.abandoned.delete(key);
  }
}
