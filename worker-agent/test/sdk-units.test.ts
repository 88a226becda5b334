// The SDK's pure parts: cache keys, parameter names, result encoding, retry delays, mapping, schemas.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { EdgeflowClient } from '../src/client/index.ts';
import { exponentialBackoff, taskRetryDelaySeconds } from '../src/protocol/index.ts';
import { canonicalJson } from '../src/sdk/cache-policies.ts';
import {
  type CacheKeyContext,
  cacheKeyFnPolicy,
  DEFAULT,
  FLOW_PARAMETERS,
  flow,
  INPUTS,
  NONE,
  RUN_ID,
  TASK_SOURCE,
  task,
  unmapped,
} from '../src/sdk/index.ts';
import { INLINE_RESULT_LIMIT, isResultRecord, storeResult } from '../src/sdk/results.ts';
import { parameterNames, TASK_DEFINITION } from '../src/sdk/task.ts';

function context(overrides: Partial<CacheKeyContext> = {}): CacheKeyContext {
  return {
    taskKey: 'add-abc',
    taskSource: '(a, b) => a + b',
    parameters: { a: 1, b: { x: 1, y: 2 } },
    flowParameters: { day: 'monday' },
    flowRunId: 'run-1',
    ...overrides,
  };
}

/** A client the code under test must not touch. */
const noClient = new Proxy({} as EdgeflowClient, {
  get: () => {
    throw new Error('unexpected API call');
  },
});

