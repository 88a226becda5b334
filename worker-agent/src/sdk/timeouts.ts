// Stopping a run's work: each flow and task body runs with an AbortSignal, aborted at its timeout, when
// its flow run stops, or when it is cancelled; a body that ignores it is given up on and tracked as
// left over until it settles (docs/sdk.md, "Timeouts and cancellation").
import type { StateCreate } from '../protocol/index.ts';

/** How long a body may run on after its signal aborted before the process counts it as left over. */
export const DEFAULT_GRACE_SECONDS = 5;

/** The grace period: `EDGEFLOW_TIMEOUT_GRACE_SECONDS` when set to a number ≥ 0, else the default. */
export function graceSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.EDGEFLOW_TIMEOUT_GRACE_SECONDS);
  return env.EDGEFLOW_TIMEOUT_GRACE_SECONDS !== undefined && Number.isFinite(given) && given >= 0
    ? given
    : DEFAULT_GRACE_SECONDS;
}

/** The flow run was cancelled (through the API, the dashboard, or the agent stopping): its signal's reason. */
export class FlowRunCancelledError extends Error {
  override readonly name: string = 'FlowRunCancelledError';
}

/** True when `signal` was aborted because the flow run was cancelled (checked by name so SDK copies agree). */
export function cancelledBy(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && (signal.reason as Error | undefined)?.name === 'FlowRunCancelledError';
}

/** A body given up on (its signal aborted) that has not settled yet. */
export interface LeftoverBody {
  /** "Task run add-0", for messages. */
  what: string;
  /** When it was given up on (ms since the epoch). */
  since: number;
  settled: Promise<void>;
}

interface Registry {
  leftovers: Set<LeftoverBody>;
  /** Bodies given up on so far, settled or not. */
  givenUp: number;
}

/** Process-wide, shared by every copy of the SDK (as the run context in context.ts is). */
const REGISTRY_KEY = Symbol.for('edgeflow.leftover-bodies');

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  holder[REGISTRY_KEY] ??= { leftovers: new Set(), givenUp: 0 };
  return holder[REGISTRY_KEY];
}

/** Bodies of this process that were told to stop and are still running. */
export function leftoverBodies(): LeftoverBody[] {
  return [...registry().leftovers];
}

/** How many bodies this process has given up on at their timeout or cancellation, settled or not. */
export function timedOutBodies(): number {
  return registry().givenUp;
}

/**
 * Waits until every leftover body has settled, or has run `grace` seconds past the moment it was
 * given up on; resolves to the ones still running then.
 */
export async function settleLeftovers(grace = graceSeconds(), now = Date.now): Promise<LeftoverBody[]> {
  for (;;) {
    const running = leftoverBodies();
    const waiting = running.filter((body) => body.since + grace * 1000 > now());
    if (waiting.length === 0) return running;
    const soonest = Math.min(...waiting.map((body) => body.since + grace * 1000)) - now();
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<void>((done) => {
      timer = setTimeout(done, Math.max(0, soonest));
    });
    await Promise.race([elapsed, ...waiting.map((body) => body.settled)]);
    clearTimeout(timer);
  }
}

export interface GuardOptions {
  /** The body's timeout; none when undefined or ≤ 0. */
  seconds: number | undefined;
  /** The error the body's signal aborts with at its timeout. */
  timeoutError: () => Error;
  /** The enclosing run's signal: the body stops with it. */
  parent?: AbortSignal;
  /** Names the body in leftover messages ("Task run add-0"). */
  what: string;
  /** Called when the body is still running `grace` seconds after it was told to stop. */
  onIgnored?: (error: Error) => void;
  grace?: number;
  /**
   * Without a timeout, the body gets its parent's signal itself: no controller, timer or listener of
   * its own (one per task adds up over thousands of tasks), and its guard's `stop` is not available.
   */
  shareParentSignal?: boolean;
}

/** What a guarded body gets: its signal, and a way to stop itself (the flow run's own stop). */
export interface Guard {
  signal: AbortSignal;
  stop(reason: Error): void;
}

/**
 * Runs `body` with a signal of its own and settles as soon as the body does or the signal aborts (at
 * the timeout, with the parent, or through `stop`), whichever is first: a body that ignores its
 * signal no longer holds back its caller, and is tracked as left over until it settles.
 */
