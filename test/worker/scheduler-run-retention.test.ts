// Retention of runs, logs and artifacts (docs/retention.md): the Cron Trigger's share deletes exactly
// what is due (whole finished runs with their objects, R2 results and every D1 row they left) and
// nothing else. A scheduler test file: its own D1, so retention here touches no other file's runs.
// Runs end at the real clock; retention is asked "40 days later" by its injected clock.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import type { Env } from '../../src/env';
import { pruneExpiredRecords } from '../../src/scheduler/run-retention';
import { api, createFlow } from './api';

const DAY = 86_400_000;
const later = (days: number) => new Date(Date.now() + days * DAY);
/** Only runs age out here, unless a test says otherwise. */
const RUNS_ONLY = { EDGEFLOW_LOGS_RETENTION_DAYS: '3650', EDGEFLOW_ARTIFACTS_RETENTION_DAYS: '3650' };
const retain = (now: Date, vars: Partial<Env> = {}, bounds = {}) =>
  pruneExpiredRecords({ ...(env as unknown as Env), ...RUNS_ONLY, ...vars }, now, bounds);

interface Made {
  id: string;
  taskRunId: string;
  resultKeys: string[];
}

const record = (key: string) => ({ storage_key: key, serializer: 'json' });

/**
 * A flow run with one task run, each with a result in R2, a cache record, a log line and an artifact
 * whose data went to R2; `end`: finished now (`now`), finished at a later instant, or left going.
 */
async function makeRun(
  end: 'now' | Date | 'RUNNING' | 'SCHEDULED',
  extra: { parent_task_run_id?: string; deployment_id?: string; flow_id?: string } = {},
): Promise<Made> {
  const flow_id = extra.flow_id ?? (await createFlow());
  const { body: run } = await api<FlowRun>('POST', '/flow_runs', { ...extra, flow_id });
  const taskRunId = crypto.randomUUID();
  const taskKey = `task-runs/${taskRunId}`;
  const flowKey = `flow-runs/${run.id}`;
  if (end === 'SCHEDULED') {
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'SCHEDULED' } });
    return { id: run.id, taskRunId, resultKeys: [] };
  }
  await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' } });
  await env.RESULTS.put(taskKey, '"task result"');
  await api('POST', `/flow_runs/${run.id}/task_runs/batch`, {
    items: [
      {
        op: 'create',
        task_run: { id: taskRunId, task_key: 't', dynamic_key: '0', cache_key: `key-${taskRunId}` },
      },
      { op: 'set_state', task_run_id: taskRunId, state: { type: 'RUNNING' } },
      { op: 'set_state', task_run_id: taskRunId, state: { type: 'COMPLETED', data: record(taskKey) } },
    ],
  });
  await api('POST', '/logs', [
    { flow_run_id: run.id, level: 20, name: 'retention', message: 'hi', timestamp: new Date().toISOString() },
  ]);
  const rows = Array.from({ length: 2_000 }, (_, i) => ({ row: i, text: 'some longer cell text' }));
  const artifact = await api<{ id: string }>('POST', '/artifacts', {
    type: 'table',
    data: rows,
    flow_run_id: run.id,
  });
  expect(artifact.status).toBe(201);
  const resultKeys = [taskKey, flowKey, `artifacts/${artifact.body.id}.json`];
  if (end === 'RUNNING') return { id: run.id, taskRunId, resultKeys };
  await env.RESULTS.put(flowKey, '"flow result"');
  const timestamp = end === 'now' ? undefined : end.toISOString();
  const done = await api('POST', `/flow_runs/${run.id}/set_state`, {
    state: { type: 'COMPLETED', data: record(flowKey), timestamp },
  });
  expect(done.status).toBe(201);
  return { id: run.id, taskRunId, resultKeys };
}

async function count(table: string, column: string, id: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`)
    .bind(id)
    .first<{ n: number }>();
  return row!.n;
}

/** Every D1 row a run left: run, tags, task runs, logs, artifacts, cache records. */
async function indexRows(run: Made): Promise<number[]> {
  return [
    await count('flow_runs', 'id', run.id),
    await count('task_runs', 'flow_run_id', run.id),
    await count('logs', 'flow_run_id', run.id),
    await count('artifacts', 'flow_run_id', run.id),
    await count('task_run_cache', 'task_run_id', run.taskRunId),
  ];
}

/** The run object's tables (SQLite's own aside) and its alarm. */
async function objectStorage(id: string): Promise<{ tables: string[]; alarm: number | null }> {
  const stub = env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(id));
  return runInDurableObject(stub, async (_instance, state) => ({
    tables: state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((row) => row.name),
    alarm: await state.storage.getAlarm(),
  }));
}

async function inR2(keys: string[]): Promise<boolean[]> {
  return Promise.all(keys.map(async (key) => (await env.RESULTS.head(key)) !== null));
}

async function expectDeleted(run: Made): Promise<void> {
  expect(await indexRows(run)).toEqual([0, 0, 0, 0, 0]);
  expect(await objectStorage(run.id)).toEqual({ tables: [], alarm: null });
  expect(await inR2(run.resultKeys)).toEqual(run.resultKeys.map(() => false));
  expect((await api('GET', `/flow_runs/${run.id}`)).status).toBe(404);
}

async function expectKept(run: Made, { finished }: { finished: boolean }): Promise<void> {
  expect(await indexRows(run)).toEqual([1, 1, 1, 1, 1]);
  expect((await objectStorage(run.id)).tables).toContain('run');
  expect(await inR2(run.resultKeys)).toEqual(
    run.resultKeys.map((key) => finished || !key.startsWith('flow-runs/')),
  );
  expect((await api('GET', `/flow_runs/${run.id}`)).status).toBe(200);
}

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
    expect(report).toEqual({ runs: 0, logs: 1, artifacts: 1 });
    expect(await indexRows(run)).toEqual([1, 1, 0, 0, 1]);
    expect(await inR2(run.resultKeys)).toEqual([true, true, false]);
  });
});
