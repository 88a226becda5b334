// The Cron Trigger scheduler against the real Worker: horizons kept, idempotent ticks, changes
// regenerating runs, pause and resume.
import { env } from 'cloudflare:workers';
import type { Deployment, FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';
import {
  createDeployment,
  createDeploymentsInBulk,
  HOUR,
  hourly,
  MINUTE,
  runsOf,
  tick,
} from './deployments-api';

const times = (runs: FlowRun[]) => runs.map((run) => run.next_scheduled_start_time);

describe('planning runs', () => {
  it('plans an hourly schedule 3 runs ahead as soon as the deployment is created', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    const runs = await runsOf(deployment.id);
    expect(runs).toHaveLength(3);
    for (const run of runs) expect(new Date(run.next_scheduled_start_time!).getUTCMinutes()).toBe(0);
  });

  it('gives auto-scheduled runs their tag, the deployment’s tags, merged parameters and the Prefect key', async () => {
    const deployment = await createDeployment({
      tags: ['nightly'],
      parameters: { a: 1, b: 1 },
      schedules: [{ schedule: hourly, parameters: { b: 2 } }],
    });
    const [run] = await runsOf(deployment.id);
    const schedule = deployment.schedules[0]!;
    expect(run).toMatchObject({
      tags: ['auto-scheduled', 'nightly'],
      parameters: { a: 1, b: 2 },
      auto_scheduled: true,
      state_name: 'Scheduled',
      idempotency_key: `scheduled ${deployment.id} ${schedule.id} ${run!.next_scheduled_start_time}`,
      entrypoint: deployment.entrypoint,
      work_pool_name: deployment.work_pool_name,
    });
  });

  it('leaves schedules written through the batch route to the next tick', async () => {
    const [id] = await createDeploymentsInBulk([{ schedules: [{ schedule: hourly }] }]);
    expect(await runsOf(id!)).toHaveLength(0);
    await tick();
    expect(await runsOf(id!)).toHaveLength(3);
  });

  it('tops up the horizon when time has moved on: a tick an hour later adds one run', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    const before = times(await runsOf(deployment.id));
    await tick(Date.now() + HOUR);
    const after = times(await runsOf(deployment.id));
    expect(after.slice(0, 3)).toEqual(before);
    expect(after).toHaveLength(4);
    expect(Date.parse(after[3]!)).toBe(Date.parse(before[2]!) + HOUR);
  });

  it('skips schedules that are not due: a second tick at the same instant creates nothing', async () => {
    const [id] = await createDeploymentsInBulk([{ schedules: [{ schedule: { interval: 300 } }] }]);
    const at = Date.now();
    await tick(at);
    const first = await runsOf(id!);
    await tick(at);
    expect(await runsOf(id!)).toEqual(first);
  });

  it('creates no duplicates when two ticks run at once', async () => {
    const [id] = await createDeploymentsInBulk([{ schedules: [{ schedule: { interval: 300 } }] }]);
    const at = Date.now();
    await Promise.all([tick(at), tick(at)]);
    const runs = await runsOf(id!);
    expect(runs).toHaveLength(13);
    expect(new Set(times(runs)).size).toBe(13);
  });

  it('does not plan inactive schedules', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly, active: false }] });
    await tick();
    expect(await runsOf(deployment.id)).toHaveLength(0);
  });
});

