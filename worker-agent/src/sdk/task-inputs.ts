// A task's arguments as inputs: the futures inside them (what the task waits for and reports as
// `task_inputs`), and the arguments with those futures replaced by their values.
import { type FutureLike, isAllowFailure, isFuture, type TaskRunOutcome } from './futures.ts';

/** A future a task's arguments hold; `allowed` when wrapped in allowFailure. */
export interface Upstream {
  future: FutureLike;
  allowed: boolean;
}

/** How deep arguments are searched for futures (arrays and plain objects only). */
const MAX_INPUT_DEPTH = 3;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Futures (and allowFailure wrappers) inside an argument, for upstream waits and `task_inputs`. */
export function collectUpstream(value: unknown, into: Upstream[], depth = 0): void {
  if (isFuture(value)) into.push({ future: value, allowed: false });
  else if (isAllowFailure(value)) {
    if (isFuture(value.future)) into.push({ future: value.future, allowed: true });
  } else if (depth < MAX_INPUT_DEPTH) {
    if (Array.isArray(value)) for (const item of value) collectUpstream(item, into, depth + 1);
    else if (isPlainObject(value))
      for (const item of Object.values(value)) collectUpstream(item, into, depth + 1);
  }
}

/** Arguments with futures replaced by their values (an allowed failure by its error). */
export async function resolveArgs(value: unknown, depth = 0): Promise<unknown> {
  if (isFuture(value)) {
    const outcome = await value.outcome();
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }
  if (isAllowFailure(value)) {
    const outcome = isFuture(value.future)
      ? await value.future.outcome()
      : await Promise.resolve(value.future).then(
          (resolved): TaskRunOutcome => ({ ok: true, value: resolved }),
          (error: unknown): TaskRunOutcome => ({ ok: false, error }),
        );
    return outcome.ok ? outcome.value : outcome.error;
  }
  if (depth >= MAX_INPUT_DEPTH) return value;
  if (Array.isArray(value)) return Promise.all(value.map((item) => resolveArgs(item, depth + 1)));
  if (isPlainObject(value)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([key, item]) => [key, await resolveArgs(item, depth + 1)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}