export async function runGuarded<T>(
  body: (guard: Guard) => T | Promise<T>,
  options: GuardOptions,
): Promise<T> {
  const { parent, seconds } = options;
  if (options.shareParentSignal && !(seconds && seconds > 0)) return runSharingParent(body, options);
  const controller = new AbortController();
  const followParent = () => controller.abort(parent!.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', followParent, { once: true });
  const timer =
    seconds && seconds > 0 && !controller.signal.aborted
      ? setTimeout(() => controller.abort(options.timeoutError()), seconds * 1000)
      : undefined;
  const guard: Guard = { signal: controller.signal, stop: (reason) => controller.abort(reason) };
  const result = (async () => await body(guard))();
  const tracking = tracked(result);
  const stopped = new Promise<never>((_, reject) => {
    const abort = () => reject(controller.signal.reason);
    if (controller.signal.aborted) abort();
    else controller.signal.addEventListener('abort', abort, { once: true });
  });
  stopped.catch(() => undefined);
  try {
    return await Promise.race([result, stopped]);
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    if (!tracking.settled) giveUp(tracking.done, options);
    // The body's own AbortError (a fetch it passed the signal to) says less than the reason.
    throw controller.signal.reason;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', followParent);
  }
}

/** A signal that never aborts, for bodies run outside any run's signal. */
const NEVER_ABORTED = new AbortController().signal;

const cannotStop = () => {
  throw new TypeError('This body shares its run signal: it cannot stop it.');
};

/**
 * The bodies running under each parent signal, told when it aborts: one listener per signal instead
 * of one per body. Each entry rejects its body's race.
 */
const followersOf = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

function followers(parent: AbortSignal): Set<(reason: unknown) => void> {
  let waiting = followersOf.get(parent);
  if (!waiting) {
    const all = new Set<(reason: unknown) => void>();
    parent.addEventListener('abort', () => {
      for (const stop of [...all]) stop(parent.reason);
    });
    followersOf.set(parent, all);
    waiting = all;
  }
  return waiting;
}

/** `runGuarded` without a timeout, the body on its parent's signal: the same outcomes, less per call. */
async function runSharingParent<T>(
  body: (guard: Guard) => T | Promise<T>,
  options: GuardOptions,
): Promise<T> {
  const { parent } = options;
  const guard: Guard = { signal: parent ?? NEVER_ABORTED, stop: cannotStop };
  if (!parent) return await body(guard);
  const result = (async () => await body(guard))();
  const tracking = tracked(result);
  let stop!: (reason: unknown) => void;
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  stopped.catch(() => undefined);
  const waiting = followers(parent);
  if (parent.aborted) stop(parent.reason);
  else waiting.add(stop);
  try {
    return await Promise.race([result, stopped]);
  } catch (error) {
    if (!parent.aborted) throw error;
    if (!tracking.settled) giveUp(tracking.done, options);
    throw parent.reason;
  } finally {
    waiting.delete(stop);
  }
}

/** A body's promise as given up on: settled yet, and a promise of when it is (never rejected). */
function tracked(result: Promise<unknown>): { readonly settled: boolean; done: Promise<void> } {
  const state = {
    settled: false,
    done: result.then(
      () => {
        state.settled = true;
      },
      () => {
        state.settled = true;
      },
    ),
  };
  return state;
}

function giveUp(done: Promise<void>, options: GuardOptions): void {
  const { leftovers } = registry();
  registry().givenUp++;
  const body: LeftoverBody = { what: options.what, since: Date.now(), settled: done };
  leftovers.add(body);
  const grace = options.grace ?? graceSeconds();
  const watch = setTimeout(() => {
    if (!leftovers.has(body)) return;
    options.onIgnored?.(
      new IgnoredStopError(`${options.what} was still running ${grace} s after it was told to stop.`),
    );
  }, grace * 1000);
  void done.then(() => {
    clearTimeout(watch);
    leftovers.delete(body);
  });
}

/** A body ignored its signal past the grace period: its flow run ends TimedOut. */
export class IgnoredStopError extends Error {
  override readonly name: string = 'TimedOutError';
}

/**
 * The final state of a flow run whose process still runs code of it after the grace period: FAILED,
 * named TimedOut, naming what would not stop. The agent proposes it once the process has gone.
 */
export function finalWithLeftovers(
  final: StateCreate,
  leftovers: LeftoverBody[],
  grace: number,
): StateCreate {
  const what = leftovers.map((body) => body.what).join(', ');
  const earlier = final.type === 'FAILED' && final.message ? `${final.message} ` : '';
  return {
    type: 'FAILED',
    name: 'TimedOut',
    message: `${earlier}Still running after the grace period (${grace} s): ${what}; the agent ended the flow run's process.`,
  };
}
