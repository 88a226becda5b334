// Artifacts in Prefect's shapes: every create under a key is a new version and the latest per key
// is the newest; bad keys and data refused naming the field; large data kept in R2; artifacts and
// progress updates sent in a flow run's report batch, stored once however often it is resent.
import { env } from 'cloudflare:workers';
import type { Artifact, ArtifactCollection, FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api, createFlow } from './api';

const uniqueKey = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

async function newRun(): Promise<FlowRun> {
  return (await api<FlowRun>('POST', '/flow_runs', { flow_id: await createFlow() })).body;
}

const create = (body: Record<string, unknown>) => api<Artifact>('POST', '/artifacts/', body);

describe('artifact versions', () => {
  it('every create under a key is a new version; latest per key is the newest', async () => {
    const key = uniqueKey('report');
    const first = await create({ key, type: 'markdown', data: '# v1' });
    const second = await create({ key, type: 'markdown', data: '# v2' });
    expect(first.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    expect((await api<Artifact>('GET', `/artifacts/${key}/latest`)).body).toMatchObject({
      id: second.body.id,
      data: '# v2',
    });
    const versions = await api<Artifact[]>('POST', '/artifacts/filter', {
      artifacts: { key: { any_: [key] } },
    });
    expect(versions.body.map((artifact) => artifact.data)).toEqual(['# v2', '# v1']);
    expect(
      (await api<number>('POST', '/artifacts/count', { artifacts: { key: { any_: [key] } } })).body,
    ).toBe(2);
    // Deleting the latest makes the version before it the latest again.
    expect((await api('DELETE', `/artifacts/${second.body.id}`)).status).toBe(204);
    expect((await api<Artifact>('GET', `/artifacts/${key}/latest`)).body.id).toBe(first.body.id);
  });

  it('latest/filter answers one collection per key, with its latest_id', async () => {
    const [a, b] = [uniqueKey('coll-a'), uniqueKey('coll-b')];
    await create({ key: a, type: 'table', data: [{ x: 1 }] });
    const newestA = await create({ key: a, type: 'table', data: { x: [1, 2] } });
    const onlyB = await create({ key: b, type: 'link', data: '[docs](https://example.com)' });
    await create({ type: 'markdown', data: 'keyless' });
    const { body } = await api<ArtifactCollection[]>('POST', '/artifacts/latest/filter', {
      artifacts: { key: { any_: [a, b] } },
      sort: 'KEY_ASC',
    });
    expect(body.map((collection) => [collection.key, collection.latest_id])).toEqual([
      [a, newestA.body.id],
      [b, onlyB.body.id],
    ]);
    expect(body[0]!.data).toEqual({ x: [1, 2] });
    const count = await api<number>('POST', '/artifacts/latest/count', {
      artifacts: { key: { any_: [a, b] } },
    });
    expect(count.body).toBe(2);
  });
});

describe('bad artifacts are refused naming the field, and nothing is stored', () => {
  it.each([
    [{ key: 'Has Caps', type: 'markdown', data: 'x' }, 'key'],
    [{ key: 'under_score', type: 'markdown', data: 'x' }, 'key'],
    [{ type: 'chart', data: 'x' }, 'type'],
    [{ type: 'markdown', data: 42 }, 'data'],
    [{ type: 'progress', data: 101 }, 'data'],
    [{ type: 'image', data: 'javascript:alert(1)' }, 'data'],
    [{ type: 'table', data: 'not a table' }, 'data'],
    [{ type: 'markdown', data: 'x'.repeat(1_000_001) }, 'data'],
  ])('%j → 422 naming %s', async (body, field) => {
    const marker = uniqueKey('refused');
    const answer = await api<{ field: string }>('POST', '/artifacts', { description: marker, ...body });
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe(field);
    const stored = await env.DB.prepare('SELECT count(*) AS n FROM artifacts WHERE description = ?')
      .bind(marker)
      .first<{ n: number }>();
    expect(stored?.n).toBe(0);
  });

  it('only a progress artifact changes its data in place', async () => {
    const markdown = await create({ type: 'markdown', data: 'fixed' });
    const refused = await api<{ field: string }>('PATCH', `/artifacts/${markdown.body.id}`, {
      data: 'changed',
    });
    expect(refused).toMatchObject({ status: 422, body: { field: 'data' } });
    const progress = await create({ type: 'progress', data: 10 });
    expect((await api('PATCH', `/artifacts/${progress.body.id}`, { data: 55.5 })).status).toBe(204);
    expect((await api<Artifact>('GET', `/artifacts/${progress.body.id}`)).body.data).toBe(55.5);
  });
});

describe('large artifact data', () => {
  it('goes to R2 and reads back whole; deleting the artifact deletes it there', async () => {
    const rows = Array.from({ length: 2_000 }, (_, i) => ({ row: i, text: 'some longer cell text' }));
    const created = await create({ key: uniqueKey('big'), type: 'table', data: rows });
    expect(created.status).toBe(201);
    const stored = await env.DB.prepare('SELECT data, data_key FROM artifacts WHERE id = ?')
      .bind(created.body.id)
      .first<{ data: string | null; data_key: string | null }>();
    expect(stored).toMatchObject({ data: null, data_key: `artifacts/${created.body.id}.json` });
    expect((await api<Artifact>('GET', `/artifacts/${created.body.id}`)).body.data).toEqual(rows);
    await api('DELETE', `/artifacts/${created.body.id}`);
    expect(await env.RESULTS.head(stored!.data_key!)).toBeNull();
  });
});

describe('artifacts in report batches', () => {
  it('are linked to the batch’s flow run, stored once when the batch is resent, and progress moves', async () => {
    const run = await newRun();
    const taskRunId = crypto.randomUUID();
    const progressId = crypto.randomUUID();
    const key = uniqueKey('batch');
    const batch = {
      items: [{ op: 'create', task_run: { id: taskRunId, task_key: 't', dynamic_key: '0', name: 't-0' } }],
      artifacts: [
        { id: crypto.randomUUID(), key, type: 'markdown', data: '# hi', task_run_id: taskRunId },
        { id: progressId, type: 'progress', data: 0, flow_run_id: crypto.randomUUID() },
      ],
    };
    expect((await api('POST', `/flow_runs/${run.id}/task_runs/batch`, batch)).status).toBe(200);
    expect((await api('POST', `/flow_runs/${run.id}/task_runs/batch`, batch)).status).toBe(200);
    const mine = await api<Artifact[]>('POST', '/artifacts/filter', {
      artifacts: { flow_run_id: { any_: [run.id] } },
    });
    expect(mine.body).toHaveLength(2);
    expect(mine.body.find((artifact) => artifact.key === key)).toMatchObject({
      flow_run_id: run.id,
      task_run_id: taskRunId,
    });
    const moved = await api('POST', `/flow_runs/${run.id}/task_runs/batch`, {
      items: [],
      artifact_progress: [{ id: progressId, progress: 75 }],
    });
    expect(moved.status).toBe(200);
    expect((await api<Artifact>('GET', `/artifacts/${progressId}`)).body.data).toBe(75);
  });

  it('a batch with a bad artifact is refused whole, naming it, and applies nothing', async () => {
    const run = await newRun();
    const taskRunId = crypto.randomUUID();
    const answer = await api<{ field: string }>('POST', `/flow_runs/${run.id}/task_runs/batch`, {
      items: [{ op: 'create', task_run: { id: taskRunId, task_key: 't', dynamic_key: '0', name: 't-0' } }],
      artifacts: [
        { type: 'markdown', data: 'fine' },
        { type: 'progress', data: 'half' },
      ],
    });
    expect(answer).toMatchObject({ status: 422, body: { field: 'artifacts[1].data' } });
    expect((await api('GET', `/task_runs/${taskRunId}`)).status).toBe(404);
    const count = await api<number>('POST', '/artifacts/count', {
      artifacts: { flow_run_id: { any_: [run.id] } },
    });
    expect(count.body).toBe(0);
  });
});

describe("Prefect's run filters on artifacts", () => {
  it('flow_runs and task_runs by id answer only those runs’ artifacts; another run field is refused', async () => {
    const [mineRun, otherRun, mineTask] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const inFlow = await create({ type: 'markdown', data: 'in the flow', flow_run_id: mineRun });
    const inTask = await create({
      type: 'markdown',
      data: 'in a task',
      flow_run_id: mineRun,
      task_run_id: mineTask,
    });
    await create({ type: 'markdown', data: 'another run', flow_run_id: otherRun });
    // The body as Prefect's `read_artifacts(flow_run_filter=FlowRunFilter(id=…))` sends it.
    const byFlowRun = await api<Artifact[]>('POST', '/artifacts/filter', {
      artifacts: null,
      flow_runs: { operator: 'and_', id: { any_: [mineRun] }, name: null, tags: null },
      task_runs: null,
      sort: null,
      limit: null,
      offset: 0,
    });
    expect(byFlowRun.body.map((artifact) => artifact.id).sort()).toEqual(
      [inFlow.body.id, inTask.body.id].sort(),
    );
    const byTaskRun = await api<Artifact[]>('POST', '/artifacts/filter', {
      task_runs: { operator: 'and_', id: { any_: [mineTask] } },
    });
    expect(byTaskRun.body.map((artifact) => artifact.id)).toEqual([inTask.body.id]);
    const counted = await api<number>('POST', '/artifacts/count', { flow_runs: { id: { any_: [mineRun] } } });
    expect(counted.body).toBe(2);
    const byName = await api<{ field: string }>('POST', '/artifacts/filter', {
      flow_runs: { name: { any_: ['some-run'] } },
    });
    expect(byName.status).toBe(422);
  });
});
