// The seam between a flow run object and its work pool's object. The run object tells the pool what
// it needs to dispatch the run (a versioned view, src/domain/dispatch/views.ts, resent until
// delivered); the pool asks the run object to claim, crash or mark a run Late, and every such change
// still goes through the rules.
import type { FlowRun } from 'edgeflow/protocol';
import type { DispatchView } from '../domain/dispatch';
import type { HandedOverIndex } from './run-outbox';

export type ClaimReply =
  /** `index`: the run's index rows, for the pool to write (asked for with `handOverIndex`). */
  | { kind: 'claimed'; run: FlowRun; index?: HandedOverIndex }
  /** The rules refused the PENDING transition (already claimed, cancelled, deleted…): skip the run. */
  | { kind: 'skipped'; reason: string };

/** The pool side, as the run object calls it. */
export interface WorkPoolDispatchApi {
  syncRun(view: DispatchView): Promise<void>;
}

/** The run side, as the pool object calls it. */
export interface FlowRunDispatchApi {
  /**
   * Proposes PENDING through the rules; on ACCEPT records the lease and returns the run. With
   * `handOverIndex`, the reply may carry the run's index rows instead of the object writing them: the
   * pool then writes them before it answers the claim.
   */
  claim(leaseId: string, agentName: string, options?: { handOverIndex?: boolean }): Promise<ClaimReply>;
  /** Proposes CRASHED for the attempt holding `leaseId` (no-op if the lease is no longer current), then reschedules per retries. */
  crash(leaseId: string, reason: string): Promise<void>;
  /** Proposes SCHEDULED "Late" through the mark-late policy. */
  markLate(): Promise<void>;
  /**
   * The claim that leased the run under `leaseId` never reached its agent: proposes SCHEDULED again
   * (due now) and drops the lease. No-op unless the run is still PENDING under that lease.
   */
  unclaim(leaseId: string, reason: string): Promise<void>;
}
