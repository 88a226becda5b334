// `flow(fn, options)`: marks a function as a flow the agent can run as a flow run.
import type { FlowRunPolicy } from '../protocol/index.ts';
import { type ServeOptions, withServe } from './serve.ts';

export interface FlowOptions {
  /** The flow's name on the server; defaults to the function's name. */
  name?: string;
  /** Flow retries: how many times a failed run is run again in the same process. */
  retries?: number;
  retryDelaySeconds?: number;
}

/** What the engine needs to run a flow; read through a registered symbol so any SDK copy can run it. */
export interface FlowDefinition<P = never, R = unknown> {
  name: string;
  fn: (parameters: P) => R | Promise<R>;
  /** The policy a flow run created for this flow gets (`POST /api/flow_runs` `empirical_policy`). */
  empiricalPolicy: Pick<FlowRunPolicy, 'retries' | 'retry_delay'>;
}

export const FLOW_DEFINITION = Symbol.for('edgeflow.flow-definition');

export interface Flow<P, R> {
  (parameters: P): Promise<Awaited<R>>;
  readonly [FLOW_DEFINITION]: FlowDefinition<P, R>;
  /** Registers a deployment of this flow and runs its runs in this process until SIGINT/SIGTERM (serve.ts). */
  serve(options: ServeOptions): Promise<void>;
}

/**
 * Declares a flow. Its function takes the run's parameters as one object.
 *
 * Calling the returned function outside a flow run (a script, a test) simply calls `fn`: nothing is
 * reported. A flow run executed by the agent goes through the engine instead, which reports RUNNING,
 * then COMPLETED or FAILED, and honours retries. Inside a run, calling another flow also calls it
 * inline for now; subflow runs come with the SDK issue and hook in here.
 */
export function flow<P, R>(fn: (parameters: P) => R | Promise<R>, options: FlowOptions = {}): Flow<P, R> {
  const definition: FlowDefinition<P, R> = {
    name: options.name ?? (fn.name || 'flow'),
    fn,
    empiricalPolicy: { retries: options.retries ?? 0, retry_delay: options.retryDelaySeconds ?? 0 },
  };
  const callable = async (parameters: P): Promise<Awaited<R>> => await fn(parameters);
  Object.defineProperty(callable, 'name', { value: definition.name });
  return withServe(Object.assign(callable, { [FLOW_DEFINITION]: definition }), definition);
}

/** The flow behind an export: a `flow()` from any SDK copy, or a plain function run as an anonymous flow. */
export function flowDefinitionOf(value: unknown, fallbackName: string): FlowDefinition<unknown> | null {
  if (typeof value !== 'function') return null;
  const marked = (value as unknown as Record<symbol, FlowDefinition<unknown> | undefined>)[FLOW_DEFINITION];
  if (marked) return marked;
  return {
    name: value.name || fallbackName,
    fn: value as (parameters: unknown) => unknown,
    empiricalPolicy: { retries: 0, retry_delay: 0 },
  };
}