describe('changing a deployment regenerates its runs', () => {
  it('replacing the schedule replaces the future runs', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    const status = (
      await api('PATCH', `/deployments/${deployment.id}`, {
        schedules: [{ schedule: { cron: '30 * * * *', timezone: 'UTC' } }],
      })
    ).status;
    expect(status).toBe(204);
    const runs = await runsOf(deployment.id);
    expect(runs).toHaveLength(3);
    for (const run of runs) expect(new Date(run.next_scheduled_start_time!).getUTCMinutes()).toBe(30);
  });

  it('new parameters reach the regenerated runs', async () => {
    const deployment = await createDeployment({ parameters: { n: 1 }, schedules: [{ schedule: hourly }] });
    await api('PATCH', `/deployments/${deployment.id}`, { parameters: { n: 2 } });
    const runs = await runsOf(deployment.id);
    expect(runs.map((run) => run.parameters)).toEqual([{ n: 2 }, { n: 2 }, { n: 2 }]);
  });

  it('a started run is left alone', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    const [first] = await runsOf(deployment.id);
    await api('POST', `/flow_runs/${first!.id}/set_state`, { state: { type: 'PENDING' } });
    await api('PATCH', `/deployments/${deployment.id}`, { description: 'changed' });
    const runs = await runsOf(deployment.id);
    expect(runs.find((run) => run.id === first!.id)?.state_type).toBe('PENDING');
  });

  it('patching one schedule regenerates only that schedule’s runs', async () => {
    const deployment = await createDeployment({
      schedules: [{ schedule: hourly }, { schedule: { cron: '15 * * * *', timezone: 'UTC' } }],
    });
    const [, second] = deployment.schedules;
    await api('PATCH', `/deployments/${deployment.id}/schedules/${second!.id}`, {
      schedule: { cron: '45 * * * *', timezone: 'UTC' },
    });
    const minutes = (await runsOf(deployment.id)).map((run) =>
      new Date(run.next_scheduled_start_time!).getUTCMinutes(),
    );
    expect(minutes.filter((m) => m === 0)).toHaveLength(3);
    expect(minutes.filter((m) => m === 45)).toHaveLength(3);
    expect(minutes.filter((m) => m === 15)).toHaveLength(0);
  });

  it('deleting a schedule deletes its unstarted runs', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    const schedule = deployment.schedules[0]!;
    expect((await api('DELETE', `/deployments/${deployment.id}/schedules/${schedule.id}`)).status).toBe(204);
    expect(await runsOf(deployment.id)).toHaveLength(0);
    expect((await api<Deployment>('GET', `/deployments/${deployment.id}`)).body.schedules).toEqual([]);
  });

  it('adding a schedule plans its runs at once', async () => {
    const deployment = await createDeployment();
    const { status } = await api('POST', `/deployments/${deployment.id}/schedules`, [{ schedule: hourly }]);
    expect(status).toBe(201);
    expect(await runsOf(deployment.id)).toHaveLength(3);
  });
});

describe('pause and resume', () => {
  it('pausing removes the unstarted auto-scheduled runs and stops planning', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    expect((await api('POST', `/deployments/${deployment.id}/pause_deployment`)).status).toBe(204);
    expect(await runsOf(deployment.id)).toHaveLength(0);
    await tick(Date.now() + HOUR);
    expect(await runsOf(deployment.id)).toHaveLength(0);
  });

  it('resuming plans the runs again', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    await api('POST', `/deployments/${deployment.id}/pause_deployment`);
    expect((await api('POST', `/deployments/${deployment.id}/resume_deployment`)).status).toBe(204);
    expect(await runsOf(deployment.id)).toHaveLength(3);
  });

  it('pausing through PATCH removes them too', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    expect((await api('PATCH', `/deployments/${deployment.id}`, { paused: true })).status).toBe(204);
    expect(await runsOf(deployment.id)).toHaveLength(0);
  });

  it('pausing keeps runs that were created by hand', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    await api('POST', `/deployments/${deployment.id}/create_flow_run`, {
      scheduled_time: new Date(Date.now() + 10 * MINUTE).toISOString(),
    });
    await api('POST', `/deployments/${deployment.id}/pause_deployment`);
    const runs = await runsOf(deployment.id);
    expect(runs.map((run) => run.auto_scheduled)).toEqual([false]);
  });
});

describe('the watermark', () => {
  it('is kept in D1 so a tick reads only due schedules', async () => {
    const deployment = await createDeployment({ schedules: [{ schedule: hourly }] });
    const row = await env.DB.prepare(
      'SELECT next_check_at, scheduled_until FROM deployment_schedules WHERE id = ?',
    )
      .bind(deployment.schedules[0]!.id)
      .first<{ next_check_at: number; scheduled_until: number }>();
    const runs = await runsOf(deployment.id);
    expect(row!.scheduled_until).toBe(Date.parse(runs[2]!.next_scheduled_start_time!));
    expect(row!.next_check_at).toBe(Date.parse(runs[0]!.next_scheduled_start_time!) + 1);
  });
});
