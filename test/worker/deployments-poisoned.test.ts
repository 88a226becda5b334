// A deployment with runs too deep for SQLite's JSON (stored before the edge's depth limit) still
// answers every route, and each route's change happens whole.
import type { Deployment, FlowRun, WorkerFlowRunResponse } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';
import { deepRunByHand, deepScheduledRun } from './deployment-poisoned-runs';
import { createDeployment, HOUR, hourly, runsOf } from './deployments-api';

const exists = async (run: FlowRun) => (await api('GET', `/flow_runs/${run.id}`)).status === 200;

/** An hourly deployment with its 3 planned runs, a deep run made by hand and a deep auto-scheduled one. */
async function poisonedDeployment(body: Record<string, unknown> = {}) {
  const deployment = await createDeployment({ schedules: [{ schedule: hourly }], ...body });
  const planned = await runsOf(deployment.id);
  expect(planned).toHaveLength(3);
  const byHand = await deepRunByHand(deployment);
  // An hour after the last planned run: a slot of the schedule that no plan from now fills again.
  const scheduled = await deepScheduledRun(
    deployment,
    Date.parse(planned[2]!.next_scheduled_start_time!) + HOUR,
  );
  return { deployment, planned, byHand, scheduled };
}

const autoScheduled = async (deployment: Deployment) =>
  (await runsOf(deployment.id)).filter((run) => run.auto_scheduled);

describe('routes of a deployment whose runs are too deep for SQLite', () => {
  it('get_scheduled_flow_runs lists the pool’s runs, the deep ones included', async () => {
    const { deployment, byHand } = await poisonedDeployment();
    const { status, body } = await api<WorkerFlowRunResponse[]>(
      'POST',
      `/work_pools/${deployment.work_pool_name}/get_scheduled_flow_runs`,
      {},
    );
    expect(status).toBe(200);
    expect(body.map((item) => item.flow_run.id)).toContain(byHand.id);
  });

  it('PATCH changes the deployment and replaces its future auto-scheduled runs, the deep one too', async () => {
    const { deployment, byHand, scheduled } = await poisonedDeployment();
    const patched = await api('PATCH', `/deployments/${deployment.id}`, { parameters: { version: 2 } });
    expect(patched.status).toBe(204);
    expect((await api<Deployment>('GET', `/deployments/${deployment.id}`)).body.parameters).toEqual({
      version: 2,
    });
    const runs = await autoScheduled(deployment);
    expect(runs).toHaveLength(3);
    for (const run of runs) expect(run.parameters).toEqual({ version: 2 });
    expect(await exists(scheduled)).toBe(false);
    expect(await exists(byHand)).toBe(true);
  });

  it('PATCH of a schedule changes it and replaces that schedule’s future runs, the deep one too', async () => {
    const { deployment, scheduled } = await poisonedDeployment();
    const schedule = deployment.schedules[0]!;
    const patched = await api('PATCH', `/deployments/${deployment.id}/schedules/${schedule.id}`, {
      parameters: { from: 'schedule' },
    });
    expect(patched.status).toBe(204);
    const runs = await autoScheduled(deployment);
    expect(runs).toHaveLength(3);
    for (const run of runs) expect(run.parameters).toEqual({ from: 'schedule' });
    expect(await exists(scheduled)).toBe(false);
  });

  it('pause sets paused and withdraws every planned run, the deep one too; runs made by hand stay', async () => {
    const { deployment, planned, byHand, scheduled } = await poisonedDeployment();
    expect((await api('POST', `/deployments/${deployment.id}/pause_deployment`)).status).toBe(204);
    expect((await api<Deployment>('GET', `/deployments/${deployment.id}`)).body.paused).toBe(true);
    expect(await autoScheduled(deployment)).toEqual([]);
    for (const run of [...planned, scheduled]) expect(await exists(run)).toBe(false);
    expect(await exists(byHand)).toBe(true);
  });

  it('DELETE removes the deployment and withdraws its planned runs, the deep one too', async () => {
    const { deployment, planned, scheduled } = await poisonedDeployment();
    expect((await api('DELETE', `/deployments/${deployment.id}`)).status).toBe(204);
    expect((await api('GET', `/deployments/${deployment.id}`)).status).toBe(404);
    for (const run of [...planned, scheduled]) expect(await exists(run)).toBe(false);
  });

  it('DELETE of a schedule removes it and withdraws its planned runs, the deep one too', async () => {
    const { deployment, planned, scheduled } = await poisonedDeployment();
    const schedule = deployment.schedules[0]!;
    expect((await api('DELETE', `/deployments/${deployment.id}/schedules/${schedule.id}`)).status).toBe(204);
    expect((await api<Deployment>('GET', `/deployments/${deployment.id}`)).body.schedules).toEqual([]);
    for (const run of [...planned, scheduled]) expect(await exists(run)).toBe(false);
  });

  it('replacing the deployment by (flow, name) replaces its future auto-scheduled runs', async () => {
    const { deployment, scheduled } = await poisonedDeployment();
    const replaced = await api<Deployment>('POST', '/deployments', {
      name: deployment.name,
      flow_id: deployment.flow_id,
      work_pool_name: deployment.work_pool_name,
      parameters: { version: 3 },
      schedules: [{ schedule: hourly }],
    });
    expect(replaced.status).toBe(200);
    const runs = await autoScheduled(deployment);
    expect(runs).toHaveLength(3);
    for (const run of runs) expect(run.parameters).toEqual({ version: 3 });
    expect(await exists(scheduled)).toBe(false);
  });
});
