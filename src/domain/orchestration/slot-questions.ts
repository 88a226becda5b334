// What a flow run with concurrency limits must ask its limits before the rules judge a proposal (the
// rules are synchronous; the slots live in other objects, so the answers come in as rule inputs).
import type { StateType } from 'edgeflow/protocol';
import { SLOT_HOLDING_STATES } from './deployment-concurrency-rules';
import type { FlowPolicyName } from './policies';

export type SlotQuestion =
  /** Take a slot of each limit for this attempt: a run heading for PENDING that holds none. */
  | { kind: 'acquire' }
  /** Check the slots taken under `lease` are still held: PENDING → RUNNING. */
  | { kind: 'verify'; lease: string }
  /** Are the CANCEL_NEW limits full (a Late run is then cancelled rather than marked)? */
  | { kind: 'cancel_new_full' }
  | { kind: 'none' };

export function slotQuestion(
  run: { state_type: StateType | null; lease: string | null },
  proposed: StateType,
  policy: FlowPolicyName,
): SlotQuestion {
  const from = run.state_type;
  if (policy === 'mark_late') return { kind: 'cancel_new_full' };
  if (policy !== 'core') return { kind: 'none' };
  if (proposed === 'PENDING' && !(from && [...SLOT_HOLDING_STATES, 'CANCELLED'].includes(from))) {
    return { kind: 'acquire' };
  }
  if (proposed === 'RUNNING' && from === 'PENDING' && run.lease) return { kind: 'verify', lease: run.lease };
  return { kind: 'none' };
}

/** Whether a run still holds the slots taken under `leaseId`: what a limit asks once that lease lapsed. */
export function holdsSlots(
  run: { state_type: StateType | null; lease: string | null },
  leaseId: string,
): boolean {
  return run.state_type !== null && SLOT_HOLDING_STATES.includes(run.state_type) && run.lease === leaseId;
}
