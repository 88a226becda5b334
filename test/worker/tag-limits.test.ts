// Task tag limits through the task rules: a RUNNING task with a limited tag takes a slot or is held
// in line (WAIT when it cannot be held), terminal states and ended flow runs give slots back.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { FlowRun, TagConcurrencyLimit, TaskRunBatchResult } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { FlowRunObject } from '../../src/durable/flow-run-object';
import { api, createFlow } from './api';
import { readLimit, uniqueName, untilWaiting } from './limits';

async function runningFlowRun(): Promise<FlowRun> {
  const flow_id = await createFlow();
  const { body: run } = await api<FlowRun>('POST', '/flow_runs', { flow_id });
  await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' } });
  return run;
}

async function batch(flowRunId: string, items: unknown[]): Promise<TaskRunBatchResult[]> {
  const { status, body } = await api<{ results: TaskRunBatchResult[] }>(
    'POST',
    `/flow_runs/${flowRunId}/task_runs/batch`,
    { items },
  );
  expect(status).toBe(200);
  return body.results;
}

async function tagLimit(limit: number): Promise<string> {
  const tag = uniqueName('tag');
  const { status } = await api('POST', '/concurrency_limits', { tag, concurrency_limit: limit });
  expect(status).toBe(201);
  return tag;
}

/** Creates a task run with `tags` (PENDING) and answers its id. */
async function taggedTask(flowRunId: string, tags: string[]): Promise<string> {
  const id = crypto.randomUUID();
  const task_run = { id, task_key: uniqueName('task'), dynamic_key: '0', tags, state: { type: 'PENDING' } };
  await batch(flowRunId, [{ op: 'create', task_run }]);
  return id;
}

const setState = (taskRunId: string, type: string) => ({
  op: 'set_state',
  task_run_id: taskRunId,
  state: { type },
  force: false,
});

const slotsOf = async (tag: string) => (await readLimit(`tag:${tag}`)).active_slots;

const objectOf = (id: string) => env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(id));

/** Whether the run's object has the table that remembers slots held. */
const hasSlotsTable = (flowRunId: string) =>
  runInDurableObject(
    objectOf(flowRunId),
    (_, state) =>
      state.storage.sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'task_tag_slots'")
        .toArray().length > 0,
  );

