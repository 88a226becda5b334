// `concurrency()` and `rateLimit()`: Prefect's global concurrency and rate limits for any block of
// code, in a flow run or outside one (docs/concurrency.md). Slots are held under a lease the server
// reclaims if this process dies; while the block runs, the lease is renewed in the background.
import { clientFromEnvironment } from '../client/from-environment.ts';
import { ApiError, type EdgeflowClient, LockedError } from '../client/index.ts';
import { type LeaseHolder, MAX_WAIT_SECONDS } from '../protocol/index.ts';
import { currentRun } from './context.ts';
import { getRunLogger } from './logger.ts';

export interface ConcurrencyOptions {
  /** Slots to take of each limit (default 1). */
  occupy?: number;
  /** Give up after this long without slots (default: wait as long as it takes). */
  timeoutSeconds?: number;
  /** The lease's length: if this process stops renewing it, the slots come back after this (default 300). */
  leaseSeconds?: number;
  /** A limit that does not exist throws, instead of warning and running unlimited. */
  strict?: boolean;
}

/** No slots came within `timeoutSeconds`. */
export class ConcurrencySlotTimeoutError extends Error {
  override readonly name = 'ConcurrencySlotTimeoutError';
}

/** A named limit does not exist (with `strict`), or the request was refused. */
export class ConcurrencySlotAcquisitionError extends Error {
  override readonly name = 'ConcurrencySlotAcquisitionError';
}

const DEFAULT_LEASE_SECONDS = 300;

function clientHere(): EdgeflowClient {
  return currentRun()?.client ?? clientFromEnvironment().client;
}

/** The run this code runs in, named on the lease so a lapsed lease is logged to it. */
function holderHere(): LeaseHolder | undefined {
  const run = currentRun();
  if (!run) return undefined;
  if (run.taskRun) return { type: 'task_run', id: run.taskRun.id, flow_run_id: run.flowRun.id };
  return { type: 'flow_run', id: run.flowRun.id };
}

/**
 * Takes slots, held in the limits' line by the server (a minute at a time) until they free or the
 * timeout passes. Null when a limit is missing and `strict` is off (a warning says so).
 */
async function acquire(
  client: EdgeflowClient,
  names: string[],
  mode: 'concurrency' | 'rate_limit',
  options: ConcurrencyOptions,
): Promise<string | null> {
  const deadline =
    options.timeoutSeconds === undefined
      ? Number.POSITIVE_INFINITY
      : Date.now() + options.timeoutSeconds * 1000;
  for (;;) {
    const left = (deadline - Date.now()) / 1000;
    try {
      const grant = await client.limits.acquire(
        {
          names,
          slots: options.occupy ?? 1,
          mode,
          lease_duration: options.leaseSeconds ?? DEFAULT_LEASE_SECONDS,
          holder: holderHere(),
          wait_seconds: Math.max(0, Math.min(MAX_WAIT_SECONDS, left)),
        },
        // A run that stops (timeout, cancellation) stops waiting for slots.
        currentRun()?.signal,
      );
      return grant.lease_id;
    } catch (error) {
      if (error instanceof LockedError) {
        if (Date.now() >= deadline) {
          throw new ConcurrencySlotTimeoutError(
            `No slots of ${names.join(', ')} within ${options.timeoutSeconds} s.`,
          );
        }
        continue;
      }
      if (error instanceof ApiError && error.status === 404 && error.field === 'names') {
        if (options.strict) throw new ConcurrencySlotAcquisitionError(error.detail);
        getRunLogger('edgeflow.concurrency').warning(`${error.detail} Running without it.`);
        return null;
      }
      if (error instanceof ApiError) throw new ConcurrencySlotAcquisitionError(error.detail);
      throw error;
    }
  }
}

/**
 * Runs `fn` holding `occupy` slots of every named limit, taken all or nothing; gives them back when
 * `fn` returns or throws. The lease is renewed every three quarters of `leaseSeconds` meanwhile.
 */
export async function concurrency<T>(
  names: string | string[],
  options: ConcurrencyOptions,
  fn: () => Promise<T> | T,
): Promise<T> {
  const list = typeof names === 'string' ? [names] : names;
  const client = clientHere();
  const leaseId = await acquire(client, list, 'concurrency', options);
  if (leaseId === null) return fn();
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const renewal = setInterval(() => {
    client.limits.renew(leaseId, leaseSeconds).catch((error: unknown) => {
      getRunLogger('edgeflow.concurrency').warning(
        `Renewing the lease on ${list.join(', ')} failed: ${(error as Error).message}`,
      );
    });
  }, leaseSeconds * 750);
  renewal.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renewal);
    await client.limits.release(leaseId).catch((error: unknown) => {
      getRunLogger('edgeflow.concurrency').warning(
        `Releasing ${list.join(', ')} failed (the lease lapses by itself): ${(error as Error).message}`,
      );
    });
  }
}

/** Waits for `occupy` slots of every named rate limit and takes them; they free themselves by decay. */
export async function rateLimit(
  names: string | string[],
  options: Omit<ConcurrencyOptions, 'leaseSeconds'> = {},
): Promise<void> {
  const list = typeof names === 'string' ? [names] : names;
  await acquire(clientHere(), list, 'rate_limit', options);
}