describe('cache policies', () => {
  it('INPUTS gives equal keys for equal inputs whatever the key order, and different keys otherwise', () => {
    const key = INPUTS.computeKey(context());
    expect(INPUTS.computeKey(context({ parameters: { b: { y: 2, x: 1 }, a: 1 } }))).toBe(key);
    expect(INPUTS.computeKey(context({ parameters: { a: 2, b: { x: 1, y: 2 } } }))).not.toBe(key);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('INPUTS.minus leaves the named parameters out of the key', () => {
    const policy = INPUTS.minus('b');
    expect(policy.computeKey(context({ parameters: { a: 1, b: 'one' } }))).toBe(
      policy.computeKey(context({ parameters: { a: 1, b: 'two' } })),
    );
    expect(
      INPUTS.minus('b')
        .plus(RUN_ID)
        .minus('a')
        .computeKey(context({ parameters: { a: 1 } })),
    ).toBe(INPUTS.plus(RUN_ID).computeKey(context({ parameters: {} })));
  });

  it('composes with plus: the key changes when any part does', () => {
    const policy = INPUTS.plus(TASK_SOURCE);
    const key = policy.computeKey(context());
    expect(policy.computeKey(context({ taskSource: '(a, b) => b + a' }))).not.toBe(key);
    expect(policy.computeKey(context({ flowRunId: 'run-2' }))).toBe(key);
    expect(DEFAULT.computeKey(context({ flowRunId: 'run-2' }))).not.toBe(DEFAULT.computeKey(context()));
  });

  it('FLOW_PARAMETERS and RUN_ID follow the flow run; NONE never caches', () => {
    expect(FLOW_PARAMETERS.computeKey(context({ flowParameters: { day: 'tuesday' } }))).not.toBe(
      FLOW_PARAMETERS.computeKey(context()),
    );
    expect(RUN_ID.computeKey(context())).toBe('run-1');
    expect(NONE.computeKey(context())).toBeNull();
    expect(NONE.plus(RUN_ID).computeKey(context())).not.toBeNull();
  });

  it('cacheKeyFn computes the key from the context and parameters; undefined means no caching', () => {
    const policy = cacheKeyFnPolicy((ctx, parameters) =>
      parameters.a === 1 ? `${ctx.taskKey}:one` : undefined,
    );
    expect(policy.computeKey(context())).toBe('add-abc:one');
    expect(policy.computeKey(context({ parameters: { a: 2 } }))).toBeNull();
  });

  it('canonical JSON sorts keys and keeps Maps, Sets and bigints distinguishable', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    expect(canonicalJson(new Map([['k', 1]]))).not.toBe(canonicalJson(new Set(['k'])));
    expect(canonicalJson(10n)).toBe('"10n"');
  });
});

describe('task definitions', () => {
  it('reads parameter names from the source, arg<i> for destructured ones', () => {
    expect(parameterNames((a: number, b = 2, ...rest: number[]) => a + b + rest.length)).toEqual([
      'a',
      'b',
      'rest',
    ]);
    expect(parameterNames(async (value: string) => value)).toEqual(['value']);
    expect(
      parameterNames(function named(first: string, { x }: { x: number }) {
        return first + x;
      }),
    ).toEqual(['first', 'arg1']);
  });

  it('turns exponentialBackoff into one delay per retry, and a changed source into a new task key', () => {
    const backoff = task(() => 1, { name: 'backoff', retries: 4, retryDelaySeconds: exponentialBackoff(2) });
    expect(backoff[TASK_DEFINITION].retryDelay).toEqual([2, 4, 8, 16]);
    const one = task((x: number) => x + 1, { name: 'same' })[TASK_DEFINITION].taskKey;
    const two = task((x: number) => x + 2, { name: 'same' })[TASK_DEFINITION].taskKey;
    expect(one).toMatch(/^same-[0-9a-f]{12}$/);
    expect(one).not.toBe(two);
  });

  it('runs as a plain function outside a flow run, map and unmapped included', async () => {
    const scale = task((x: number, factor: number) => x * factor);
    expect(await scale(2, 3)).toBe(6);
    expect(await Promise.all(scale.map([1, 2, 3], unmapped(10)))).toEqual([10, 20, 30]);
    expect(() => scale.map([1, 2], [1])).toThrow(/different lengths/);
  });
});

describe('retry delays (shared with the server)', () => {
  it('indexes a delay list by attempt, repeating the last, and jitters only within the clamp', () => {
    const policy = { retry_delay: [1, 5], retry_jitter_factor: null };
    expect([1, 2, 3].map((attempt) => taskRetryDelaySeconds(policy, attempt, Math.random))).toEqual([
      1, 5, 5,
    ]);
    const jittered = taskRetryDelaySeconds({ retry_delay: 10, retry_jitter_factor: 0.5 }, 1, () => 0.999);
    expect(jittered).toBeLessThanOrEqual(15);
    expect(jittered).toBeGreaterThan(0);
  });
});

describe('results', () => {
  it('keeps small values inline and large ones only when persisted', async () => {
    const policy = { persist: undefined, storageKey: 'task-runs/x' };
    expect(await storeResult(noClient, { a: 1 }, policy)).toEqual({ data: { a: 1 }, untrackable: false });
    expect(await storeResult(noClient, undefined, policy)).toEqual({ data: null, untrackable: false });
    const large = 'z'.repeat(INLINE_RESULT_LIMIT + 1);
    expect(await storeResult(noClient, large, policy)).toEqual({ data: null, untrackable: true });
    expect(await storeResult(noClient, 1, { ...policy, persist: false })).toEqual({
      data: null,
      untrackable: true,
    });
    expect(await storeResult(noClient, () => 1, policy)).toEqual({ data: null, untrackable: true });
  });

  it('tells a ResultRecord from an inline value by its exact shape', () => {
    expect(isResultRecord({ storage_key: 'k', serializer: 'json' })).toBe(true);
    expect(isResultRecord({ storage_key: 'k', serializer: 'json', extra: 1 })).toBe(false);
    expect(isResultRecord('k')).toBe(false);
  });
});

describe('flow parameters', () => {
  it("exposes the JSON schema of the flow's zod parameters, as deployments store it", () => {
    const greet = flow(async ({ name }: { name: string; times?: number }) => name, {
      parameters: z.object({ name: z.string(), times: z.number().int().default(1) }),
    });
    expect(greet.parametersSchema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string' }, times: { type: 'integer', default: 1 } },
      required: ['name'],
    });
    expect(flow(async () => 1).parametersSchema).toBeNull();
  });
});
