// Timeouts and cancellation end to end (docs/sdk.md, "Timeouts and cancellation"): a task that ignores
// its timeout ends its flow run TimedOut with no code of it running afterwards, a flow's timeout does
// not wait for a hung task, and a cancelled run's signal aborts in its process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, SDK_URL, waitUntil } from './harness.ts';
import { finished, lines, runFlow, type SdkWorld, startWorld, stopWorld, taskRuns } from './sdk-helpers.ts';

const FLOWS = {
  'flows/timeouts.ts': `
import { appendFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { flow, task } from '${SDK_URL}';

/** Ignores its signal: a plain timer, then a write, long after its timeout. */
const stubborn = task(async (file: string) => {
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  appendFileSync(file, 'stubborn task ran after its timeout\\n');
}, { name: 'stubborn', timeoutSeconds: 1 });

export const hangingTask = flow(async ({ file, pidFile }: { file: string; pidFile: string }) => {
  writeFileSync(pidFile, String(process.pid));
  try {
    await stubborn(file);
  } catch {
    // The flow carries on after its task's timeout, ignoring its own signal too.
  }
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  appendFileSync(file, 'flow went on\\n');
  return 'done';
}, { name: 'hanging-task' });

export const retriedHang = flow(async ({ file }: { file: string }) => {
  appendFileSync(file, String(process.pid) + '\\n');
  await stubborn(file + '.late');
}, { name: 'retried-hang', retries: 1 });

/** Hangs with no timeout of its own. */
const hung = task(async (file: string) => {
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  appendFileSync(file, 'hung task woke up\\n');
}, { name: 'hung' });

export const flowTimeout = flow(async ({ file, pidFile }: { file: string; pidFile: string }) => {
  writeFileSync(pidFile, String(process.pid));
  await hung(file);
  return 'never';
}, { name: 'flow-timeout', timeoutSeconds: 1 });

`,
  'flows/cancel.ts': `
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { flow, getRunContext, task } from '${SDK_URL}';

/** Waits on its signal, as a fetch given the signal would. */
const waiting = task(async (file: string) => {
  const { signal } = getRunContext();
  appendFileSync(file, 'waiting\\n');
  try {
    await sleep(600_000, undefined, { signal });
  } catch {
    appendFileSync(file, 'stopped: ' + signal.reason.name + '\\n');
    throw signal.reason;
  }
}, { name: 'waiting' });

export const cancellable = flow(async ({ file }: { file: string }) => {
  await waiting(file);
}, { name: 'cancellable' });
`,
};

let world: SdkWorld | undefined;

beforeAll(async () => {
  world = await startWorld('e2e-timeouts', FLOWS, ['--heartbeat-seconds', '1'], {
    EDGEFLOW_TIMEOUT_GRACE_SECONDS: '1',
  });
}, 120_000);

afterAll(async () => {
  await stopWorld(world);
});

/** Waits until the flow-run process that wrote `pidFile` has exited: no code of its run can run after. */
async function processGone(pidFile: string): Promise<void> {
  const pid = Number(readFileSync(pidFile, 'utf8'));
  await waitUntil(
    async () => isAlive(pid),
    (alive) => !alive,
    30_000,
    `flow-run process ${pid} to exit`,
  );
}

describe('timeouts that stop the work', () => {
  it('ends the flow run TimedOut when a task ignores its signal past the grace period, and runs none of its code afterwards', async () => {
    const file = join(world!.project.dir, 'hanging-task.log');
    const pidFile = join(world!.project.dir, 'hanging-task.pid');
    const run = await runFlow(world!, 'flows/timeouts.ts:hangingTask', { file, pidFile });
    const done = await finished(world!, run);
    expect(done, done.state?.message ?? '').toMatchObject({ state_type: 'FAILED', state_name: 'TimedOut' });
    expect(done.state?.message).toMatch(/Still running after the grace period \(1 s\): Task run stubborn-0/);
    const stubborn = (await taskRuns(world!, run.id)).get('stubborn-0');
    expect(stubborn).toMatchObject({ state_type: 'FAILED', state_name: 'TimedOut' });
    await processGone(pidFile);
    // Neither the task's late write nor the flow's carrying on happened, before the end or after.
    expect(lines(file)).toEqual([]);
  }, 90_000);

  it('ends a flow run TimedOut at its own timeout without waiting for a hung task that has no timeout', async () => {
    const file = join(world!.project.dir, 'flow-timeout.log');
    const pidFile = join(world!.project.dir, 'flow-timeout.pid');
    const run = await runFlow(world!, 'flows/timeouts.ts:flowTimeout', { file, pidFile });
    const done = await finished(world!, run);
    expect(done, done.state?.message ?? '').toMatchObject({ state_type: 'FAILED', state_name: 'TimedOut' });
    expect(done.state?.message).toContain('exceeded its timeout of 1 s');
    const hung = (await taskRuns(world!, run.id)).get('hung-0');
    expect(hung).toMatchObject({ state_type: 'FAILED', state_name: 'TimedOut' });
    await processGone(pidFile);
    expect(lines(file)).toEqual([]);
  }, 90_000);

  it('retries a flow run whose process was ended for a stubborn task in a new process, then ends it TimedOut', async () => {
    const file = join(world!.project.dir, 'retried-hang.log');
    const run = await runFlow(world!, 'flows/timeouts.ts:retriedHang', { file }, 1);
    const done = await finished(world!, run);
    expect(done, done.state?.message ?? '').toMatchObject({ state_type: 'FAILED', state_name: 'TimedOut' });
    expect(done.run_count).toBe(2);
    const names = (await world!.server.client.readFlowRunStates(run.id)).map((state) => state.name);
    // Straight from AwaitingRetry to the second attempt: not left for its lease to lapse into a crash.
    expect(names).toContain('AwaitingRetry');
    expect(names).not.toContain('Crashed');
    const pids = lines(file);
    expect(pids).toHaveLength(2);
    expect(new Set(pids).size).toBe(2);
  }, 90_000);

  it("aborts a cancelled run's signal in its process, so code waiting on it stops", async () => {
    const file = join(world!.project.dir, 'cancellable.log');
    const run = await runFlow(world!, 'flows/cancel.ts:cancellable', { file });
    await waitUntil(
      async () => lines(file),
      (written) => written.includes('waiting'),
      30_000,
      'the task to wait on its signal',
    );
    await world!.server.client.setFlowRunState(run.id, { state: { type: 'CANCELLING', name: 'Cancelling' } });
    const done = await finished(world!, run);
    expect(done.state_type).toBe('CANCELLED');
    expect(lines(file)).toEqual(['waiting', 'stopped: FlowRunCancelledError']);
  }, 90_000);
});
