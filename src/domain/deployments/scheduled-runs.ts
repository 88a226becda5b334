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

/** Runs a write withdraws in its own request beyond those due soon; the next Cron tick takes the rest. */
export const RUNS_WITHDRAWN_IN_REQUEST = 8;
/** Runs due within this margin are withdrawn by the request however many: no tick may come first. */
export const WITHDRAW_IN_REQUEST_WITHIN_MS = 5 * 60_000;

/**
 * How many of a withdrawal's candidates (soonest first, `null`: no due time, counted as due now) the
 * request takes back itself: every run due within the margin, and at least the first few. Each one
 * wakes a run object, so a dense schedule's hour of runs would hold the request for seconds; the runs
 * left are due minutes later, and every tick finishes open withdrawals before anything else.
 */
export function runsToWithdrawInRequest(dueTimes: readonly (number | null)[], now: number): number {
  const dueSoon = dueTimes.filter((due) => due === null || due <= now + WITHDRAW_IN_REQUEST_WITHIN_MS).length;
  return Math.min(dueTimes.length, Math.max(RUNS_WITHDRAWN_IN_REQUEST, dueSoon));
}
