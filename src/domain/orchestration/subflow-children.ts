// A parent flow run's end reaches its subflow runs (docs/orchestration.md, "Subflows follow their
// parent"): a crashed parent takes its inline children to CRASHED (they ran in its process), and a
// cancelled parent cancels every child, inline or started through a deployment.
import { isTerminal, type StateCreate, type StateType } from 'edgeflow/protocol';

/** The parent states its children follow. */
export type ParentEnd = 'CRASHED' | 'CANCELLING' | 'CANCELLED';

/** At most this many children are told per delivery; a child tells its own children in turn. */
export const CHILDREN_PER_DELIVERY = 200;

/** Whether a state written on a flow run is one its subflow runs follow. */
export function parentEndOf(written: StateType): ParentEnd | null {
  return written === 'CRASHED' || written === 'CANCELLING' || written === 'CANCELLED' ? written : null;
}

/** What a subflow run is, as far as following its parent goes. */
export interface ChildRun {
  state_type: StateType | null;
  /** Null for an inline subflow: it runs in its parent's process, under its parent's lease. */
  deployment_id: string | null;
}

/**
 * The state proposed to `child` when its parent reached `parent`; null to leave it be. A child run
 * through a deployment has its own agent and lease: a parent's crash leaves it running on its own (as
 * Prefect does), a cancellation asks its agent to stop it (CANCELLING; the rules cancel a child that
 * has not started yet at once). An inline child has no one else to stop it or report it.
 */
export function childProposal(parent: ParentEnd, child: ChildRun): StateCreate | null {
  if (child.state_type === null || isTerminal(child.state_type)) return null;
  const inline = child.deployment_id === null;
  if (parent === 'CRASHED') {
    return inline
      ? { type: 'CRASHED', name: 'Crashed', message: 'Its parent flow run crashed, and the subflow with it.' }
      : null;
  }
  if (parent === 'CANCELLED' && inline) {
    return { type: 'CANCELLED', name: 'Cancelled', message: 'Its parent flow run was cancelled.' };
  }
  if (child.state_type === 'CANCELLING') return null;
  return { type: 'CANCELLING', name: 'Cancelling', message: 'Its parent flow run is being cancelled.' };
}
