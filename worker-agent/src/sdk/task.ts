// `task(fn, options)`: a function whose calls become task runs when made inside a flow run.
import { createHash } from 'node:crypto';
import type { StateType } from '../protocol/index.ts';
import { type CacheKeyFn, type CachePolicy, cacheKeyFnPolicy } from './cache-policies.ts';
import { currentRun } from './context.ts';
import { type AllowFailure, isUnmapped, TaskRunFuture, type TaskRunState, type Unmapped } from './futures.ts';
import { type ResultOptions, type ResultSettings, resultSettingsOf } from './result-settings.ts';

/** What hooks and retry conditions are told about a task run. */
export interface TaskRunInfo {
  id: string;
  name: string;
  taskKey: string;
  dynamicKey: string;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface TaskHookContext {
  taskRun: TaskRunInfo;
  state: TaskRunState;
  /** The value (onCompletion) or the error (onFailure). */
  result?: unknown;
  error?: unknown;
}

export type TaskHook = (context: TaskHookContext) => void | Promise<void>;
export type RetryCondition = (context: {
  taskRun: TaskRunInfo;
  error: unknown;
}) => boolean | Promise<boolean>;

export interface TaskOptions extends ResultOptions {
  /** The task's name; defaults to the function's name. Part of its task key. */
  name?: string;
  tags?: string[];
  retries?: number;
  /** Seconds before each retry: one delay, one per retry (the last repeats), or `exponentialBackoff(f)`. */
  retryDelaySeconds?: number | number[] | ((retries: number) => number[]);
  /** Spreads each delay randomly up to `delay · (1 + factor)` (Prefect's clamped Poisson interval). */
  retryJitterFactor?: number;
  /** Says whether a failure is worth a retry; a thrown `NonRetriableError` never is. */
  retryCondition?: RetryCondition;
  timeoutSeconds?: number;
  cachePolicy?: CachePolicy;
  /** A cache key computed by you; null or undefined means "do not cache this call". */
  cacheKeyFn?: CacheKeyFn;
  /** How long a cached result stays valid, in seconds; forever when absent. */
  cacheExpiration?: number;
  /** Run and overwrite the cache entry even on a hit. */
  refreshCache?: boolean;
  /**
   * true keeps every result (large ones in R2); false keeps none; default: small results inline, or
   * every result once resultSerializer, resultStorage or resultStorageKey is set.
   */
  persistResult?: boolean;
  /** Console output inside the task becomes its logs (defaults to the flow's setting). */
  logPrints?: boolean;
  onCompletion?: TaskHook | TaskHook[];
  onFailure?: TaskHook | TaskHook[];
}

/** What the engine reads off a task, through a registered symbol so any SDK copy can run it. */
export interface TaskDefinition {
  name: string;
  /** Prefect's task key: name plus a hash of the source, so an edited task is a new one. */
  taskKey: string;
  source: string;
  fn: (...args: unknown[]) => unknown;
  parameterNames: string[];
  tags: string[];
  retries: number;
  retryDelay: number | number[];
  retryJitterFactor: number | null;
  retryCondition?: RetryCondition;
  timeoutSeconds?: number;
  cachePolicy?: CachePolicy;
  cacheExpiration?: number;
  refreshCache: boolean;
  persistResult?: boolean;
  /** Serializer, storage and key template, as declared (result-settings.ts). */
  results?: ResultSettings;
  logPrints?: boolean;
  onCompletion: TaskHook[];
  onFailure: TaskHook[];
}

export const TASK_DEFINITION = Symbol.for('edgeflow.task-definition');

/** An argument a task accepts: the value, a future of it, or an upstream allowed to fail. */
export type TaskArg<T> = T | PromiseLike<T> | AllowFailure<T>;
export type TaskArgs<A extends unknown[]> = { [K in keyof A]: TaskArg<A[K]> };
export type MapArgs<A extends unknown[]> = {
  [K in keyof A]: Iterable<TaskArg<A[K]>> | Unmapped<TaskArg<A[K]>>;
};

export interface RunOptions {
  /** Futures this run waits for before starting, without taking their values. */
  waitFor?: unknown[];
}

export interface Task<A extends unknown[], R> {
  /** Runs the task (a task run inside a flow run) and returns its value. */
  (...args: TaskArgs<A>): Promise<Awaited<R>>;
  /** Starts a task run and returns its future at once. */
  submit(...args: TaskArgs<A>): TaskRunFuture<Awaited<R>>;
  /** One task run per element; `unmapped(x)` arguments go whole to each. */
  map(...args: MapArgs<A>): TaskRunFuture<Awaited<R>>[];
  /** The same task with some options changed, or with `waitFor` set for its next calls. */
  withOptions(options: TaskOptions & RunOptions): Task<A, R>;
  readonly [TASK_DEFINITION]: TaskDefinition;
}

/** Parameter names from a function's source (`arg0`… for destructured ones), for inputs and cache keys. */
export function parameterNames(fn: (...args: never[]) => unknown): string[] {
  const source = fn.toString();
  const arrow = /^(?:async\s*)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrow) return [arrow[1]!];
  const open = source.indexOf('(');
  if (open < 0) return [];
  let depth = 0;
  let current = '';
  const parts: string[] = [];
  for (let index = open + 1; index < source.length; index++) {
    const char = source[index]!;
    if ('([{'.includes(char)) depth++;
    if (')]}'.includes(char)) {
      if (depth === 0) break;
      depth--;
    }
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  if (current.trim()) parts.push(current);
  return parts.map((part, index) => {
    const name = /^\s*(?:\.\.\.)?([A-Za-z_$][\w$]*)\s*(?:=|$)/.exec(part);
    return name ? name[1]! : `arg${index}`;
  });
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function definitionOf(fn: (...args: never[]) => unknown, options: TaskOptions): TaskDefinition {
  const name = options.name ?? (fn.name || 'task');
  const source = fn.toString();
  const retries = options.retries ?? 0;
  const delays = options.retryDelaySeconds ?? 0;
  const cachePolicy = options.cacheKeyFn ? cacheKeyFnPolicy(options.cacheKeyFn) : options.cachePolicy;
  return {
    name,
    taskKey: `${name}-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`,
    source,
    fn: fn as (...args: unknown[]) => unknown,
    parameterNames: parameterNames(fn),
    tags: options.tags ?? [],
    retries,
    retryDelay: typeof delays === 'function' ? delays(retries) : delays,
    retryJitterFactor: options.retryJitterFactor ?? null,
    retryCondition: options.retryCondition,
    timeoutSeconds: options.timeoutSeconds,
    cachePolicy,
    cacheExpiration: options.cacheExpiration,
    refreshCache: options.refreshCache ?? false,
    persistResult: options.persistResult,
    results: resultSettingsOf(options, `task ${name}`),
    logPrints: options.logPrints,
    onCompletion: list(options.onCompletion),
    onFailure: list(options.onFailure),
  };
}

const COMPLETED: StateType = 'COMPLETED';

/** Outside any flow run a task is a plain function: called at once, nothing reported. */
function callDirectly(definition: TaskDefinition, args: unknown[]): TaskRunFuture<never> {
  const outcome = (async () => {
    try {
      const values = await Promise.all(args);
      return { ok: true as const, value: await definition.fn(...values) };
    } catch (error) {
      return { ok: false as const, error };
    }
  })();
  return new TaskRunFuture('', definition.name, outcome, {
    type: COMPLETED,
    name: 'Completed',
    message: null,
  });
}

function submit(definition: TaskDefinition, args: unknown[], waitFor: unknown[]): TaskRunFuture<never> {
  const runner = currentRun()?.taskRunner;
  if (!runner) return callDirectly(definition, args);
  return runner.submit(definition, args, waitFor) as TaskRunFuture<never>;
}

/** Zips mapped arguments (every iterable the same length) and repeats unmapped ones. */
function mappedCalls(args: unknown[]): unknown[][] {
  const columns = args.map((arg) => (isUnmapped(arg) ? null : [...(arg as Iterable<unknown>)]));
  const lengths = new Set(columns.filter((column) => column !== null).map((column) => column.length));
  if (lengths.size > 1) throw new TypeError('task.map: the mapped arguments have different lengths');
  const count = lengths.size === 0 ? 1 : [...lengths][0]!;
  return Array.from({ length: count }, (_, row) =>
    args.map((arg, index) => (isUnmapped(arg) ? arg.value : columns[index]![row])),
  );
}

function build<A extends unknown[], R>(definition: TaskDefinition, waitFor: unknown[]): Task<A, R> {
  const call = (...args: unknown[]) => submit(definition, args, waitFor).result();
  return Object.assign(call, {
    submit: (...args: unknown[]) => submit(definition, args, waitFor),
    map: (...args: unknown[]) => mappedCalls(args).map((row) => submit(definition, row, waitFor)),
    withOptions: (options: TaskOptions & RunOptions) => {
      const { waitFor: nextWaitFor, ...changes } = options;
      const changed = Object.keys(changes).length === 0 ? definition : withChanges(definition, changes);
      return build<A, R>(changed, nextWaitFor ?? waitFor);
    },
    [TASK_DEFINITION]: definition,
  }) as unknown as Task<A, R>;
}

function withChanges(definition: TaskDefinition, changes: TaskOptions): TaskDefinition {
  const next = definitionOf(definition.fn, {
    name: definition.name,
    tags: definition.tags,
    retries: definition.retries,
    retryDelaySeconds: definition.retryDelay,
    retryJitterFactor: definition.retryJitterFactor ?? undefined,
    retryCondition: definition.retryCondition,
    timeoutSeconds: definition.timeoutSeconds,
    cachePolicy: definition.cachePolicy,
    cacheExpiration: definition.cacheExpiration,
    refreshCache: definition.refreshCache,
    persistResult: definition.persistResult,
    logPrints: definition.logPrints,
    onCompletion: definition.onCompletion,
    onFailure: definition.onFailure,
    ...changes,
  });
  const results = { ...definition.results, ...next.results };
  return { ...next, results, parameterNames: definition.parameterNames, source: definition.source };
}

/**
 * Declares a task. Inside a flow run each call is a task run, reported to the server in batches;
 * outside one it is a plain call.
 */
export function task<A extends unknown[], R>(fn: (...args: A) => R, options: TaskOptions = {}): Task<A, R> {
  return build<A, R>(definitionOf(fn as (...args: never[]) => unknown, options), []);
}
