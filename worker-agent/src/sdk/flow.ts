// `flow(fn, options)`: marks a function as a flow the agent can run as a flow run; inside a run,
// calling a flow makes a subflow run linked to the caller.
import { z } from 'zod';
import type { FlowRun, FlowRunPolicy, State } from '../protocol/index.ts';
import { currentRun } from './context.ts';
import { ParameterValidationError } from './errors.ts';
import { type ResultOptions, type ResultSettings, resultSettingsOf } from './result-settings.ts';

/** What flow hooks are told about the run that ended. */
export interface FlowHookContext {
  flowRun: FlowRun;
  state: State;
  /** The value (onCompletion) or the error (onFailure). */
  result?: unknown;
  error?: unknown;
}

export type FlowHook = (context: FlowHookContext) => void | Promise<void>;

/** Any schema with zod's `safeParse` (the user's own zod copy works too). */
export interface ParametersSchema<P> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: P }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

export interface FlowOptions<P = unknown> extends ResultOptions {
  /** The flow's name on the server; defaults to the function's name. */
  name?: string;
  /** Flow retries: how many times a failed run is run again in the same process. */
  retries?: number;
  retryDelaySeconds?: number;
  timeoutSeconds?: number;
  /** Validates (and parses: defaults, coercions) the run's parameters before the function runs. */
  parameters?: ParametersSchema<P>;
  /** Console output in the flow and its tasks becomes run logs. */
  logPrints?: boolean;
  /** true (default): large results go to R2; false: the result is not stored. */
  persistResult?: boolean;
  onCompletion?: FlowHook | FlowHook[];
  onFailure?: FlowHook | FlowHook[];
}

/** What the engine needs to run a flow; read through a registered symbol so any SDK copy can run it. */
export interface FlowDefinition<P = never, R = unknown> {
  name: string;
  fn: (parameters: P) => R | Promise<R>;
  /** The policy a flow run created for this flow gets (`POST /api/flow_runs` `empirical_policy`). */
  empiricalPolicy: Pick<FlowRunPolicy, 'retries' | 'retry_delay'>;
  /**
   * The full definition, when this one stands in for a flow still being imported (the agent starts
   * RUNNING while the user's module loads); the engine awaits it before calling `fn`.
   */
  load?: () => Promise<FlowDefinition<P, R>>;
  /** Typed loosely on purpose: `P` stays in input position only, so definitions convert freely. */
  parameters?: ParametersSchema<unknown>;
  timeoutSeconds?: number;
  logPrints?: boolean;
  persistResult?: boolean;
  /** Serializer, storage and key template; the flow's tasks inherit the first two. */
  results?: ResultSettings;
  onCompletion?: FlowHook[];
  onFailure?: FlowHook[];
}

export const FLOW_DEFINITION = Symbol.for('edgeflow.flow-definition');

export interface Flow<P, R> {
  (parameters: P): Promise<Awaited<R>>;
  readonly [FLOW_DEFINITION]: FlowDefinition<P, R>;
  /** JSON Schema of the parameters (from the zod schema), as deployments store it; null without one. */
  readonly parametersSchema: Record<string, unknown> | null;
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * Declares a flow. Its function takes the run's parameters as one object.
 *
 * Calling the returned function outside a flow run (a script, a test) simply calls `fn`: nothing is
 * reported. A flow run executed by the agent goes through the engine instead, which reports RUNNING,
 * then COMPLETED or FAILED, and honours retries. Inside a run, calling a flow runs it as a subflow:
 * a child flow run, linked to a task run of its parent, executed inline.
 */
export function flow<P, R>(fn: (parameters: P) => R | Promise<R>, options: FlowOptions<P> = {}): Flow<P, R> {
  const definition: FlowDefinition<P, R> = {
    name: options.name ?? (fn.name || 'flow'),
    fn,
    empiricalPolicy: { retries: options.retries ?? 0, retry_delay: options.retryDelaySeconds ?? 0 },
    parameters: options.parameters,
    timeoutSeconds: options.timeoutSeconds,
    logPrints: options.logPrints,
    persistResult: options.persistResult,
    results: resultSettingsOf(options, `flow ${options.name ?? (fn.name || 'flow')}`),
    onCompletion: list(options.onCompletion),
    onFailure: list(options.onFailure),
  };
  const callable = async (parameters: P): Promise<Awaited<R>> => {
    const runner = currentRun()?.taskRunner;
    if (runner) return (await runner.runSubflow(definition, parameters)) as Awaited<R>;
    return await fn(parameters);
  };
  Object.defineProperty(callable, 'name', { value: definition.name });
  let jsonSchema: Record<string, unknown> | null | undefined;
  Object.defineProperty(callable, 'parametersSchema', {
    get: () => {
      jsonSchema ??= options.parameters ? parametersJsonSchema(options.parameters) : null;
      return jsonSchema;
    },
  });
  return Object.assign(callable, { [FLOW_DEFINITION]: definition }) as unknown as Flow<P, R>;
}

/** zod 4's JSON Schema of a parameters schema, for deployments' `parameter_openapi_schema`. */
export function parametersJsonSchema(schema: unknown): Record<string, unknown> {
  const { $schema: _, ...jsonSchema } = z.toJSONSchema(schema as z.ZodType, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return jsonSchema;
}

/** The run's parameters through the flow's schema; throws the schema's complaints as one message. */
export function validateParameters<P>(definition: FlowDefinition<P>, parameters: unknown): P {
  if (!definition.parameters) return parameters as P;
  const parsed = definition.parameters.safeParse(parameters);
  if (parsed.success) return parsed.data as P;
  const issues = parsed.error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(parameters)'}: ${issue.message}`)
    .join('; ');
  throw new ParameterValidationError(`Invalid parameters for flow ${definition.name}: ${issues}`);
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
