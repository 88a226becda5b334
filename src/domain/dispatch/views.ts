// What a work pool knows of each run: a versioned view the run's object sends it, and when a change
// of that view may wait to be sent.
import type { FlowRun, StateType } from 'edgeflow/protocol';

/** What a pool needs to know of one run. Newer `version`s replace older ones; stale ones are ignored. */
export interface DispatchView {
  flow_run_id: string;
  version: number;
  work_pool_name: string;
  work_queue_name: string;
  deployment_id: string | null;
  state_type: StateType | null;
  state_name: string | null;
  /** Epoch ms when a SCHEDULED run becomes due (its next_scheduled_start_time); null otherwise. */
  due_at: number | null;
  /** `in_process` retries are retried by their running process: a pool never hands them out (docs/work-pools.md). */
  retry_type: 'in_process' | 'reschedule' | null;
  /** The lease of the current attempt, set by a claim; null when unclaimed. */
  lease_id: string | null;
}

export function dispatchView(doc: FlowRun, version: number, leaseId: string | null): DispatchView | null {
  if (!doc.work_pool_name) return null;
  return {
    flow_run_id: doc.id,
    version,
    work_pool_name: doc.work_pool_name,
    work_queue_name: doc.work_queue_name ?? 'default',
    deployment_id: doc.deployment_id,
    state_type: doc.state_type,
    state_name: doc.state_name,
    due_at:
      doc.state_type === 'SCHEDULED' && doc.next_scheduled_start_time
        ? Date.parse(doc.next_scheduled_start_time)
        : null,
    retry_type: doc.empirical_policy.retry_type,
    lease_id: leaseId,
  };
}

/**
 * Whether a pool that holds `known` may hear of `next` later: both are a started or starting attempt
 * (PENDING or RUNNING) under the same lease, pool and queue. Nothing the pool dispatches by differs
 * (both count against its limits; neither needs an agent told), so the sync can wait for the next
 * change. CANCELLING, pauses, ends and re-leases are never deferred.
 */
export function poolMayHearLater(known: DispatchView, next: DispatchView): boolean {
  const attempt = (view: DispatchView) => view.state_type === 'PENDING' || view.state_type === 'RUNNING';
  return (
    attempt(known) &&
    attempt(next) &&
    known.lease_id === next.lease_id &&
    known.work_pool_name === next.work_pool_name &&
    known.work_queue_name === next.work_queue_name &&
    known.deployment_id === next.deployment_id
  );
}
