// Futures of submitted task runs, and the argument wrappers `unmapped` and `allowFailure`. Each is
// recognised by a registered symbol, so futures made by one SDK copy work with another's tasks.
import type { StateType } from '../protocol/index.ts';

/** A task run's state as the SDK last set or adopted it. */
export interface TaskRunState {
  type: StateType;
  name: string;
  message: string | null;
}

const FUTURE = Symbol.for('edgeflow.future');
const UNMAPPED = Symbol.for('edgeflow.unmapped');
const ALLOW_FAILURE = Symbol.for('edgeflow.allow-failure');

/** How a task run ended in this process: its value, or the error its caller sees. */
export type TaskRunOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * A submitted task run. `await future` (or `.result()`) gives its value or throws its error; `.wait()`
 * resolves with its final state and never throws; `.state` is its state now.
 */
export class TaskRunFuture<T = unknown> implements PromiseLike<T> {
  readonly [FUTURE] = true;
  readonly taskRunId: string;
  readonly name: string;
  #state: TaskRunState;
  readonly #outcome: Promise<TaskRunOutcome>;

  constructor(taskRunId: string, name: string, outcome: Promise<TaskRunOutcome>, state: TaskRunState) {
    this.taskRunId = taskRunId;
    this.name = name;
    this.#outcome = outcome;
    this.#state = state;
  }

  get state(): TaskRunState {
    return this.#state;
  }

  /** Called by the engine as the run moves. */
  setState(state: TaskRunState): void {
    this.#state = state;
  }

  /** Resolves with the final state once the run is done; never throws. */
  async wait(): Promise<TaskRunState> {
    await this.#outcome;
    return this.#state;
  }

  /** The outcome, for the engine's upstream checks. */
  outcome(): Promise<TaskRunOutcome> {
    return this.#outcome;
  }

  async result(): Promise<T> {
    const outcome = await this.#outcome;
    if (!outcome.ok) throw outcome.error;
    return outcome.value as T;
  }

  // biome-ignore lint/suspicious/noThenProperty: a future is awaitable by design, as a Prefect user expects.
  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result().then(onFulfilled, onRejected);
  }
}

export interface FutureLike {
  taskRunId: string;
  state: TaskRunState;
  wait(): Promise<TaskRunState>;
  outcome(): Promise<TaskRunOutcome>;
}

export function isFuture(value: unknown): value is FutureLike {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FUTURE] === true;
}

/** An argument `task.map` passes whole to every run instead of iterating it. */
export interface Unmapped<T> {
  readonly [UNMAPPED]: true;
  readonly value: T;
}

export function unmapped<T>(value: T): Unmapped<T> {
  return { [UNMAPPED]: true, value };
}

export function isUnmapped(value: unknown): value is Unmapped<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[UNMAPPED] === true;
}

/** Lets a task run even if this upstream future failed; it then receives the upstream's error. */
export interface AllowFailure<T> {
  readonly [ALLOW_FAILURE]: true;
  readonly future: PromiseLike<T>;
}

export function allowFailure<T>(future: PromiseLike<T>): AllowFailure<T> {
  return { [ALLOW_FAILURE]: true, future };
}

export function isAllowFailure(value: unknown): value is AllowFailure<unknown> {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ALLOW_FAILURE] === true
  );
}
