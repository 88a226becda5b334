// Prefect 2.15's lease-less slots, `POST /v2/concurrency_limits/increment` and `/decrement`: what its
// client's `concurrency()` and `rate_limit()` call (docs/concurrency.md, "Prefect 2.15's routes"). An
// increment is an ordinary lease, all or nothing, of the longest length (slots Prefect 2.15 never takes
// back on its own are given back here after a day at the latest), held by a marker holder; a decrement,
// which names no lease, gives back the oldest such lease on the same limits with as many slots.
import type { LeaseHolder } from 'edgeflow/protocol';
import { MAX_LEASE_SECONDS } from 'edgeflow/protocol';
import { existingLimitNames, leasesOnNames } from '../db/concurrency-limits';
import { acquisitionOrder } from '../domain/limits';
import type { Env } from '../env';
import { type AcquireOutcome, acquireLimits, releaseLease } from './limit-leases';
import { namedLimitObject } from './objects';

/** Who holds a lease-less increment's slots, so a decrement can tell its leases from others. */
export const UNLEASED_HOLDER: LeaseHolder = { type: 'process', id: 'prefect-2.15-increment' };

/** How many leases on the same names a decrement looks through for one of its own. */
const CANDIDATES = 50;

type MinimalLimit = { id: string; name: string; limit: number };

/**
 * Takes `slots` of every named limit that exists, or none, without waiting. Names without a limit
 * enforce nothing (Prefect 2.15 makes them as inactive limits; here they are left alone).
 */
export async function incrementUnleased(
  env: Env,
  request: { names: string[]; slots: number; mode: 'concurrency' | 'rate_limit' },
): Promise<AcquireOutcome | { kind: 'granted'; lease_id: null; limits: MinimalLimit[] }> {
  const names = await existingLimitNames(env.DB, request.names);
  if (names.length === 0) return { kind: 'granted', lease_id: null, limits: [] };
  return acquireLimits(env, {
    names,
    slots: request.slots,
    mode: request.mode,
    lease_seconds: MAX_LEASE_SECONDS,
    holder: UNLEASED_HOLDER,
    wait_seconds: 0,
  });
}

/**
 * Gives back the oldest lease-less increment on exactly the named limits that exist, holding `slots`
 * slots; none found changes nothing. Answers the limits, as Prefect 2.15 does.
 */
export async function decrementUnleased(
  env: Env,
  request: { names: string[]; slots: number },
): Promise<MinimalLimit[]> {
  const names = acquisitionOrder(await existingLimitNames(env.DB, request.names));
  const [first] = names;
  if (!first) return [];
  const [candidates, limits] = await Promise.all([
    leasesOnNames(env.DB, names, CANDIDATES),
    Promise.all(names.map((name) => namedLimitObject(env, name).readLimit())),
  ]);
  // An inactive limit's lease counts no slots, so the increment's size shows on an active one's.
  const active = limits.findIndex((limit) => limit?.active);
  const judge = names[active] ?? first;
  const counted = active >= 0 ? request.slots : 0;
  const holders = await namedLimitObject(env, judge).limitHolders();
  const ours = new Set(
    (holders?.leases ?? [])
      .filter(
        (lease) =>
          lease.holder?.type === UNLEASED_HOLDER.type &&
          lease.holder.id === UNLEASED_HOLDER.id &&
          lease.slots === counted,
      )
      .map((lease) => lease.lease_id),
  );
  const leaseId = candidates.find((id) => ours.has(id));
  if (leaseId) await releaseLease(env, leaseId, names);
  return limits.flatMap((limit) => (limit ? [{ id: limit.id, name: limit.name, limit: limit.limit }] : []));
}
