// Tasks end to end: tasks run by the real agent against the real server — retries with delays,
// retry refusals, timeouts, map with unmapped, futures and waitFor, upstream failure, logs.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRun } from '../../worker-agent/src/protocol/index.ts';
import { SDK_URL } from './harness.ts';
import {
  finished,
  lines,
  runFlow,
  type SdkWorld,
  startWorld,
  stateNames,
  stopWorld,
  taskRuns,
} from './sdk-helpers.ts';

const FLOWS = {
  'flows/tasks.ts': `
import { appendFileSync } from 'node:fs';
import { allowFailure, flow, getRunLogger, NonRetriableError, task, unmapped } from '${SDK_URL}';

let flakyCalls = 0;
const flaky = task((failures: number) => {
  flakyCalls++;
  if (flakyCalls <= failures) throw new Error(\`attempt \${flakyCalls} fails\`);
  return flakyCalls;
}, { name: 'flaky', retries: 3, retryDelaySeconds: [0.2, 0.4] });
const fatal = task(() => {
  throw new NonRetriableError('no point retrying');
}, { name: 'fatal', retries: 3 });
const refused = task(() => {
  throw new TypeError('bad input');
}, { name: 'refused', retries: 3, retryCondition: ({ error }) => !(error instanceof TypeError) });
const slow = task(async () => {
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  return 'late';
}, { name: 'slow', timeoutSeconds: 0.3 });

export const retrying = flow(async () => {
  const value = await flaky(2);
  const outcomes: string[] = [];
  for (const run of [fatal, refused, slow]) {
    try {
      await run();
      outcomes.push('ok');
    } catch (error) {
      outcomes.push((error as Error).name);
    }
  }
  return { value, outcomes };
}, { name: 'retrying' });

const double = task((x: number, factor: number) => x * factor, { name: 'double' });
const record = task((label: string, file: string) => {
  appendFileSync(file, label + '\\n');
  return label;
}, { name: 'record' });
const boom = task((): number => {
  throw new Error('upstream broke');
}, { name: 'boom' });
const after = task((value: number) => \`got \${value}\`, { name: 'after' });
const tolerant = task((value: unknown) => (value instanceof Error ? \`tolerated \${value.message}\` : 'no error'), {
  name: 'tolerant',
});

export const fanout = flow(async ({ file }: { file: string }) => {
  const doubled = await Promise.all(double.map([1, 2, 3], unmapped(10)));
  const first = record.submit('first', file);
  const second = record.withOptions({ waitFor: [first] }).submit('second', file);
  await second;
  const states = [first.state.type, (await second.wait()).type];
  const broken = boom.submit();
  const blocked = after.submit(broken);
  const blockedState = await blocked.wait();
  let blockedError = '';
  try {
    await blocked;
  } catch (error) {
    blockedError = (error as Error).name;
  }
  const tolerated = await tolerant(allowFailure(broken));
  return { doubled, states, blockedState, blockedError, tolerated };
}, { name: 'fanout' });

const chatty = task((n: number) => {
  getRunLogger().info(\`task says \${n}\`);
  console.log(\`printed \${n}\`);
  return n;
}, { name: 'chatty' });

export const logging = flow(async () => {
  await chatty(1);
  console.log('flow print');
  return 'ok';
}, { name: 'logging', logPrints: true });
`,
};

let world: SdkWorld;
/** Each flow runs once; its tests read the same run. */
const runs = new Map<string, Promise<FlowRun>>();
function ranOnce(entrypoint: string, parameters: Record<string, unknown> = {}): Promise<FlowRun> {
  if (!runs.has(entrypoint))
    runs.set(
      entrypoint,
      runFlow(world, entrypoint, parameters).then((run) => finished(world, run)),
    );
  return runs.get(entrypoint)!;
}

beforeAll(async () => {
  world = await startWorld('e2e-sdk-tasks', FLOWS);
  // Start every flow at once (the agent runs several in parallel); each test awaits its own.
  for (const entrypoint of ['flows/tasks.ts:retrying', 'flows/tasks.ts:logging'])
    void ranOnce(entrypoint).catch(() => undefined);
  void ranOnce('flows/tasks.ts:fanout', { file: join(world.project.dir, 'fanout.txt') }).catch(
    () => undefined,
  );
});

afterAll(async () => {
  await stopWorld(world);
});

