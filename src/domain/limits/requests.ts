// What a request for slots may ask of named limits, in which order limits are asked, and which held
// waiters a limit serves when slots free (docs/concurrency.md). Pure.
import { fits, type LimitCounters, type LimitSettings } from './counters';

export type AcquireMode = 'concurrency' | 'rate_limit';

/** A refusal that names the request's field, as the API answers it. */
export interface RequestProblem {
  status: 404 | 422;
  code: string;
  message: string;
  field: string;
}

/**
 * Checks a request for `slots` of every limit in `names` (null: no such limit) before any slot is
 * taken, so a bad request changes nothing. Inactive limits are not enforced, so not checked.
 */
export function acquireProblem(
  names: readonly string[],
  found: ReadonlyMap<string, LimitSettings | null>,
  slots: number,
  mode: AcquireMode,
): RequestProblem | null {
  const missing = names.filter((name) => !found.get(name));
  if (missing.length > 0) {
    return {
      status: 404,
      code: 'concurrency_limit.not_found',
      message: `No concurrency limit named ${missing.map((n) => JSON.stringify(n)).join(', ')}.`,
      field: 'names',
    };
  }
  const active = names.map((name) => [name, found.get(name)!] as const).filter(([, s]) => s.active);
  const tooSmall = active.filter(([, s]) => s.limit < slots).map(([name]) => name);
  if (tooSmall.length > 0) {
    return {
      status: 422,
      code: 'request.invalid',
      message: `Slots requested (${slots}) is greater than the limit of ${tooSmall.join(', ')}.`,
      field: 'slots',
    };
  }
  const nonDecaying = active.filter(([, s]) => s.slot_decay_per_second === 0).map(([name]) => name);
  if (mode === 'rate_limit' && nonDecaying.length > 0) {
    return {
      status: 422,
      code: 'request.invalid',
      message: `Only limits with slot decay can be used for rate limiting; no decay on: ${nonDecaying.join(', ')}.`,
      field: 'mode',
    };
  }
  return null;
}

/**
 * The order a multi-name request takes its limits in: sorted, without repeats. Two holders asking for
 * the same names in different orders then wait on them in the same order, so neither can hold one
 * limit while waiting on another the other holds (the classic lock-ordering rule).
 */
export function acquisitionOrder(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}

/**
 * How many waiters at the head of the queue fit now, served strictly in arrival order: a big request
 * at the head is not overtaken by smaller ones behind it, so it cannot starve.
 */
export function waitersToServe(
  queue: readonly { slots: number }[],
  current: LimitCounters,
  settings: LimitSettings,
): number {
  let active = current.active_slots;
  let served = 0;
  for (const waiter of queue) {
    if (!fits({ ...current, active_slots: active }, settings, waiter.slots)) break;
    active += settings.active ? waiter.slots : 0;
    served += 1;
  }
  return served;
}

/** A lease's deadline from its duration in seconds. */
export function leaseDeadline(now: number, leaseSeconds: number): number {
  return now + Math.round(leaseSeconds * 1000);
}
