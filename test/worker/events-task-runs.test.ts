// Task-run state events: a batch keeps one record beside its `states` rows and the events are built
// from both at delivery, reading as the batch would have made them, each once by its state's id,
// whether delivered at once, again by an object that lost its memory, or after a crash between the
// commit and the delivery (docs/events.md, "Durable, off the hot path").
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Event, FlowRun, TaskRunBatchItem, TaskRunBatchResult } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { FlowRunObject } from '../../src/durable/flow-run-object';
import { systemClock } from '../../src/durable/run-proposals';
import { RunStorage } from '../../src/durable/run-storage';
import { applyTaskBatch } from '../../src/durable/task-batch';
import { api, createFlow } from './api';

async function storedEvents(resourceId: string): Promise<Event[]> {
  const { results } = await env.DB.prepare('SELECT doc FROM events WHERE resource_id = ? ORDER BY seq')
    .bind(resourceId)
    .all<{ doc: string }>();
  return results.map((row) => JSON.parse(row.doc) as Event);
}

async function runningRun(fields: Record<string, unknown> = {}): Promise<FlowRun> {
  const { body } = await api<FlowRun>('POST', '/flow_runs', { flow_id: await createFlow(), ...fields });
  await api('POST', `/flow_runs/${body.id}/set_state`, { state: { type: 'RUNNING' } });
  return body;
}

const objectOf = (id: string) => env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(id));

async function batch(runId: string, items: TaskRunBatchItem[]): Promise<TaskRunBatchResult[]> {
  const { body } = await api<{ results: TaskRunBatchResult[] }>(
    'POST',
    `/flow_runs/${runId}/task_runs/batch`,
    { items },
  );
  return body.results;
}

const create = (id: string, fields: Record<string, unknown> = {}): TaskRunBatchItem =>
  ({
    op: 'create',
    task_run: { id, task_key: 't', dynamic_key: id, state: { type: 'PENDING' }, ...fields },
  }) as TaskRunBatchItem;

const setTo = (id: string, type: string): TaskRunBatchItem =>
  ({ op: 'set_state', task_run_id: id, state: { type } }) as TaskRunBatchItem;

/** The object's undelivered-or-undeleted event rows. */
const objectEventRows = (runId: string) =>
  runInDurableObject(objectOf(runId), (_, state) =>
    state.storage.sql.exec<{ seq: number }>('SELECT seq FROM events ORDER BY seq').toArray(),
  );

/** A new instance over the same storage: the object as eviction or a restart leaves it. */
const readAfterRestart = (runId: string) =>
  runInDurableObject(objectOf(runId), (_, state) => new FlowRunObject(state, env).read());

describe('a task-run state event built at delivery', () => {
  it("reads as the batch made it: the state, the one before (an earlier batch's too), the run count, the task and its flow run", async () => {
    const run = await runningRun({ name: 'evented-run', tags: ['flow-tag'], work_pool_name: 'ev-pool' });
    const taskRunId = crypto.randomUUID();
    const first = await batch(run.id, [
      create(taskRunId, { name: 'my-task', tags: ['a', 'b'], empirical_policy: { retries: 1 } }),
      setTo(taskRunId, 'RUNNING'),
      setTo(taskRunId, 'FAILED'),
    ]);
    const second = await batch(run.id, [setTo(taskRunId, 'RUNNING'), setTo(taskRunId, 'COMPLETED')]);
    const states = [...first, ...second].map((result) => result.state!);
    expect(states.map((state) => state.name)).toEqual([
      'Pending',
      'Running',
      'AwaitingRetry',
      'Retrying',
      'Completed',
    ]);

    const events = await storedEvents(`prefect.task-run.${taskRunId}`);
    expect(events.map((event) => event.id)).toEqual(states.map((state) => state.id));
    expect(events.map((event) => event.follows)).toEqual([null, ...states.slice(0, -1).map((s) => s.id)]);
    expect(events.map((event) => event.resource['prefect.run-count'])).toEqual(['0', '1', '1', '2', '2']);
    // The second batch's first event follows a state of the first batch.
    const retrying = events[3]!;
    expect(retrying).toEqual({
      id: states[3]!.id,
      event: 'prefect.task-run.Retrying',
      occurred: states[3]!.timestamp,
      received: retrying.received,
      follows: states[2]!.id,
      resource: {
        'prefect.resource.id': `prefect.task-run.${taskRunId}`,
        'prefect.resource.name': 'my-task',
        'prefect.run-count': '2',
        'prefect.state-message': '',
        'prefect.state-name': 'Retrying',
        'prefect.state-timestamp': states[3]!.timestamp,
        'prefect.state-type': 'RUNNING',
      },
      related: [
        {
          'prefect.resource.id': `prefect.flow-run.${run.id}`,
          'prefect.resource.role': 'flow-run',
          'prefect.resource.name': 'evented-run',
        },
        { 'prefect.resource.id': `prefect.flow.${run.flow_id}`, 'prefect.resource.role': 'flow' },
        {
          'prefect.resource.id': 'prefect.work-queue.default',
          'prefect.resource.role': 'work-queue',
          'prefect.resource.name': 'default',
        },
        {
          'prefect.resource.id': 'prefect.work-pool.ev-pool',
          'prefect.resource.role': 'work-pool',
          'prefect.resource.name': 'ev-pool',
        },
        { 'prefect.resource.id': 'prefect.tag.a', 'prefect.resource.role': 'tag' },
        { 'prefect.resource.id': 'prefect.tag.b', 'prefect.resource.role': 'tag' },
      ],
      payload: {
        intended: { from: 'SCHEDULED', to: 'RUNNING' },
        initial_state: { type: 'SCHEDULED', name: 'AwaitingRetry', message: states[2]!.message ?? '' },
        validated_state: { type: 'RUNNING', name: 'Retrying', message: '' },
      },
    });
  });

  it('takes one row of the object per batch, however many states the batch writes', async () => {
    const run = await runningRun();
    const before = (await objectEventRows(run.id)).map((row) => row.seq);
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    await batch(
      run.id,
      ids.flatMap((id) => [create(id), setTo(id, 'RUNNING'), setTo(id, 'COMPLETED')]),
    );
    const added = (await objectEventRows(run.id)).filter((row) => !before.includes(row.seq));
    expect(added).toHaveLength(1);
    for (const id of ids) expect(await storedEvents(`prefect.task-run.${id}`)).toHaveLength(3);
  });
});

