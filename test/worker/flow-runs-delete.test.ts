// Deleting runs by hand (docs/retention.md): `POST /api/flow_runs/delete` deletes the final runs its
// filter matches, whole, and nothing else; `DELETE /api/flow_runs/{id}` (Prefect's) also clears the
// run's R2 results, artifacts and cache records. Filters name these tests' own runs (shared D1).
import type { FlowRunDeleteResult } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api, createFlow } from './api';
import { expectDeleted, expectKept, makeRun } from './retention-runs';

const deleteRuns = (body: unknown) =>
  api<FlowRunDeleteResult & { field?: string }>('POST', '/flow_runs/delete', body);

describe('POST /api/flow_runs/delete', () => {
  it('deletes the final runs the filter matches, whole, and keeps a matched run that is not final', async () => {
    const done = await makeRun('now');
    const running = await makeRun('RUNNING');
    const bystander = await makeRun('now');
    const { status, body } = await deleteRuns({ flow_runs: { id: { any_: [done.id, running.id] } } });
    expect(status).toBe(200);
    expect(body).toEqual({ deleted: [done.id], skipped: [{ id: running.id, reason: 'not_final' }] });
    await expectDeleted(done);
    await expectKept(running, { finished: false });
    await expectKept(bystander, { finished: true });
    await api('DELETE', `/flow_runs/${running.id}`);
    await api('DELETE', `/flow_runs/${bystander.id}`);
  });

  it("filters by flow, state and end time, and deletes a matched run's subflow runs with it", async () => {
    const flow_id = await createFlow();
    const { body: flow } = await api<{ name: string }>('GET', `/flows/${flow_id}`);
    const parent = await makeRun('now', { flow_id });
    const child = await makeRun('now', { parent_task_run_id: parent.taskRunId });
    const tooRecent = await makeRun(new Date(Date.now() + 86_400_000), { flow_id });
    const { body } = await deleteRuns({
      flows: { name: { any_: [flow.name] } },
      flow_runs: {
        state: { type: { any_: ['COMPLETED'] } },
        end_time: { before_: new Date(Date.now() + 3_600_000).toISOString() },
      },
    });
    expect(body.deleted.sort()).toEqual([parent.id, child.id].sort());
    await expectDeleted(parent);
    await expectDeleted(child);
    await expectKept(tooRecent, { finished: true });
    await api('DELETE', `/flow_runs/${tooRecent.id}`);
  });

  it.each([
    ['an empty filter', {}, 'flow_runs'],
    ['a filter of only an operator', { flow_runs: { operator: 'and_' } }, 'flow_runs'],
    ['an id that is no uuid', { flow_runs: { id: { any_: ['nope'] } } }, 'flow_runs.id.any_[0]'],
    ['a limit of 0', { flow_runs: { id: { any_: [crypto.randomUUID()] } }, limit: 0 }, 'limit'],
    [
      'an unknown state type',
      { flow_runs: { state: { type: { any_: ['DONE'] } } } },
      'flow_runs.state.type.any_[0]',
    ],
  ])('refuses %s with a 4xx naming the field', async (_name, body, field) => {
    const { status, body: answer } = await deleteRuns(body);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(answer.field).toBe(field);
  });
});

describe('DELETE /api/flow_runs/{id}', () => {
  it("deletes the run's R2 results, artifacts and cache records with it", async () => {
    const run = await makeRun('now');
    expect((await api('DELETE', `/flow_runs/${run.id}`)).status).toBe(204);
    await expectDeleted(run);
  });
});
