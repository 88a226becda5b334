// Which runs a deployment's schedules may take back: the ones the scheduler made that have not started.
import type { FlowRun } from 'edgeflow/protocol';

type RunFields = Pick<FlowRun, 'auto_scheduled' | 'state_type' | 'state_name' | 'run_count'>;

/**
 * Prefect's rule for withdrawing a deployment's runs: made by the scheduler, SCHEDULED as Scheduled
 * or Late, never run (AwaitingRetry and AwaitingConcurrencySlot stay). The run object applies it to
 * its own document; the index only names candidates, so the rule never needs SQL to read a document.
 */
export function isUnstartedAutoScheduled(run: RunFields): boolean {
  return (
    run.auto_scheduled &&
    run.state_type === 'SCHEDULED' &&
    run.run_count === 0 &&
    ['Scheduled', 'Late'].includes(run.state_name ?? '')
  );
}
