// runDeployment and subflow lifecycles end to end (docs/sdk.md, "runDeployment"): a deployment's run
// started from a flow, linked to it and awaited for its result; cancelled with its parent; and inline
// subflows taken to CRASHED with a parent whose process died.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRun } from '../../worker-agent/src/protocol/index.ts';
import { SDK_URL, waitUntil } from './harness.ts';
import { finished, lines, runFlow, type SdkWorld, startWorld, stopWorld } from './sdk-helpers.ts';

const POOL = 'e2e-run-deployment';

const FLOWS = {
  'flows/rd.ts': `
import { appendFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { flow, getRunContext, runDeployment } from '${SDK_URL}';

export const child = flow(async ({ x }: { x: number }) => ({ doubled: x * 2 }), { name: 'rd-child' });

export const parent = flow(async ({ x }: { x: number }) => {
  const result = await runDeployment('rd-child/default', { x }, { timeoutSeconds: 120 });
  const started = await runDeployment('rd-child/default', { x: 1 }, { timeoutSeconds: 0, asSubflow: false });
  return { result, startedState: started.state_type };
}, { name: 'rd-parent' });

export const slowChild = flow(async ({ file }: { file: string }) => {
  appendFileSync(file, 'child started\\n');
  try {
    await sleep(600_000, undefined, { signal: getRunContext().signal });
  } catch {
    appendFileSync(file, 'child stopped\\n');
  }
}, { name: 'rd-slow-child' });

export const waitingParent = flow(async ({ file }: { file: string }) => {
  await runDeployment('rd-slow-child/default', { file });
}, { name: 'rd-waiting-parent' });

const inlineHang = flow(async ({ pidFile }: { pidFile: string }) => {
  writeFileSync(pidFile, String(process.pid));
  await sleep(600_000);
}, { name: 'inline-hang' });

export const crashingParent = flow(async ({ pidFile }: { pidFile: string }) => {
  await inlineHang({ pidFile });
}, { name: 'crashing-parent' });
`,
};

let world: SdkWorld | undefined;

beforeAll(async () => {
  world = await startWorld(POOL, FLOWS, ['--heartbeat-seconds', '1']);
  for (const [flow, entrypoint] of [
    ['rd-child', 'flows/rd.ts:child'],
    ['rd-slow-child', 'flows/rd.ts:slowChild'],
  ]) {
    await world.server.client.upsertDeployment({
      name: 'default',
      flow_name: flow!,
      entrypoint: entrypoint!,
      work_pool_name: POOL,
    });
  }
}, 120_000);

afterAll(async () => {
  await stopWorld(world);
});

/** The subflow runs linked to `parent` through its task runs. */
async function childrenOf(parent: FlowRun): Promise<FlowRun[]> {
  const tasks = await world!.server.client.listTaskRuns(parent.id);
  if (tasks.length === 0) return [];
  return world!.server.client.filterFlowRuns({
    flow_runs: { parent_task_run_id: { any_: tasks.map((task) => task.id) } },
  });
}

async function oneChild(parent: FlowRun, describe: string): Promise<FlowRun> {
  const [child] = await waitUntil(
    () => childrenOf(parent),
    (children) => children.length === 1 && children[0]!.state_type === 'RUNNING',
    60_000,
    describe,
  );
  return child!;
}

describe('runDeployment', () => {
  it("runs the deployment on an agent, linked to its parent's graph through a task run, and returns its result", async () => {
    const run = await runFlow(world!, 'flows/rd.ts:parent', { x: 21 });
    const done = await finished(world!, run);
    expect(done.state_type, done.state?.message ?? '').toBe('COMPLETED');
    const { result, startedState } = done.state!.data as { result: unknown; startedState: string };
    expect(result).toEqual({ doubled: 42 });
    // timeoutSeconds 0: back at once, before the run could end (an agent may have claimed it already).
    expect(['SCHEDULED', 'PENDING']).toContain(startedState);
    // Only the first call was a subflow: its task run in the parent follows the child's states.
    const [child] = await childrenOf(run);
    expect(child).toMatchObject({ state_type: 'COMPLETED', deployment_id: expect.any(String) });
    const [link] = await world!.server.client.listTaskRuns(run.id);
    expect(link).toMatchObject({ task_key: 'rd-child/default', id: child!.parent_task_run_id });
    await waitUntil(
      () => world!.server.client.readTaskRun(link!.id),
      (task) => task.state_type === 'COMPLETED',
      30_000,
      'the linked task run to follow its child',
    );
  }, 120_000);

  it('cancelling a parent that waits on runDeployment cancels the run it started as a subflow', async () => {
    const file = join(world!.project.dir, 'slow-child.log');
    const run = await runFlow(world!, 'flows/rd.ts:waitingParent', { file });
    const child = await oneChild(run, 'the deployment run to start');
    await waitUntil(
      async () => lines(file),
      (written) => written.includes('child started'),
      60_000,
      'the child flow to start',
    );
    await world!.server.client.setFlowRunState(run.id, { state: { type: 'CANCELLING', name: 'Cancelling' } });
    expect((await finished(world!, run)).state_type).toBe('CANCELLED');
    expect((await finished(world!, child)).state_type).toBe('CANCELLED');
    // The child's own agent stopped it through its signal.
    expect(lines(file)).toEqual(['child started', 'child stopped']);
  }, 120_000);
});

describe('inline subflows share their parent lifecycle', () => {
  it('a parent whose process dies takes its inline subflow run to CRASHED instead of leaving it RUNNING', async () => {
    const pidFile = join(world!.project.dir, 'crashing-parent.pid');
    const run = await runFlow(world!, 'flows/rd.ts:crashingParent', { pidFile });
    const child = await oneChild(run, 'the inline subflow to start');
    await waitUntil(
      async () => lines(pidFile),
      (written) => written.length === 1,
      30_000,
      'the subflow to write its pid',
    );
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    expect((await finished(world!, run)).state_type).toBe('CRASHED');
    const crashed = await finished(world!, child);
    expect(crashed.state_type).toBe('CRASHED');
    expect(crashed.state?.message).toContain('parent flow run crashed');
  }, 120_000);
});
