// Cache policies as Prefect's: a task run's cache key from its inputs, source, flow parameters or run,
// composed with `plus` and narrowed with `minus`; computed in the SDK, looked up by the server.
import { createHash } from 'node:crypto';

export interface CacheKeyContext {
  taskKey: string;
  /** The task function's source text. */
  taskSource: string;
  /** The call's arguments by parameter name. */
  parameters: Record<string, unknown>;
  flowParameters: Record<string, unknown>;
  flowRunId: string;
}

export type CacheKeyFn = (
  context: CacheKeyContext,
  parameters: Record<string, unknown>,
) => string | null | undefined;

/** Hex SHA-256 of a value's canonical JSON (object keys sorted), so equal inputs give equal keys. */
export function hashKey(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return `${item}n`;
    if (item instanceof Map) return { __map__: [...item.entries()] };
    if (item instanceof Set) return { __set__: [...item.values()] };
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
      return sorted;
    }
    return item;
  });
}

export abstract class CachePolicy {
  /** The key for this call, or null for "do not cache". */
  abstract computeKey(context: CacheKeyContext): string | null;

  /** Both policies: the key changes when either part does (Prefect's `+`). */
  plus(other: CachePolicy): CachePolicy {
    return new CompoundPolicy([...policiesOf(this), ...policiesOf(other)]);
  }

  /** The same policy with these parameters left out of the inputs (Prefect's `INPUTS - 'arg'`). */
  minus(..._names: string[]): CachePolicy {
    return this;
  }
}

function policiesOf(policy: CachePolicy): CachePolicy[] {
  return policy instanceof CompoundPolicy ? policy.policies : [policy];
}

class CompoundPolicy extends CachePolicy {
  readonly policies: CachePolicy[];

  constructor(policies: CachePolicy[]) {
    super();
    this.policies = policies;
  }

  computeKey(context: CacheKeyContext): string | null {
    const keys = this.policies.map((policy) => policy.computeKey(context)).filter((key) => key !== null);
    return keys.length === 0 ? null : hashKey(keys);
  }

  override minus(...names: string[]): CachePolicy {
    return new CompoundPolicy(this.policies.map((policy) => policy.minus(...names)));
  }
}

class InputsPolicy extends CachePolicy {
  readonly exclude: readonly string[];

  constructor(exclude: readonly string[] = []) {
    super();
    this.exclude = exclude;
  }

  computeKey(context: CacheKeyContext): string | null {
    const inputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(context.parameters)) {
      if (!this.exclude.includes(name)) inputs[name] = value;
    }
    return hashKey(inputs);
  }

  override minus(...names: string[]): CachePolicy {
    return new InputsPolicy([...this.exclude, ...names]);
  }
}

class TaskSourcePolicy extends CachePolicy {
  computeKey(context: CacheKeyContext): string | null {
    return hashKey(context.taskSource);
  }
}

class FlowParametersPolicy extends CachePolicy {
  computeKey(context: CacheKeyContext): string | null {
    return hashKey(context.flowParameters);
  }
}

class RunIdPolicy extends CachePolicy {
  computeKey(context: CacheKeyContext): string | null {
    return context.flowRunId;
  }
}

class NoCachePolicy extends CachePolicy {
  computeKey(): string | null {
    return null;
  }
}

class CacheKeyFnPolicy extends CachePolicy {
  readonly fn: CacheKeyFn;

  constructor(fn: CacheKeyFn) {
    super();
    this.fn = fn;
  }

  computeKey(context: CacheKeyContext): string | null {
    return this.fn(context, context.parameters) ?? null;
  }
}

/** The call's inputs. */
export const INPUTS: CachePolicy = new InputsPolicy();
/** The task function's source code. */
export const TASK_SOURCE: CachePolicy = new TaskSourcePolicy();
/** The enclosing flow run's parameters. */
export const FLOW_PARAMETERS: CachePolicy = new FlowParametersPolicy();
/** The enclosing flow run's id: a cache that lasts one run (and its retries). */
export const RUN_ID: CachePolicy = new RunIdPolicy();
/** Never cache. */
export const NONE: CachePolicy = new NoCachePolicy();
/** Prefect's default when caching is on: inputs, source and run id. */
export const DEFAULT: CachePolicy = INPUTS.plus(TASK_SOURCE).plus(RUN_ID);

export function cacheKeyFnPolicy(fn: CacheKeyFn): CachePolicy {
  return new CacheKeyFnPolicy(fn);
}
