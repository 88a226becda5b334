// Leases across several named limits: taken all or nothing, in one fixed order, then renewed and
// released by lease id through the D1 lease directory (docs/concurrency.md, "Several names").
import type { AcquireSlots, LeaseHolder } from 'edgeflow/protocol';
import { forgetLeases, leaseNames, recordLease } from '../db/concurrency-limits';
import { acquisitionOrder, type RequestProblem } from '../domain/limits';
import type { Env } from '../env';
import { namedLimitObject } from './objects';

export type AcquireOutcome =
  | { kind: 'granted'; lease_id: string; limits: { id: string; name: string; limit: number }[] }
  | { kind: 'denied'; retry_after_seconds: number }
  | { kind: 'refused'; problem: RequestProblem };

export interface AcquireRequest {
  names: string[];
  slots: number;
  mode: AcquireSlots['mode'];
  lease_seconds: number;
  holder: LeaseHolder | null;
  wait_seconds: number;
  /** Fires when the client has gone (deployed Workers; see work-pool-dispatch.ts). */
  signal?: AbortSignal;
}

/**
 * Takes `slots` of every named limit, or none. Limits are asked one by one in sorted order, each
 * holding the request up to what is left of its wait; the first refusal gives back what the earlier
 * ones granted. Sorted order means two requests for the same names never wait on each other in a
 * cycle, so there is no deadlock, only waiting in line.
 */
export async function acquireLimits(env: Env, request: AcquireRequest): Promise<AcquireOutcome> {
  let answered = false;
  try {
    return await acquireAll(env, request, () => answered);
  } finally {
    // Once answered, a later abort is not this request's to act on.
    answered = true;
  }
}

async function acquireAll(
  env: Env,
  request: AcquireRequest,
  answered: () => boolean,
): Promise<AcquireOutcome> {
  const lease_id = crypto.randomUUID();
  const deadline = Date.now() + request.wait_seconds * 1000;
  const granted: { name: string; counted: number; limit: { id: string; name: string; limit: number } }[] = [];
  // A client that leaves while held: every limit asked drops the request or gives its slots back.
  const asked: string[] = [];
  request.signal?.addEventListener(
    'abort',
    () => {
      if (answered()) return;
      for (const name of asked)
        void namedLimitObject(env, name)
          .abandonRequest(lease_id)
          .catch(() => undefined);
    },
    { once: true },
  );
  for (const name of acquisitionOrder(request.names)) {
    asked.push(name);
    const reply = await namedLimitObject(env, name).takeSlots(name, {
      lease_id,
      slots: request.slots,
      mode: request.mode,
      lease_seconds: request.lease_seconds,
      holder: request.holder,
      wait_ms: Math.max(0, deadline - Date.now()),
    });
    if (reply.kind !== 'granted') {
      await giveBack(env, lease_id, request.mode, granted);
      return reply;
    }
    granted.push({ name, counted: reply.counted, limit: reply.limit });
  }
  if (request.mode === 'concurrency') {
    const names = granted.map((g) => g.name);
    // Without its directory row the lease could not be renewed or released by id: give it all back.
    await recordLease(env.DB, lease_id, names, new Date().toISOString()).catch(async (error) => {
      await giveBack(env, lease_id, request.mode, granted);
      throw error;
    });
  }
  return { kind: 'granted', lease_id, limits: granted.map((g) => g.limit) };
}

async function giveBack(
  env: Env,
  leaseId: string,
  mode: AcquireRequest['mode'],
  granted: { name: string; counted: number }[],
): Promise<void> {
  await Promise.all(
    granted.map(({ name, counted }) => {
      const limit = namedLimitObject(env, name);
      return mode === 'concurrency'
        ? limit.releaseLease(leaseId, { occupied: false })
        : limit.undoRateSlots(counted);
    }),
  );
}

/** Renews every part of a lease; false when any part is gone, and then the rest is released too. */
export async function renewLease(env: Env, leaseId: string, leaseSeconds: number): Promise<boolean> {
  const names = await leaseNames(env.DB, leaseId);
  if (!names) return false;
  const renewed = await Promise.all(
    names.map((name) => namedLimitObject(env, name).renewLease(leaseId, leaseSeconds)),
  );
  if (renewed.every(Boolean)) return true;
  await releaseLease(env, leaseId, names);
  return false;
}

/** Gives a lease's slots back; releasing a lease that is already gone changes nothing. */
export async function releaseLease(env: Env, leaseId: string, known?: string[]): Promise<void> {
  const names = known ?? (await leaseNames(env.DB, leaseId));
  if (!names) return;
  await Promise.all(names.map((name) => namedLimitObject(env, name).releaseLease(leaseId)));
  await forgetLeases(env.DB, [leaseId]);
}
