// The tick's side of all-or-nothing deployment writes: a withdrawal a request committed but did not
// finish is finished by the next tick, and runs too deep for SQLite's JSON do not stop catch-up.
import { env } from 'cloudflare:workers';
import type { Deployment, FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { deleteDeployment, pauseDeployment } from '../../src/db/deployments';
import { readWithdrawals } from '../../src/db/withdrawals';
import { api } from './api';
import { deepScheduledRun } from './deployment-poisoned-runs';
import { createDeployment, HOUR, hourly, MINUTE, runsOf, tick } from './deployments-api';

const exists = async (run: FlowRun) => (await api('GET', `/flow_runs/${run.id}`)).status === 200;

describe('a withdrawal left open by its request', () => {
  it('pause: the next tick withdraws the planned runs and closes it', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    expect(await runsOf(deployment.id)).toHaveLength(3);
    // What a pause request that died after its D1 batch leaves: paused, the runs still planned.
    const withdrawal = await pauseDeployment(env.DB, deployment.id, new Date());
    expect((await api<Deployment>('GET', `/deployments/${deployment.id}`)).body.paused).toBe(true);
    expect(await runsOf(deployment.id)).toHaveLength(3);
    await tick();
    expect(await runsOf(deployment.id)).toEqual([]);
    expect(await readWithdrawals(env.DB, [withdrawal.id])).toEqual([]);
  });

  it('delete: the next tick withdraws the runs of the deployment that is gone', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    const planned = await runsOf(deployment.id);
    await deleteDeployment(env.DB, deployment.id, new Date());
    expect((await api('GET', `/deployments/${deployment.id}`)).status).toBe(404);
    await tick();
    for (const run of planned) expect(await exists(run)).toBe(false);
  });
});

describe('catch-up with runs too deep for SQLite', () => {
  it('cancels a missed deep run by its schedule’s policy', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly, catchup: 'none' }] });
    const missed = await deepScheduledRun(deployment, Date.now() - HOUR - MINUTE);
    await tick();
    const { body } = await api<FlowRun>('GET', `/flow_runs/${missed.id}`);
    expect(body.state_type).toBe('CANCELLED');
  });
});