describe('tasks run by the agent', () => {
  it('retries a failing task after its delays, then completes', async () => {
    const run = await ranOnce('flows/tasks.ts:retrying');
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toMatchObject({ value: 3 });

    const flaky = (await taskRuns(world, run.id)).get('flaky-0')!;
    expect(flaky).toMatchObject({ state_type: 'COMPLETED', run_count: 3 });
    expect(flaky.empirical_policy).toMatchObject({ retries: 3, retry_delay: [0.2, 0.4] });
    const states = await world.server.client.readTaskRunStates(flaky.id);
    expect(states.map((state) => state.name)).toEqual([
      'Pending',
      'Running',
      'AwaitingRetry',
      'Retrying',
      'AwaitingRetry',
      'Retrying',
      'Completed',
    ]);
    // Each retry started no earlier than the time its AwaitingRetry state named.
    states.forEach((state, index) => {
      if (state.name !== 'AwaitingRetry') return;
      const retry = states[index + 1]!;
      expect(Date.parse(retry.timestamp)).toBeGreaterThanOrEqual(
        Date.parse(state.state_details.scheduled_time!),
      );
    });
  });

  it('does not retry a NonRetriableError or a failure the retryCondition refuses', async () => {
    const run = await ranOnce('flows/tasks.ts:retrying');
    expect(run.state?.data).toMatchObject({ outcomes: ['NonRetriableError', 'TypeError', 'TimedOutError'] });
    const runs = await taskRuns(world, run.id);
    for (const name of ['fatal-0', 'refused-0']) {
      const failed = runs.get(name)!;
      expect(failed).toMatchObject({ state_type: 'FAILED', state_name: 'Failed', run_count: 1 });
      expect(failed.state?.state_details.retriable).toBe(false);
      expect(await stateNames(world, failed.id)).toEqual(['Pending', 'Running', 'Failed']);
    }
    expect(runs.get('refused-0')!.state?.message).toContain('TypeError: bad input');
  });

  it('fails a task that outlives its timeout as TimedOut', async () => {
    const run = await ranOnce('flows/tasks.ts:retrying');
    const slow = (await taskRuns(world, run.id)).get('slow-0')!;
    expect(slow).toMatchObject({ state_type: 'FAILED', state_name: 'TimedOut' });
    expect(slow.state?.message).toContain('timeout');
  });

  it('maps over a list with an unmapped argument', async () => {
    const run = await ranOnce('flows/tasks.ts:fanout', { file: join(world.project.dir, 'fanout.txt') });
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toMatchObject({ doubled: [10, 20, 30] });
    const runs = await taskRuns(world, run.id);
    expect(['double-0', 'double-1', 'double-2'].map((name) => runs.get(name)?.state?.data)).toEqual([
      10, 20, 30,
    ]);
  });

  it('starts a task with waitFor only after the futures it waits for complete', async () => {
    const file = join(world.project.dir, 'fanout.txt');
    const run = await ranOnce('flows/tasks.ts:fanout', { file });
    expect(lines(file)).toEqual(['first', 'second']);
    expect(run.state?.data).toMatchObject({ states: ['COMPLETED', 'COMPLETED'] });
    const runs = await taskRuns(world, run.id);
    expect(runs.get('record-1')!.task_inputs.wait_for).toEqual([
      { input_type: 'task_run', id: runs.get('record-0')!.id },
    ]);
  });

  it('leaves a task whose upstream failed PENDING NotReady, unless allowFailure lets it run', async () => {
    const run = await ranOnce('flows/tasks.ts:fanout', { file: join(world.project.dir, 'fanout.txt') });
    expect(run.state_type).toBe('COMPLETED');
    expect(run.state?.data).toMatchObject({
      blockedState: { type: 'PENDING', name: 'NotReady' },
      blockedError: 'UpstreamFailedError',
      tolerated: 'tolerated upstream broke',
    });
    const runs = await taskRuns(world, run.id);
    const boom = runs.get('boom-0')!;
    expect(boom.state_type).toBe('FAILED');
    expect(runs.get('after-0')).toMatchObject({
      state_type: 'PENDING',
      state_name: 'NotReady',
      run_count: 0,
    });
    expect(runs.get('after-0')!.task_inputs.value).toEqual([{ input_type: 'task_run', id: boom.id }]);
    expect(runs.get('tolerant-0')!.state_type).toBe('COMPLETED');
  });

  it('ships getRunLogger records and prints (logPrints) with their task run ids', async () => {
    const run = await ranOnce('flows/tasks.ts:logging');
    const chatty = (await taskRuns(world, run.id)).get('chatty-0')!;
    const logs = await world.server.client.filterLogs({ logs: { flow_run_id: { any_: [run.id] } } });
    const byMessage = new Map(logs.map((log) => [log.message, log]));
    expect(byMessage.get('task says 1')).toMatchObject({ task_run_id: chatty.id, level: 20 });
    expect(byMessage.get('printed 1')).toMatchObject({ task_run_id: chatty.id, name: 'edgeflow.task_runs' });
    expect(byMessage.get('flow print')).toMatchObject({ task_run_id: null, name: 'edgeflow.flow_runs' });
  });
});
