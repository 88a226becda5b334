// Catch-up and max_active_runs: what a tick does with a schedule's runs that went Late while no agent
// took them, and how a schedule's cap holds when its runs are dispatched.
import type { FlowRun, OrchestrationResult } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';
import { createDeploymentsInBulk, HOUR, MINUTE, runsOf, tick } from './deployments-api';
import { claim } from './pools';

/**
 * A deployment whose 15-minute schedule was planned two hours ago by a tick, so its first five runs
 * (due 2 h to 1 h ago) were never taken; then a tick now.
 */
async function missedRuns(schedule: Record<string, unknown>): Promise<{ late: FlowRun[]; now: number }> {
  const [id] = await createDeploymentsInBulk([{ schedules: [{ schedule: { interval: 900 }, ...schedule }] }]);
  const now = Date.now();
  await tick(now - 2 * HOUR);
  await tick(now);
  const late = (await runsOf(id!)).filter((run) => Date.parse(run.expected_start_time!) < now - MINUTE);
  expect(late).toHaveLength(5);
  return { late, now };
}

const states = (runs: FlowRun[]) => runs.map((run) => run.state_type);

const propose = (runId: string, type: string) =>
  api<OrchestrationResult>('POST', `/flow_runs/${runId}/set_state`, { state: { type } }).then((r) => r.body);

async function newRun(deploymentId: string): Promise<FlowRun> {
  const { status, body } = await api<FlowRun>('POST', `/deployments/${deploymentId}/create_flow_run`, {});
  expect(status).toBe(201);
  return body;
}

describe('catch-up', () => {
  it('all leaves every missed run to run', async () => {
    const { late } = await missedRuns({ catchup: 'all' });
    expect(states(late)).toEqual(['SCHEDULED', 'SCHEDULED', 'SCHEDULED', 'SCHEDULED', 'SCHEDULED']);
  });

  it('latest keeps only the newest missed run and cancels the others with a message', async () => {
    const { late } = await missedRuns({ catchup: 'latest' });
    expect(states(late)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED', 'SCHEDULED']);
    expect(late[0]!.state?.message).toMatch(/catchup: latest/);
  });

  it('none cancels every missed run', async () => {
    const { late } = await missedRuns({ catchup: 'none' });
    expect(states(late)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
  });

  it('leaves the runs still ahead alone', async () => {
    const [id] = await createDeploymentsInBulk([
      { schedules: [{ schedule: { interval: 900 }, catchup: 'none' }] },
    ]);
    const now = Date.now();
    await tick(now - 2 * HOUR);
    await tick(now);
    const ahead = (await runsOf(id!)).filter((run) => Date.parse(run.expected_start_time!) > now);
    expect(ahead.length).toBeGreaterThan(0);
    expect(new Set(states(ahead))).toEqual(new Set(['SCHEDULED']));
  });
});

// A 60 s interval plans a run for every minute of the coming hour: each tick creates ~60 runs.
describe('max_active_runs', { timeout: 30_000 }, () => {
  it('caps the missed backlog: all with max_active_runs 2 keeps the 2 oldest', async () => {
    const { late } = await missedRuns({ catchup: 'all', max_active_runs: 2 });
    expect(states(late)).toEqual(['SCHEDULED', 'SCHEDULED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect(late[2]!.state?.message).toMatch(/max_active_runs \(2\)/);
  });

  it('skips a due run whose schedule already has max_active_runs runs going', async () => {
    const [id] = await createDeploymentsInBulk([
      { schedules: [{ schedule: { interval: 60 }, max_active_runs: 1 }] },
    ]);
    // Planned 3 minutes ago: the runs of 3, 2 and 1 minutes ago and of now are due together.
    await tick(Date.now() - 3 * MINUTE);
    const pool = (await runsOf(id!))[0]!.work_pool_name!;
    const answer = await claim(pool, { name: 'agent-a', limit: 10 });
    expect(answer.runs).toHaveLength(1);
    const due = (await runsOf(id!)).filter((run) => Date.parse(run.expected_start_time!) <= Date.now());
    expect(states(due).filter((s) => s === 'PENDING')).toHaveLength(1);
    const skipped = due.filter((run) => run.state_type === 'CANCELLED');
    expect(skipped.length).toBe(due.length - 1);
    expect(skipped[0]!.state?.message).toMatch(/max_active_runs \(1\)/);
  });

  it('lets the next run start once the active one finished', async () => {
    const [id] = await createDeploymentsInBulk([
      { schedules: [{ schedule: { interval: 60 }, max_active_runs: 1 }] },
    ]);
    await tick(Date.now() - MINUTE);
    const [first, second] = await runsOf(id!);
    const pending = (runId: string) =>
      api<{ status: string }>('POST', `/flow_runs/${runId}/set_state`, { state: { type: 'PENDING' } });
    expect((await pending(first!.id)).body.status).toBe('ACCEPT');
    await api('POST', `/flow_runs/${first!.id}/set_state`, { state: { type: 'RUNNING' } });
    await api('POST', `/flow_runs/${first!.id}/set_state`, { state: { type: 'COMPLETED' } });
    expect((await pending(second!.id)).body.status).toBe('ACCEPT');
  });

  it('gives back a slot taken for a transition that did not keep it', async () => {
    // Deployment limit 2, schedule cap 1: the second scheduled run gets a deployment slot, then is
    // skipped by its schedule's cap; that deployment slot must not stay taken.
    const [id] = await createDeploymentsInBulk([
      { concurrency_limit: 2, schedules: [{ schedule: { interval: 60 }, max_active_runs: 1 }] },
    ]);
    await tick(Date.now() - MINUTE);
    const [first, second] = await runsOf(id!);
    expect((await propose(first!.id, 'PENDING')).status).toBe('ACCEPT');
    expect(await propose(second!.id, 'PENDING')).toMatchObject({
      status: 'REJECT',
      state: { type: 'CANCELLED' },
    });
    const manual = await newRun(id!);
    expect((await propose(manual.id, 'PENDING')).status).toBe('ACCEPT');
  });
});
