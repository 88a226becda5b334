// Taking back the runs a deployment's schedules made that have not started, through their run objects
// (which refuse if the run started meanwhile): the second half of every change that writes a
// withdrawal (update, pause, delete). The request takes back the runs due soon; the tick the rest.
import { deleteRunIndexes } from '../db/run-index';
import { closeWithdrawal, openWithdrawals, type Withdrawal, withdrawalCandidates } from '../db/withdrawals';
import { runsToWithdrawInRequest } from '../domain/deployments';
import { flowRunObject } from '../durable/objects';
import type { Env } from '../env';
import { settleAll } from './concurrently';

/** Run objects asked at once. */
const PARALLEL_REMOVALS = 32;
/** Withdrawals finished at once (each asks up to PARALLEL_REMOVALS run objects). */
const PARALLEL_WITHDRAWALS = 4;
/** Open withdrawals a tick finishes. */
const WITHDRAWALS_PER_TICK = 100;

/**
 * `pending`: some run objects could not be asked; `deferred`: the request took back its share and left
 * the rest (due later) to the tick. Either way the withdrawal stays open, and finishing it again is safe.
 */
export type WithdrawalOutcome =
  | { kind: 'done'; withdrawn: number }
  | { kind: 'deferred'; withdrawn: number; left: number }
  | { kind: 'pending'; unreached: number };

/**
 * Withdraws the runs and closes the withdrawal, unless a run object could not be asked. `inRequest`
 * takes back only the runs a request must (domain: runsToWithdrawInRequest) and leaves the rest open.
 */
export async function finishWithdrawal(
  env: Env,
  withdrawal: Withdrawal,
  now: Date,
  { inRequest = false }: { inRequest?: boolean } = {},
): Promise<WithdrawalOutcome> {
  const candidates = await withdrawalCandidates(env.DB, withdrawal);
  const taken = inRequest
    ? candidates.slice(
        0,
        runsToWithdrawInRequest(
          candidates.map((candidate) => candidate.due_at),
          now.getTime(),
        ),
      )
    : candidates;
  const results = await settleAll(
    taken.map(
      ({ id }) =>
        () =>
          flowRunObject(env, id).removeUnstarted(),
    ),
    PARALLEL_REMOVALS,
  );
  // Runs removed now, and index rows whose run object holds nothing: both leave the index together.
  const gone = taken.filter((_, index) => {
    const result = results[index]!;
    return result.status === 'fulfilled' && result.value !== 'kept';
  });
  await deleteRunIndexes(
    env.DB,
    gone.map((candidate) => candidate.id),
  );
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length > 0) {
    console.error('withdrawing runs failed; the withdrawal stays open', failed[0]!.reason);
    return { kind: 'pending', unreached: failed.length };
  }
  const withdrawn = results.filter((r) => r.status === 'fulfilled' && r.value === 'removed').length;
  if (taken.length < candidates.length)
    return { kind: 'deferred', withdrawn, left: candidates.length - taken.length };
  await closeWithdrawal(env.DB, withdrawal, now);
  return { kind: 'done', withdrawn };
}

/** Finishes a request's share of its withdrawals (a bulk write has one per replaced deployment). */
export async function finishWithdrawals(
  env: Env,
  withdrawals: Withdrawal[],
  now: Date,
): Promise<WithdrawalOutcome> {
  const results = await settleAll(
    withdrawals.map((withdrawal) => () => finishWithdrawal(env, withdrawal, now, { inRequest: true })),
    PARALLEL_WITHDRAWALS,
  );
  let withdrawn = 0;
  let unreached = 0;
  let left = 0;
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
    const outcome = result.value;
    if (outcome.kind === 'pending') unreached += outcome.unreached;
    else withdrawn += outcome.withdrawn;
    if (outcome.kind === 'deferred') left += outcome.left;
  }
  if (unreached > 0) return { kind: 'pending', unreached };
  return left > 0 ? { kind: 'deferred', withdrawn, left } : { kind: 'done', withdrawn };
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
