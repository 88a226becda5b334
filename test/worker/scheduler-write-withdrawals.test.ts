// A write that takes back a dense schedule's runs withdraws the ones due soon in the request and leaves
// the rest, due minutes later, to the next Cron Trigger tick, which finishes open withdrawals first.
import { env } from 'cloudflare:workers';
import type { FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { RUNS_WITHDRAWN_IN_REQUEST, WITHDRAW_IN_REQUEST_WITHIN_MS } from '../../src/domain/deployments';
import { api } from './api';
import { createDeployment, runsOf, tick } from './deployments-api';

const openWithdrawals = async (deploymentId: string) =>
  (
    await env.DB.prepare('SELECT count(*) AS open FROM deployment_withdrawals WHERE deployment_id = ?')
      .bind(deploymentId)
      .first<{ open: number }>()
  )?.open;

const due = (run: FlowRun) => Date.parse(run.next_scheduled_start_time!);

/** A deployment of an every-minute schedule whose hour of runs a tick has planned. */
async function filledMinutely() {
  const deployment = await createDeployment({ schedules: [{ schedule: { interval: 60 } }] });
  await tick();
  const planned = await runsOf(deployment.id);
  expect(planned.length).toBeGreaterThan(RUNS_WITHDRAWN_IN_REQUEST + 10);
  return { deployment, planned };
}

describe('withdrawing a dense schedule in a request is bounded', { timeout: 60_000 }, () => {
  it('pause takes back the soonest runs at once, every one due within minutes, and the tick the rest', async () => {
    const { deployment, planned } = await filledMinutely();
    const pausedAt = Date.now();
    expect((await api('POST', `/deployments/${deployment.id}/pause_deployment`)).status).toBe(204);

    const left = await runsOf(deployment.id);
    expect(left).toHaveLength(planned.length - RUNS_WITHDRAWN_IN_REQUEST);
    for (const run of left)
      expect(due(run)).toBeGreaterThan(pausedAt + WITHDRAW_IN_REQUEST_WITHIN_MS - 60_000);
    expect(await openWithdrawals(deployment.id)).toBe(1);

    await tick();
    expect(await runsOf(deployment.id)).toEqual([]);
    expect(await openWithdrawals(deployment.id)).toBe(0);
  });

  it('a change plans its new runs once the tick has finished the withdrawal, with no run twice', async () => {
    const { deployment, planned } = await filledMinutely();
    const changedAt = Date.now();
    const changed = await api('PATCH', `/deployments/${deployment.id}`, { parameters: { changed: true } });
    expect(changed.status).toBe(204);
    // The request took back its share and planned nothing the open withdrawal would take back again.
    expect(await runsOf(deployment.id)).toHaveLength(planned.length - RUNS_WITHDRAWN_IN_REQUEST);

    await tick();
    expect(await openWithdrawals(deployment.id)).toBe(0);
    const replanned = await runsOf(deployment.id);
    expect(new Set(replanned.map(due)).size).toBe(replanned.length);
    // A change takes back the runs due after it: each of those is planned again, with the new parameters.
    const future = replanned.filter((run) => due(run) > changedAt);
    expect(future.length).toBeGreaterThan(RUNS_WITHDRAWN_IN_REQUEST);
    for (const run of future) expect(run.parameters).toEqual({ changed: true });
  });
});
