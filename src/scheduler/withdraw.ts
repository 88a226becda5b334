// Taking back the runs a deployment's schedules made that have not started, through their run objects
// (which refuse if the run started meanwhile): the second half of every change that writes a
// withdrawal (update, pause, delete). The request finishes its own; the tick finishes what is left.
import { closeWithdrawal, openWithdrawals, type Withdrawal, withdrawalCandidates } from '../db/withdrawals';
import { flowRunObject } from '../durable/objects';
import type { Env } from '../env';
import { settleAll } from './concurrently';

/** Run objects asked at once. */
const PARALLEL_REMOVALS = 32;
/** Withdrawals finished at once (each asks up to PARALLEL_REMOVALS run objects). */
const PARALLEL_WITHDRAWALS = 4;
/** Open withdrawals a tick finishes. */
const WITHDRAWALS_PER_TICK = 100;

/** `pending`: some run objects could not be asked; the withdrawal stays open and finishing it again is safe. */
export type WithdrawalOutcome = { kind: 'done'; withdrawn: number } | { kind: 'pending'; unreached: number };

/** Withdraws the runs and closes the withdrawal, unless a run object could not be asked. */
export async function finishWithdrawal(
  env: Env,
  withdrawal: Withdrawal,
  now: Date,
): Promise<WithdrawalOutcome> {
  const ids = await withdrawalCandidates(env.DB, withdrawal);
  const results = await settleAll(
    ids.map((id) => () => flowRunObject(env, id).removeUnstarted()),
    PARALLEL_REMOVALS,
  );
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) {
    console.error('withdrawing runs failed; the withdrawal stays open', failed[0]!.reason);
    return { kind: 'pending', unreached: failed.length };
  }
  await closeWithdrawal(env.DB, withdrawal, now);
  return { kind: 'done', withdrawn: results.filter((r) => r.status === 'fulfilled' && r.value).length };
}

/** Finishes a request's withdrawals (a bulk write has one per replaced deployment). */
export async function finishWithdrawals(
  env: Env,
  withdrawals: Withdrawal[],
  now: Date,
): Promise<WithdrawalOutcome> {
  const results = await settleAll(
    withdrawals.map((withdrawal) => () => finishWithdrawal(env, withdrawal, now)),
    PARALLEL_WITHDRAWALS,
  );
  let withdrawn = 0;
  let unreached = 0;
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
    if (result.value.kind === 'pending') unreached += result.value.unreached;
    else withdrawn += result.value.withdrawn;
  }
  return unreached > 0 ? { kind: 'pending', unreached } : { kind: 'done', withdrawn };
}

/** The tick's part: withdrawals a request left open (it failed or died after committing its change). */
export async function finishOpenWithdrawals(env: Env, now: Date): Promise<number> {
  let withdrawn = 0;
  for (const withdrawal of await openWithdrawals(env.DB, WITHDRAWALS_PER_TICK)) {
    try {
      const outcome = await finishWithdrawal(env, withdrawal, now);
      if (outcome.kind === 'done') withdrawn += outcome.withdrawn;
    } catch (error) {
      console.error('an open withdrawal is retried next tick', error);
    }
  }
  return withdrawn;
}