describe('task tag limits', () => {
  it('a task entering RUNNING takes a slot of its tag, and a terminal state gives it back', async () => {
    const tag = await tagLimit(1);
    const flowRun = await runningFlowRun();
    const task = await taggedTask(flowRun.id, [tag, 'no-limit-on-this-tag']);
    const [running] = await batch(flowRun.id, [setState(task, 'RUNNING')]);
    expect(running).toMatchObject({ status: 'ACCEPT', state: { type: 'RUNNING' } });
    expect(await slotsOf(tag)).toBe(1);
    const { body: v1 } = await api<TagConcurrencyLimit>('GET', `/concurrency_limits/tag/${tag}`);
    expect(v1.active_slots).toEqual([task]);
    await batch(flowRun.id, [setState(task, 'COMPLETED')]);
    expect(await slotsOf(tag)).toBe(0);
  });

  it('a run that held no slots, then several, gives each back as its task ends', async () => {
    const tag = await tagLimit(2);
    const flowRun = await runningFlowRun();
    // Batches of untagged tasks first: the run object learns it holds no slots.
    const plain = crypto.randomUUID();
    const task_run = {
      id: plain,
      task_key: uniqueName('task'),
      dynamic_key: '0',
      state: { type: 'PENDING' },
    };
    await batch(flowRun.id, [{ op: 'create', task_run }, setState(plain, 'RUNNING')]);
    await batch(flowRun.id, [setState(plain, 'COMPLETED')]);
    const first = await taggedTask(flowRun.id, [tag]);
    const second = await taggedTask(flowRun.id, [tag]);
    await batch(flowRun.id, [setState(first, 'RUNNING'), setState(second, 'RUNNING')]);
    expect(await slotsOf(tag)).toBe(2);
    await batch(flowRun.id, [setState(first, 'COMPLETED')]);
    expect(await slotsOf(tag)).toBe(1);
    // The second still holds its slot after the first gave its own back.
    await batch(flowRun.id, [setState(second, 'FAILED')]);
    expect(await slotsOf(tag)).toBe(0);
  });

  it('a run whose tasks never held a slot ends without a slots table; one that held some gets it', async () => {
    const tag = await tagLimit(1);
    const plainRun = await runningFlowRun();
    const plain = await taggedTask(plainRun.id, ['no-limit-on-this-tag']);
    await batch(plainRun.id, [setState(plain, 'RUNNING')]);
    await batch(plainRun.id, [setState(plain, 'COMPLETED')]);
    await api('POST', `/flow_runs/${plainRun.id}/set_state`, { state: { type: 'COMPLETED' } });
    expect(await hasSlotsTable(plainRun.id)).toBe(false);

    const taggedRun = await runningFlowRun();
    const task = await taggedTask(taggedRun.id, [tag]);
    await batch(taggedRun.id, [setState(task, 'RUNNING')]);
    expect(await hasSlotsTable(taggedRun.id)).toBe(true);
  });

  it('an object woken after its task took a slot still gives it back when the flow run ends', async () => {
    const tag = await tagLimit(1);
    const flowRun = await runningFlowRun();
    const task = await taggedTask(flowRun.id, [tag]);
    await batch(flowRun.id, [setState(task, 'RUNNING')]);
    expect(await slotsOf(tag)).toBe(1);
    // A new instance over the same storage is the object as eviction or a restart leaves it.
    const reply = await runInDurableObject(objectOf(flowRun.id), (_, state) =>
      new FlowRunObject(state, env).setState({ state: { type: 'CANCELLED' }, force: true }),
    );
    expect(reply).toMatchObject({ kind: 'ok', result: { status: 'ACCEPT' } });
    expect(await slotsOf(tag)).toBe(0);
  });

  it('a run deleted and made again in the same object (same idempotency key) takes slots again', async () => {
    const tag = await tagLimit(2);
    const body = { flow_id: await createFlow(), idempotency_key: uniqueName('key') };
    for (const round of [1, 2]) {
      const { body: run } = await api<FlowRun>('POST', '/flow_runs', body);
      await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' } });
      const task = await taggedTask(run.id, [tag]);
      const [running] = await batch(run.id, [setState(task, 'RUNNING')]);
      expect(running, `round ${round}`).toMatchObject({ status: 'ACCEPT' });
      expect(await slotsOf(tag)).toBe(1);
      expect((await api('DELETE', `/flow_runs/${run.id}`)).status).toBe(204);
      expect(await slotsOf(tag)).toBe(0);
    }
  });

  it('a RUNNING proposal on a full tag is held, and answered ACCEPT when the slot frees', async () => {
    const tag = await tagLimit(1);
    const flowRun = await runningFlowRun();
    const first = await taggedTask(flowRun.id, [tag]);
    const second = await taggedTask(flowRun.id, [tag]);
    await batch(flowRun.id, [setState(first, 'RUNNING')]);
    const held = batch(flowRun.id, [setState(second, 'RUNNING')]);
    await untilWaiting(`tag:${tag}`, 1);
    await batch(flowRun.id, [setState(first, 'COMPLETED')]);
    const [answer] = await held;
    expect(answer).toMatchObject({ status: 'ACCEPT', state: { type: 'RUNNING' } });
    expect(await slotsOf(tag)).toBe(1);
  });

  it('a full tag answers WAIT when the batch cannot be held (it also ends a task)', async () => {
    const tag = await tagLimit(1);
    const flowRun = await runningFlowRun();
    const first = await taggedTask(flowRun.id, [tag]);
    const second = await taggedTask(flowRun.id, [tag]);
    const other = await taggedTask(flowRun.id, []);
    await batch(flowRun.id, [setState(first, 'RUNNING'), setState(other, 'RUNNING')]);
    const [, waited] = await batch(flowRun.id, [setState(other, 'COMPLETED'), setState(second, 'RUNNING')]);
    expect(waited!.status).toBe('WAIT');
    expect(waited!.details).toMatchObject({ type: 'wait_details' });
    expect(await slotsOf(tag)).toBe(1);
  });

  it('a tag limit of 0 aborts the task rather than hold it forever', async () => {
    const tag = await tagLimit(0);
    const flowRun = await runningFlowRun();
    const task = await taggedTask(flowRun.id, [tag]);
    const [answer] = await batch(flowRun.id, [setState(task, 'RUNNING')]);
    expect(answer!.status).toBe('ABORT');
  });

  it('a rejected RUNNING gives back the slot it took (the flow run is not running)', async () => {
    const tag = await tagLimit(2);
    const flowRun = await runningFlowRun();
    const task = await taggedTask(flowRun.id, [tag]);
    await api('POST', `/flow_runs/${flowRun.id}/set_state`, { state: { type: 'PAUSED' } });
    const [answer] = await batch(flowRun.id, [setState(task, 'RUNNING')]);
    expect(answer!.status).not.toBe('ACCEPT');
    expect(await slotsOf(tag)).toBe(0);
  });

  it("a cancelled or crashed flow run gives back its running tasks' slots", async () => {
    for (const end of ['CANCELLED', 'CRASHED']) {
      const tag = await tagLimit(2);
      const flowRun = await runningFlowRun();
      const tasks = [await taggedTask(flowRun.id, [tag]), await taggedTask(flowRun.id, [tag])];
      await batch(
        flowRun.id,
        tasks.map((task) => setState(task, 'RUNNING')),
      );
      expect(await slotsOf(tag)).toBe(2);
      const { body } = await api<{ status: string }>('POST', `/flow_runs/${flowRun.id}/set_state`, {
        state: { type: end },
        force: true,
      });
      expect(body.status).toBe('ACCEPT');
      expect(await slotsOf(tag)).toBe(0);
    }
  });

  it('V1 routes: upsert changes the limit, filter lists tags, reset frees, delete removes', async () => {
    const tag = await tagLimit(1);
    const again = await api<TagConcurrencyLimit>('POST', '/concurrency_limits', {
      tag,
      concurrency_limit: 5,
    });
    expect(again.status).toBe(200);
    expect(again.body.concurrency_limit).toBe(5);
    const { body: listed } = await api<TagConcurrencyLimit[]>('POST', '/concurrency_limits/filter', {});
    expect(listed.map((l) => l.tag)).toContain(tag);
    expect(listed.every((l) => !l.tag.startsWith('tag:'))).toBe(true);
    expect((await api('POST', `/concurrency_limits/tag/${tag}/reset`)).status).toBe(200);
    expect((await api('DELETE', `/concurrency_limits/tag/${tag}`)).status).toBe(204);
    expect((await api('GET', `/concurrency_limits/tag/${tag}`)).status).toBe(404);
  });
});
