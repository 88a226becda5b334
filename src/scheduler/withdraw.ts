// Taking back the runs a deployment's schedules made that have not started, through their run objects
// (which refuse if the run started meanwhile): the second half of every change that writes a
// withdrawal (update, pause, delete). The request finishes its own; the tick finishes what is left.
import { ApiError } from '../api/errors';
import { flowRunObject } from '../api/run-objects';
import { closeWithdrawal, openWithdrawals, type Withdrawal, withdrawalCandidates } from '../db/withdrawals';
import type { Env } from '../env';
import { settleAll } from './concurrently';

/** Run objects asked at once. */
const PARALLEL_REMOVALS = 32;
/** Withdrawals finished at once (each asks up to PARALLEL_REMOVALS run objects). */
const PARALLEL_WITHDRAWALS = 4;
/** Open withdrawals a tick finishes. */
const WITHDRAWALS_PER_TICK = 100;

/**
 * Withdraws the runs and closes the withdrawal. Throws when a run object could not be asked: the
 * withdrawal stays open, and finishing it again (a retried request, the next tick) is safe.
 */
export async function finishWithdrawal(env: Env, withdrawal: Withdrawal, now: Date): Promise<number> {
  const ids = await withdrawalCandidates(env.DB, withdrawal);
  const results = await settleAll(
    ids.map((id) => () => flowRunObject(env, id).removeUnstarted()),
    PARALLEL_REMOVALS,
  );
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) {
    console.error('withdrawing runs failed; the withdrawal stays open', failed[0]!.reason);
    throw new ApiError(
      503,
      'deployment.withdrawal_pending',
      `The change is saved, but ${failed.length} of its unstarted runs could not be withdrawn yet; the next scheduler tick finishes it, or repeat the request.`,
    );
  }
  await closeWithdrawal(env.DB, withdrawal, now);
  return results.filter((r) => r.status === 'fulfilled' && r.value).length;
}

/** Finishes a request's withdrawals (a bulk write has one per replaced deployment); a failure is thrown. */
export async function finishWithdrawals(env: Env, withdrawals: Withdrawal[], now: Date): Promise<number> {
  const results = await settleAll(
    withdrawals.map((withdrawal) => () => finishWithdrawal(env, withdrawal, now)),
    PARALLEL_WITHDRAWALS,
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value : 0), 0);
}

/** The tick's part: withdrawals a request left open (it failed or died after committing its change). */
export async function finishOpenWithdrawals(env: Env, now: Date): Promise<number> {
  let withdrawn = 0;
  for (const withdrawal of await openWithdrawals(env.DB, WITHDRAWALS_PER_TICK)) {
    try {
      withdrawn += await finishWithdrawal(env, withdrawal, now);
    } catch (error) {
      console.error('an open withdrawal is retried next tick', error);
    }
  }
  return withdrawn;
}
