// What follows a crash: a run whose agent vanished is retried like a failed one, if it has retries left.
import type { StateCreate } from 'edgeflow/protocol';
import type { FlowRunSnapshot } from './types';

type RetryView = Pick<FlowRunSnapshot, 'run_count' | 'empirical_policy'>;

/** RetryFailedFlows' condition: the attempt that just ended was not the last one allowed. */
export function hasFlowRetriesLeft(run: RetryView): boolean {
  return run.run_count <= run.empirical_policy.retries;
}

/**
 * The proposal that puts a CRASHED run back in its pool after the retry delay (docs/work-pools.md,
 * "Lease lifecycle"), or null when it has none left. A run that crashed before it ever ran (run_count 0)
 * is retried only if it has retries at all.
 */
export function crashRetryProposal(run: RetryView, reason: string, now: Date): StateCreate | null {
  const { retries, retry_delay } = run.empirical_policy;
  if (retries === 0 || !hasFlowRetriesLeft(run)) return null;
  const scheduled_time = new Date(now.getTime() + retry_delay * 1000).toISOString();
  return { type: 'SCHEDULED', name: 'AwaitingRetry', message: reason, state_details: { scheduled_time } };
}
