// Retention of runs, logs and artifacts (docs/retention.md): the Cron Trigger's share deletes exactly
// what is due (whole finished runs with their objects, R2 results and every D1 row they left) and
// nothing else. A scheduler test file: its own D1, so retention here touches no other file's runs.
// Runs end at the real clock; retention is asked "40 days later" by its injected clock.
import { env } from 'cloudflare:workers';
import type { FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/env';
import { pruneExpiredRecords } from '../../src/scheduler/run-retention';
import { api, createFlow } from './api';
import {
  count,
  expectDeleted,
  expectKept,
  indexRows,
  inR2,
  later,
  makeRun,
  objectStorage,
} from './retention-runs';

/** Only runs age out here, unless a test says otherwise. */
const RUNS_ONLY = {
  EDGEFLOW_LOGS_RETENTION_DAYS: '3650',
  EDGEFLOW_ARTIFACTS_RETENTION_DAYS: '3650',
  EDGEFLOW_RESULTS_RETENTION_DAYS: '3650',
};
const retain = (now: Date, vars: Partial<Env> = {}, bounds = {}) =>
  pruneExpiredRecords({ ...(env as unknown as Env), ...RUNS_ONLY, ...vars }, now, bounds);

describe('run retention', () => {
  it('deletes a finished run past the cut-off whole (index rows, run object, R2) and keeps every other run', async () => {
    const due = await makeRun('now');
    const recent = await makeRun(later(20));
    const running = await makeRun('RUNNING');
    const scheduled = await makeRun('SCHEDULED');

    expect((await retain(later(40))).runs).toBe(1);

    await expectDeleted(due);
    await expectKept(recent, { finished: true });
    await expectKept(running, { finished: false });
    expect(await count('flow_runs', 'id', scheduled.id)).toBe(1);
    expect((await api<FlowRun>('GET', `/flow_runs/${scheduled.id}`)).body.state_type).toBe('SCHEDULED');
    // Nothing is due any more: a second pass deletes nothing.
    expect((await retain(later(40))).runs).toBe(0);
    await Promise.all([recent, running, scheduled].map((run) => api('DELETE', `/flow_runs/${run.id}`)));
  });

  it('keeps a run as many days as configured', async () => {
    const run = await makeRun('now');
    expect((await retain(later(40), { EDGEFLOW_RUNS_RETENTION_DAYS: '60' })).runs).toBe(0);
    await expectKept(run, { finished: true });
    expect((await retain(later(40), { EDGEFLOW_RUNS_RETENTION_DAYS: '10' })).runs).toBe(1);
    await expectDeleted(run);
  });

  it('deletes a subflow run with its parent, and keeps both while either is not final', async () => {
    const parent = await makeRun('RUNNING');
    const child = await makeRun('now', { parent_task_run_id: parent.taskRunId });
    expect((await retain(later(40))).runs).toBe(0);
    await expectKept(child, { finished: true });

    await api('POST', `/flow_runs/${parent.id}/set_state`, { state: { type: 'COMPLETED' } });
    expect((await retain(later(40))).runs).toBe(2);
    await expectDeleted(child);
    expect(await indexRows(parent)).toEqual([0, 0, 0, 0, 0]);
    expect(await objectStorage(parent.id)).toEqual({ tables: [], alarm: null });
  });

  it('keeps a finished parent whose subflow run is still running', async () => {
    const parent = await makeRun('now');
    const child = await makeRun('RUNNING', { parent_task_run_id: parent.taskRunId });
    expect((await retain(later(40))).runs).toBe(0);
    await expectKept(parent, { finished: true });
    await expectKept(child, { finished: false });
    await api('DELETE', `/flow_runs/${child.id}`);
    await api('DELETE', `/flow_runs/${parent.id}`);
  });

  it('deletes at most batches × batchSize runs a tick; a backlog drains over the next ticks', async () => {
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await makeRun('now'));
    const tick = async () => (await retain(later(40), {}, { batchSize: 2, batches: 1 })).runs;
    expect([await tick(), await tick(), await tick(), await tick()]).toEqual([2, 2, 1, 0]);
    for (const run of runs) expect(await count('flow_runs', 'id', run.id)).toBe(0);
  });

  it('deletes log lines and artifact versions by their own settings, from runs it keeps', async () => {
    const run = await makeRun(later(20));
    const report = await retain(later(40), {
      EDGEFLOW_LOGS_RETENTION_DAYS: '30',
      EDGEFLOW_ARTIFACTS_RETENTION_DAYS: '30',
    });
    expect(report).toEqual({ runs: 0, logs: 1, artifacts: 1, results: 0 });
    expect(await indexRows(run)).toEqual([1, 1, 0, 0, 1]);
    expect(await inR2(run.resultKeys)).toEqual([true, true, false]);
    await api('DELETE', `/flow_runs/${run.id}`);
  });

  it("keeps a deployment's runs (with their logs) for its own retention_days, longer or shorter", async () => {
    const flow_id = await createFlow();
    const deployment = async (name: string, retention_days: number) =>
      (
        await api<{ id: string; retention_days: number }>('POST', '/deployments', {
          flow_id,
          name,
          retention_days,
        })
      ).body;
    const keptLonger = await deployment('kept-longer', 60);
    const keptShorter = await deployment('kept-shorter', 10);
    expect(keptLonger.retention_days).toBe(60);
    const longer = await makeRun('now', { flow_id, deployment_id: keptLonger.id });
    const shorter = await makeRun(later(20), { flow_id, deployment_id: keptShorter.id });
    const ordinary = await makeRun(later(20), { flow_id });

    const report = await retain(later(40), { EDGEFLOW_LOGS_RETENTION_DAYS: '30' });
    expect(report.runs).toBe(1);
    await expectDeleted(shorter);
    await expectKept(longer, { finished: true });
    // The server's log setting still applies to a run of no deployment, not to the deployment's run.
    expect(await indexRows(ordinary)).toEqual([1, 1, 0, 1, 1]);

    expect((await retain(later(61))).runs).toBe(2);
    await expectDeleted(longer);
    await expectDeleted(ordinary);
  });

  it('leaves a result a due run only took from the cache to the run that computed it', async () => {
    const computed = await makeRun(later(20));
    const { body: flowRun } = await api<FlowRun>('POST', '/flow_runs', { flow_id: await createFlow() });
    await api('POST', `/flow_runs/${flowRun.id}/set_state`, { state: { type: 'RUNNING' } });
    const taskRunId = crypto.randomUUID();
    const { body } = await api<{ results: { state: { name: string } }[] }>(
      'POST',
      `/flow_runs/${flowRun.id}/task_runs/batch`,
      {
        items: [
          {
            op: 'create',
            task_run: {
              id: taskRunId,
              task_key: 't',
              dynamic_key: '0',
              cache_key: `key-${computed.taskRunId}`,
            },
          },
          { op: 'set_state', task_run_id: taskRunId, state: { type: 'RUNNING' } },
        ],
      },
    );
    expect(body.results[1]!.state.name).toBe('Cached');
    await api('POST', `/flow_runs/${flowRun.id}/set_state`, { state: { type: 'COMPLETED' } });

    expect((await retain(later(40))).runs).toBe(1);
    expect(await count('flow_runs', 'id', flowRun.id)).toBe(0);
    await expectKept(computed, { finished: true });
  });

  it('deletes the R2 results of a run kept longer than its results, once, and keeps the run', async () => {
    const run = await makeRun('now');
    const vars = { EDGEFLOW_RUNS_RETENTION_DAYS: '60', EDGEFLOW_RESULTS_RETENTION_DAYS: '30' };
    expect(await retain(later(40), vars)).toEqual({ runs: 0, logs: 0, artifacts: 0, results: 1 });
    // The task and flow results go (the artifact's data is the artifact setting's), and the cache record.
    expect(await inR2(run.resultKeys)).toEqual([false, false, true]);
    expect(await indexRows(run)).toEqual([1, 1, 1, 1, 0]);
    expect((await objectStorage(run.id)).tables).toContain('run');
    // The sweep went past it: the next tick does not ask its object again.
    expect((await retain(later(40), vars)).results).toBe(0);
    await api('DELETE', `/flow_runs/${run.id}`);
  });
});
