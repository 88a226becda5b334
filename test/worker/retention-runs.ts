// Runs with everything retention deletes (a task run, R2 results, a cache record, a log line, an
// artifact in R2), and checks that all of it is gone or all of it is there (docs/retention.md).
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { FlowRun } from 'edgeflow/protocol';
import { expect } from 'vitest';
import { api, createFlow } from './api';

const DAY = 86_400_000;
export const later = (days: number) => new Date(Date.now() + days * DAY);

export interface Made {
  id: string;
  taskRunId: string;
  resultKeys: string[];
}

const record = (key: string) => ({ storage_key: key, serializer: 'json' });

/**
 * A flow run with one task run, each with a result in R2, a cache record, a log line and an artifact
 * whose data went to R2; `end`: finished now (`now`), finished at a later instant, or left going.
 */
export async function makeRun(
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

export async function count(table: string, column: string, id: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`)
    .bind(id)
    .first<{ n: number }>();
  return row!.n;
}

/** Every D1 row a run left: run, tags, task runs, logs, artifacts, cache records. */
export async function indexRows(run: Made): Promise<number[]> {
  return [
    await count('flow_runs', 'id', run.id),
    await count('task_runs', 'flow_run_id', run.id),
    await count('logs', 'flow_run_id', run.id),
    await count('artifacts', 'flow_run_id', run.id),
    await count('task_run_cache', 'task_run_id', run.taskRunId),
  ];
}

/** The run object's tables (SQLite's own aside) and its alarm. */
export async function objectStorage(id: string): Promise<{ tables: string[]; alarm: number | null }> {
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

export async function inR2(keys: string[]): Promise<boolean[]> {
  return Promise.all(keys.map(async (key) => (await env.RESULTS.head(key)) !== null));
}

export async function expectDeleted(run: Made): Promise<void> {
  expect(await indexRows(run)).toEqual([0, 0, 0, 0, 0]);
  expect(await objectStorage(run.id)).toEqual({ tables: [], alarm: null });
  expect(await inR2(run.resultKeys)).toEqual(run.resultKeys.map(() => false));
  expect((await api('GET', `/flow_runs/${run.id}`)).status).toBe(404);
}

export async function expectKept(run: Made, { finished }: { finished: boolean }): Promise<void> {
  expect(await indexRows(run)).toEqual([1, 1, 1, 1, 1]);
  expect((await objectStorage(run.id)).tables).toContain('run');
  expect(await inR2(run.resultKeys)).toEqual(
    run.resultKeys.map((key) => finished || !key.startsWith('flow-runs/')),
  );
  expect((await api('GET', `/flow_runs/${run.id}`)).status).toBe(200);
}
