// The SDK end to end: cache hits and expiry, results persisted in R2, flow runs that resume after a
// failure or a crash without re-running completed tasks, subflows, and parameters checked by zod.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SDK_URL, startAgent, waitUntil } from './harness.ts';
import { finished, lines, runFlow, type SdkWorld, startWorld, stopWorld, taskRuns } from './sdk-helpers.ts';

const ZOD_URL = pathToFileURL(join(ROOT, 'node_modules/zod/index.js')).href;

const FLOWS = {
  'flows/results.ts': `
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { z } from '${ZOD_URL}';
import { flow, INPUTS, task } from '${SDK_URL}';

const expensive = task((n: number, file: string) => {
  appendFileSync(file, \`\${n}\\n\`);
  return { n, squared: n * n, padding: 'x'.repeat(5_000) };
}, { name: 'expensive', cachePolicy: INPUTS.minus('file'), cacheExpiration: 2 });

export const caching = flow(async ({ n, file }: { n: number; file: string }) => {
  const { squared, padding } = await expensive(n, file);
  return { squared, padding: padding.length };
}, { name: 'caching' });

const small = task((file: string) => {
  appendFileSync(file, 'small\\n');
  return 42;
}, { name: 'small' });
const big = task((size: number, file: string) => {
  appendFileSync(file, 'big\\n');
  return 'y'.repeat(size);
}, { name: 'big', persistResult: true });

/** Runs two tasks, then fails (or hangs, with a pid file) the first time; later attempts finish. */
export const resumable = flow(async ({ file, marker, hang }: { file: string; marker: string; hang: boolean }) => {
  const a = await small(file);
  const b = await big(10_000, file);
  if (!existsSync(marker)) {
    writeFileSync(marker, String(process.pid));
    if (hang) await new Promise((resolve) => setTimeout(resolve, 300_000));
    throw new Error('the first attempt fails after its tasks');
  }
  return { a, length: b.length };
}, { name: 'resumable' });

const increment = task((x: number) => x + 1, { name: 'increment' });
const inner = flow(async ({ x }: { x: number }) => increment(x), {
  name: 'inner-flow',
  parameters: z.object({ x: z.number() }),
});
const failing = flow(async (_: Record<string, never>) => {
  throw new Error('child broke');
}, { name: 'failing-child' });

export const parent = flow(async () => {
  const value = await inner({ x: 1 });
  let error = '';
  try {
    await failing({});
  } catch (caught) {
    error = (caught as Error).message;
  }
  let invalid = '';
  try {
    await inner({ x: 'nope' } as unknown as { x: number });
  } catch (caught) {
    invalid = (caught as Error).name;
  }
  return { value, error, invalid };
}, { name: 'parent' });

export const validated = flow(async ({ count }: { count: number }) => count * 2, {
  name: 'validated',
  parameters: z.object({ count: z.coerce.number().int().min(1) }),
});
`,
};

let world: SdkWorld;
const file = (name: string) => join(world.project.dir, name);

beforeAll(async () => {
  world = await startWorld('e2e-sdk-results', FLOWS, ['--heartbeat-seconds', '1']);
});

afterAll(async () => {
  await stopWorld(world);
});

describe('caching and results', () => {
  it('answers a second call with the same inputs from the cache (COMPLETED named Cached), until it expires', async () => {
    const first = await finished(
      world,
      await runFlow(world, 'flows/results.ts:caching', { n: 3, file: file('c1') }),
    );
    const second = await finished(
      world,
      await runFlow(world, 'flows/results.ts:caching', { n: 3, file: file('c2') }),
    );
    expect(first.state?.data).toEqual({ squared: 9, padding: 5_000 });
    expect(second.state?.data).toEqual({ squared: 9, padding: 5_000 });
    expect(lines(file('c1'))).toEqual(['3']);
    // `file` is left out of the key (INPUTS.minus('file')): the second run's call was a hit.
    expect(lines(file('c2'))).toEqual([]);
    const hit = (await taskRuns(world, second.id)).get('expensive-0')!;
    expect(hit).toMatchObject({ state_type: 'COMPLETED', state_name: 'Cached' });

    const computed = (await taskRuns(world, first.id)).get('expensive-0')!;
    const expiration = computed.state!.state_details.cache_expiration!;
    await sleep(Math.max(0, Date.parse(expiration) - Date.now()) + 200);
    const third = await finished(
      world,
      await runFlow(world, 'flows/results.ts:caching', { n: 3, file: file('c3') }),
    );
    expect(lines(file('c3'))).toEqual(['3']);
    expect((await taskRuns(world, third.id)).get('expensive-0')).toMatchObject({ state_name: 'Completed' });
  });

  it('keeps a large result in R2 behind a ResultRecord the cache hit reads back', async () => {
    const run = await finished(
      world,
      await runFlow(world, 'flows/results.ts:caching', { n: 4, file: file('r1') }),
    );
    const computed = (await taskRuns(world, run.id)).get('expensive-0')!;
    expect(computed.state?.data).toEqual({
      storage_key: `task-runs/${computed.id}`,
      serializer: { type: 'json' },
      expiration: computed.state?.state_details.cache_expiration,
    });
    const stored = await fetch(`${world.server.url}/api/results/task-runs/${computed.id}`, {
      headers: { authorization: 'Bearer edgeflow-dev-key' },
    });
    expect(stored.status).toBe(200);
    expect(await stored.json()).toMatchObject({ n: 4, squared: 16 });
    expect(run.state?.data).toEqual({ squared: 16, padding: 5_000 });
  });
});

