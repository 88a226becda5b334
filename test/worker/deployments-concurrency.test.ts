// Deployment concurrency limits: slots taken on the way into PENDING, ENQUEUE and CANCEL_NEW when
// full, 0 aborts, and slots given back on any terminal state, on a crash, and when a transition fizzles.
import { env } from 'cloudflare:workers';
import type { FlowRun, OrchestrationResult } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';
import { createDeployment } from './deployments-api';
import { claim } from './pools';

async function limitedDeployment(limit: number, collision_strategy?: 'ENQUEUE' | 'CANCEL_NEW') {
  return createDeployment({
    concurrency_limit: limit,
    ...(collision_strategy ? { concurrency_options: { collision_strategy } } : {}),
  });
}

async function newRun(deploymentId: string): Promise<FlowRun> {
  const { status, body } = await api<FlowRun>('POST', `/deployments/${deploymentId}/create_flow_run`, {});
  expect(status).toBe(201);
  return body;
}

const propose = (runId: string, type: string) =>
  api<OrchestrationResult>('POST', `/flow_runs/${runId}/set_state`, { state: { type } }).then((r) => r.body);

async function finish(runId: string, type = 'COMPLETED'): Promise<void> {
  expect((await propose(runId, 'RUNNING')).status).toBe('ACCEPT');
  expect((await propose(runId, type)).status).toBe('ACCEPT');
}

describe('deployment concurrency limit', () => {
  it('takes a slot on the way into PENDING and names its lease on the state', async () => {
    const deployment = await limitedDeployment(1);
    const run = await newRun(deployment.id);
    const answer = await propose(run.id, 'PENDING');
    expect(answer.status).toBe('ACCEPT');
    expect(answer.state?.state_details.deployment_concurrency_lease_id).toEqual(expect.any(String));
  });

  it('ENQUEUE sends a run over the limit back to SCHEDULED as AwaitingConcurrencySlot, 30 s out', async () => {
    const deployment = await limitedDeployment(1, 'ENQUEUE');
    const [first, second] = [await newRun(deployment.id), await newRun(deployment.id)];
    await propose(first.id, 'PENDING');
    const before = Date.now();
    const answer = await propose(second.id, 'PENDING');
    expect(answer).toMatchObject({
      status: 'REJECT',
      state: { type: 'SCHEDULED', name: 'AwaitingConcurrencySlot' },
      details: { reason: 'Deployment concurrency limit reached.' },
    });
    const due = Date.parse(answer.state!.state_details.scheduled_time!);
    expect(due - before).toBeGreaterThanOrEqual(29_000);
    expect(due - before).toBeLessThan(40_000);
  });

  it('CANCEL_NEW cancels a run over the limit', async () => {
    const deployment = await limitedDeployment(1, 'CANCEL_NEW');
    const [first, second] = [await newRun(deployment.id), await newRun(deployment.id)];
    await propose(first.id, 'PENDING');
    expect(await propose(second.id, 'PENDING')).toMatchObject({
      status: 'REJECT',
      state: { type: 'CANCELLED' },
    });
  });

  it('a limit of 0 aborts: no run may start', async () => {
    const deployment = await limitedDeployment(0);
    const run = await newRun(deployment.id);
    const answer = await propose(run.id, 'PENDING');
    expect(answer.status).toBe('ABORT');
    expect((await api<FlowRun>('GET', `/flow_runs/${run.id}`)).body.state_type).toBe('SCHEDULED');
  });

  it('gives the slot back when the run completes', async () => {
    const deployment = await limitedDeployment(1);
    const [first, second] = [await newRun(deployment.id), await newRun(deployment.id)];
    await propose(first.id, 'PENDING');
    await finish(first.id);
    expect((await propose(second.id, 'PENDING')).status).toBe('ACCEPT');
  });

  it('gives the slot back when the run fails', async () => {
    const deployment = await limitedDeployment(1);
    const [first, second] = [await newRun(deployment.id), await newRun(deployment.id)];
    await propose(first.id, 'PENDING');
    await finish(first.id, 'FAILED');
    expect((await propose(second.id, 'PENDING')).status).toBe('ACCEPT');
  });

  it('gives the slot back when the run crashes (its lease lapsed)', async () => {
    const deployment = await limitedDeployment(1);
    const [first, second] = [await newRun(deployment.id), await newRun(deployment.id)];
    const answer = await claim(deployment.work_pool_name!, { name: 'agent-a', limit: 1 });
    const claimed = answer.runs[0]!;
    const other = claimed.flow_run.id === first.id ? second : first;
    // What the pool does when an agent misses its heartbeats.
    await env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(claimed.flow_run.id)).crash(
      claimed.lease_id,
      'agent lost',
    );
    expect((await api<FlowRun>('GET', `/flow_runs/${claimed.flow_run.id}`)).body.state_type).toBe('CRASHED');
    expect((await propose(other.id, 'PENDING')).status).toBe('ACCEPT');
  });

  it('keeps the slot while the run goes RUNNING', async () => {
    const deployment = await limitedDeployment(1);
    const [first, second] = [await newRun(deployment.id), await newRun(deployment.id)];
    await propose(first.id, 'PENDING');
    expect((await propose(first.id, 'RUNNING')).status).toBe('ACCEPT');
    expect((await propose(second.id, 'PENDING')).status).toBe('REJECT');
  });
});