describe('a delivery that would exceed its limit', () => {
  it("leaves a batch's record whole to the next write, after the events made before it", async () => {
    const run = await runningRun();
    const taskRunId = crypto.randomUUID();
    const prefix = `burst.${taskRunId}.`;
    // 999 custom events, then the batch's 3 states: one more than a delivery carries.
    const custom = Array.from({ length: 999 }, (_, i) => ({
      id: crypto.randomUUID(),
      occurred: new Date().toISOString(),
      event: 'burst',
      resource: { 'prefect.resource.id': `${prefix}${i}` },
    }));
    const answer = await api('POST', `/flow_runs/${run.id}/task_runs/batch`, {
      items: [create(taskRunId), setTo(taskRunId, 'RUNNING'), setTo(taskRunId, 'COMPLETED')],
      events: custom,
    });
    expect(answer.status).toBe(200);
    const { results } = await env.DB.prepare(
      `SELECT resource_id FROM events WHERE resource_id LIKE ? OR resource_id = ? ORDER BY seq`,
    )
      .bind(`${prefix}%`, `prefect.task-run.${taskRunId}`)
      .all<{ resource_id: string }>();
    expect(results).toHaveLength(1002);
    expect(results.slice(999).map((row) => row.resource_id)).toEqual(
      Array(3).fill(`prefect.task-run.${taskRunId}`),
    );
  });
});

describe('task-run state events delivered again', () => {
  it('by an object that lost its memory are stored once, with the same ids', async () => {
    const run = await runningRun();
    const taskRunId = crypto.randomUUID();
    await batch(run.id, [create(taskRunId), setTo(taskRunId, 'RUNNING'), setTo(taskRunId, 'COMPLETED')]);
    const delivered = await storedEvents(`prefect.task-run.${taskRunId}`);
    expect(delivered).toHaveLength(3);
    // The record waits for the object's next write to be deleted: a new instance sends it again.
    expect(await objectEventRows(run.id)).not.toHaveLength(0);
    await readAfterRestart(run.id);
    expect(await storedEvents(`prefect.task-run.${taskRunId}`)).toEqual(delivered);
  });

  it('after a crash between the commit and the delivery reach D1 with the next call', async () => {
    const run = await runningRun();
    const taskRunId = crypto.randomUUID();
    const items = [create(taskRunId), setTo(taskRunId, 'RUNNING'), setTo(taskRunId, 'COMPLETED')];
    const written = await runInDurableObject(objectOf(run.id), (_, state) => {
      // Committed in the object, as if the process died before the D1 write.
      const storage = new RunStorage(state.storage);
      const outcome = storage.atomically(() =>
        applyTaskBatch(storage, storage.readRun()!.doc, items, new Map(), systemClock()),
      );
      return outcome.results.map((result) => result.state!.id);
    });
    expect(await storedEvents(`prefect.task-run.${taskRunId}`)).toEqual([]);
    await readAfterRestart(run.id);
    const events = await storedEvents(`prefect.task-run.${taskRunId}`);
    expect(events.map((event) => event.id)).toEqual(written);
    expect(events.map((event) => event.event)).toEqual([
      'prefect.task-run.Pending',
      'prefect.task-run.Running',
      'prefect.task-run.Completed',
    ]);
  });
});

describe('a task-run state record that does not match its states rows', () => {
  it("is skipped with its events, and the run's index and later events still reach D1", async () => {
    const run = await runningRun();
    const taskRunId = crypto.randomUUID();
    const items = [create(taskRunId), setTo(taskRunId, 'RUNNING')];
    await runInDurableObject(objectOf(run.id), (_, state) => {
      // Committed, not delivered; then the record is made to point past its rows.
      const storage = new RunStorage(state.storage);
      storage.atomically(() =>
        applyTaskBatch(storage, storage.readRun()!.doc, items, new Map(), systemClock()),
      );
      const row = state.storage.sql
        .exec<{ seq: number; doc: string }>(
          "SELECT seq, doc FROM events WHERE doc LIKE '[%' ORDER BY seq DESC",
        )
        .one();
      const [record] = JSON.parse(row.doc) as [{ first_state_seq: number }];
      record.first_state_seq += 1_000;
      state.storage.sql.exec('UPDATE events SET doc = ? WHERE seq = ?', JSON.stringify([record]), row.seq);
    });
    const reply = await runInDurableObject(objectOf(run.id), (_, state) =>
      new FlowRunObject(state, env).setState({ state: { type: 'COMPLETED' }, force: false }),
    );
    expect(reply).toMatchObject({ kind: 'ok', written: true });
    const { body: indexed } = await api<FlowRun[]>('POST', '/flow_runs/filter', {
      flow_runs: { id: { any_: [run.id] } },
    });
    expect(indexed[0]?.state_type).toBe('COMPLETED');
    expect(await storedEvents(`prefect.task-run.${taskRunId}`)).toEqual([]);
    expect((await storedEvents(`prefect.flow-run.${run.id}`)).map((event) => event.event)).toContain(
      'prefect.flow-run.Completed',
    );
  });
});