describe('resuming a flow run', () => {
  it('a flow retry does not re-run the tasks its first attempt completed', async () => {
    const parameters = { file: file('retry.log'), marker: file('retry.marker'), hang: false };
    const run = await finished(world, await runFlow(world, 'flows/results.ts:resumable', parameters, 1));
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toEqual({ a: 42, length: 10_000 });
    expect(lines(parameters.file)).toEqual(['small', 'big']);
    const names = (await world.server.client.readFlowRunStates(run.id)).map((state) => state.name);
    expect(names).toContain('AwaitingRetry');
    const big = (await taskRuns(world, run.id)).get('big-0')!;
    expect(big.state?.data).toMatchObject({ storage_key: `task-runs/${big.id}` });
  });

  it('a flow run whose agent is killed mid-run resumes on another agent with its completed tasks', async () => {
    const parameters = { file: file('crash.log'), marker: file('crash.pid'), hang: true };
    const created = await runFlow(world, 'flows/results.ts:resumable', parameters, 1);
    await waitUntil(async () => existsSync(parameters.marker), Boolean, 30_000, 'the first attempt to hang');
    // The completed tasks' reports have landed before the process dies.
    await waitUntil(
      () => taskRuns(world, created.id),
      (runs) => ['small-0', 'big-0'].every((name) => runs.get(name)?.state_type === 'COMPLETED'),
      10_000,
      'the first attempt to report its tasks',
    );
    // The agent dies with its flow process; the lease lapses, the run is CRASHED and queued again.
    world.agent.signal('SIGKILL');
    await world.agent.exited;
    await waitUntil(
      () => world.server.client.readFlowRunStates(created.id),
      (states) => states.some((state) => state.type === 'CRASHED'),
      30_000,
      'CRASHED',
    );
    world.agent = await startAgent({ server: world.server, pool: world.pool, cwd: world.project.dir });

    const run = await finished(world, created, 90_000);
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toEqual({ a: 42, length: 10_000 });
    expect(lines(parameters.file)).toEqual(['small', 'big']);
  });
});

describe('subflows and parameters', () => {
  it('runs a flow called inside a flow as a child flow run linked to a task run of its parent', async () => {
    const run = await finished(world, await runFlow(world, 'flows/results.ts:parent'));
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toEqual({ value: 2, error: 'child broke', invalid: 'ParameterValidationError' });

    const runs = await taskRuns(world, run.id);
    const link = runs.get('inner-flow-0')!;
    expect(link.state_type).toBe('COMPLETED');
    const [child] = await world.server.client.filterFlowRuns({
      flow_runs: { parent_task_run_id: { any_: [link.id] } },
    });
    expect(child).toMatchObject({
      state_type: 'COMPLETED',
      parent_task_run_id: link.id,
      parameters: { x: 1 },
    });
    expect(child!.state?.data).toBe(2);
    expect(link.state?.state_details.child_flow_run_id).toBe(child!.id);
    expect((await taskRuns(world, child!.id)).get('increment-0')).toMatchObject({ state_type: 'COMPLETED' });

    const failedLink = runs.get('failing-child-0')!;
    expect(failedLink.state_type).toBe('FAILED');
    const [failedChild] = await world.server.client.filterFlowRuns({
      flow_runs: { parent_task_run_id: { any_: [failedLink.id] } },
    });
    expect(failedChild!.state_type).toBe('FAILED');
  });

  it("checks a flow run's parameters with the flow's zod schema (parsed values reach the function)", async () => {
    const good = await finished(world, await runFlow(world, 'flows/results.ts:validated', { count: '21' }));
    expect(good.state?.data).toBe(42);
    const bad = await finished(world, await runFlow(world, 'flows/results.ts:validated', { count: 0 }));
    expect(bad.state_type).toBe('FAILED');
    expect(bad.state?.message).toContain('ParameterValidationError');
    expect(bad.state?.message).toContain('count');
  });
});
