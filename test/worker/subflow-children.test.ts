// Subflow runs follow their parent's end: a parent crashed by lease expiry takes its inline children
// (and theirs) to CRASHED, a cancelled parent cancels every child, and a child run through a
// deployment outlives its parent's crash (docs/orchestration.md, "Subflows follow their parent").
import { runDurableObjectAlarm } from 'cloudflare:test';
import type { FlowRun, TaskRun } from 'edgeflow/protocol';
import { describe, expect, it, vi } from 'vitest';
import { api, createFlow } from './api';
import { createDeployment } from './deployments-api';
import { advancePoolClock, claim, createPool, createPoolRun, poolStub, readRun } from './pools';

/** A pool run claimed by an agent and RUNNING under its lease. */
async function runningParent(pool: string): Promise<FlowRun> {
  const created = await createPoolRun(pool);
  const answer = await claim(pool, { name: 'agent-a' });
  const lease = answer.runs[0]!.lease_id;
  await api('POST', `/flow_runs/${created.id}/set_state`, { state: { type: 'RUNNING' }, lease_id: lease });
  return created;
}

async function parentTask(flowRunId: string, key: string): Promise<string> {
  const { body } = await api<TaskRun>('POST', '/task_runs', {
    flow_run_id: flowRunId,
    task_key: key,
    dynamic_key: '0',
  });
  return body.id;
}

/** An inline subflow run of `parent`, RUNNING (as the SDK makes one: no deployment, no pool). */
async function inlineChild(parentId: string): Promise<FlowRun> {
  const { body } = await api<FlowRun>('POST', '/flow_runs', {
    flow_id: await createFlow(),
    parent_task_run_id: await parentTask(parentId, `child-${crypto.randomUUID().slice(0, 8)}-subflow`),
  });
  await api('POST', `/flow_runs/${body.id}/set_state`, { state: { type: 'RUNNING' } });
  return body;
}

/** A subflow run of `parent` through a deployment (runDeployment as a subflow), claimed and RUNNING. */
async function deploymentChild(parentId: string): Promise<FlowRun> {
  const deployment = await createDeployment();
  const { body } = await api<FlowRun>('POST', `/deployments/${deployment.id}/create_flow_run`, {
    parent_task_run_id: await parentTask(parentId, 'run-deployment'),
  });
  const answer = await claim(deployment.work_pool_name!, { name: 'agent-b' });
  await api('POST', `/flow_runs/${body.id}/set_state`, {
    state: { type: 'RUNNING' },
    lease_id: answer.runs[0]!.lease_id,
  });
  return body;
}

async function lapseLeases(pool: string): Promise<void> {
  await advancePoolClock(pool, 10 * 60_000);
  await runDurableObjectAlarm(poolStub(pool));
}

const stateOf = async (id: string) => (await readRun(id)).state_type;

describe('subflow runs follow their parent', () => {
  it('a parent crashed by lease expiry takes its inline subflow runs, and theirs, to CRASHED', async () => {
    const pool = await createPool();
    const parent = await runningParent(pool);
    const child = await inlineChild(parent.id);
    const grandchild = await inlineChild(child.id);
    await lapseLeases(pool);
    expect(await stateOf(parent.id)).toBe('CRASHED');
    await vi.waitFor(async () => expect(await stateOf(grandchild.id)).toBe('CRASHED'), { timeout: 5_000 });
    const crashed = await readRun(child.id);
    expect(crashed.state_type).toBe('CRASHED');
    expect(crashed.state?.message).toContain('parent flow run crashed');
  });

  it('a parent the agent reports CRASHED takes its inline subflow runs to CRASHED', async () => {
    const pool = await createPool();
    const parent = await runningParent(pool);
    const child = await inlineChild(parent.id);
    await api('POST', `/flow_runs/${parent.id}/set_state`, { state: { type: 'CRASHED' } });
    await vi.waitFor(async () => expect(await stateOf(child.id)).toBe('CRASHED'), { timeout: 5_000 });
  });

  it('a crashed parent leaves a subflow run started through a deployment running on its own', async () => {
    const pool = await createPool();
    const parent = await runningParent(pool);
    const child = await deploymentChild(parent.id);
    const inline = await inlineChild(parent.id);
    await lapseLeases(pool);
    await vi.waitFor(async () => expect(await stateOf(inline.id)).toBe('CRASHED'), { timeout: 5_000 });
    expect(await stateOf(child.id)).toBe('RUNNING');
  });

  it('cancelling a parent cancels its subflow runs: inline ones with it, deployment ones through their agent', async () => {
    const pool = await createPool();
    const parent = await runningParent(pool);
    const inline = await inlineChild(parent.id);
    const viaDeployment = await deploymentChild(parent.id);
    await api('POST', `/flow_runs/${parent.id}/set_state`, { state: { type: 'CANCELLING' } });
    await vi.waitFor(
      async () => {
        expect(await stateOf(inline.id)).toBe('CANCELLING');
        expect(await stateOf(viaDeployment.id)).toBe('CANCELLING');
      },
      { timeout: 5_000 },
    );
    // The parent's agent stopped its process: the inline child, which ran there, is cancelled with it.
    await api('POST', `/flow_runs/${parent.id}/set_state`, { state: { type: 'CANCELLED' } });
    await vi.waitFor(async () => expect(await stateOf(inline.id)).toBe('CANCELLED'), { timeout: 5_000 });
    expect(await stateOf(viaDeployment.id)).toBe('CANCELLING');
  });

  it('a parent that ends COMPLETED or FAILED leaves its subflow runs alone', async () => {
    const pool = await createPool();
    const parent = await runningParent(pool);
    const child = await inlineChild(parent.id);
    await api('POST', `/flow_runs/${parent.id}/set_state`, { state: { type: 'FAILED' } });
    expect(await stateOf(child.id)).toBe('RUNNING');
  });
});
