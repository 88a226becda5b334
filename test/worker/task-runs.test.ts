// Task runs: single-item routes and the per-flow-run batch, both through the task rules.
import type { FlowRun, OrchestrationResult, TaskRun, TaskRunBatchResult } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api, createFlow } from './api';

async function runningFlowRun(): Promise<FlowRun> {
  const flow_id = await createFlow();
  const { body: run } = await api<FlowRun>('POST', '/flow_runs', { flow_id });
  await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' } });
  return run;
}

const batch = (flowRunId: string, items: unknown[]) =>
  api<{ results: TaskRunBatchResult[] }>('POST', `/flow_runs/${flowRunId}/task_runs/batch`, { items });

describe('POST /api/task_runs', () => {
  it('creates a task run (201) and returns the same one for the same keys (200)', async () => {
    const flowRun = await runningFlowRun();
    const body = { flow_run_id: flowRun.id, task_key: 'say_hello', dynamic_key: '0' };
    const first = await api<TaskRun>('POST', '/task_runs', body);
    const again = await api<TaskRun>('POST', '/task_runs', body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect((await api<TaskRun>('GET', `/task_runs/${first.body.id}`)).body.task_key).toBe('say_hello');
  });

  it('is 404 naming flow_run_id for an unknown flow run', async () => {
    const { status, body } = await api<{ field: string }>('POST', '/task_runs', {
      flow_run_id: crypto.randomUUID(),
      task_key: 't',
      dynamic_key: '0',
    });
    expect(status).toBe(404);
    expect(body.field).toBe('flow_run_id');
  });

  it('moves through set_state with 201 when written', async () => {
    const flowRun = await runningFlowRun();
    const { body: task } = await api<TaskRun>('POST', '/task_runs', {
      flow_run_id: flowRun.id,
      task_key: 't',
      dynamic_key: '0',
    });
    const running = await api<OrchestrationResult>('POST', `/task_runs/${task.id}/set_state`, {
      state: { type: 'RUNNING' },
    });
    expect(running.status).toBe(201);
    expect(running.body.status).toBe('ACCEPT');
    const done = await api<OrchestrationResult>('POST', `/task_runs/${task.id}/set_state`, {
      state: { type: 'COMPLETED' },
    });
    expect(done.body.state?.type).toBe('COMPLETED');
    const { body } = await api<TaskRun>('GET', `/task_runs/${task.id}`);
    expect(body).toMatchObject({ state_type: 'COMPLETED', run_count: 1 });
  });

  it('aborts a task that starts while its flow run is not RUNNING', async () => {
    const flow_id = await createFlow();
    const { body: flowRun } = await api<FlowRun>('POST', '/flow_runs', { flow_id });
    const { body: task } = await api<TaskRun>('POST', '/task_runs', {
      flow_run_id: flowRun.id,
      task_key: 't',
      dynamic_key: '0',
    });
    const { status, body } = await api<OrchestrationResult>('POST', `/task_runs/${task.id}/set_state`, {
      state: { type: 'RUNNING' },
    });
    expect(status).toBe(200);
    expect(body.status).toBe('ABORT');
  });
});

describe('POST /api/flow_runs/{id}/task_runs/batch', () => {
  it('applies creates and states in order and indexes them in one go', async () => {
    const flowRun = await runningFlowRun();
    const ids = Array.from({ length: 50 }, () => crypto.randomUUID());
    const items = ids.flatMap((id, i) => [
      { op: 'create', task_run: { id, task_key: 'square', dynamic_key: String(i) } },
      { op: 'set_state', task_run_id: id, state: { type: 'RUNNING' } },
      { op: 'set_state', task_run_id: id, state: { type: 'COMPLETED', data: i * i } },
    ]);
    const { status, body } = await batch(flowRun.id, items);
    expect(status).toBe(200);
    expect(body.results).toHaveLength(150);
    expect(body.results.every((result) => result.status === 'ACCEPT')).toBe(true);

    const listed = await api<TaskRun[]>('POST', '/task_runs/filter', {
      task_runs: { flow_run_id: { any_: [flowRun.id] }, state: { type: { any_: ['COMPLETED'] } } },
    });
    expect(listed.body).toHaveLength(50);
    const count = await api<number>('POST', '/task_runs/count', {
      task_runs: { flow_run_id: { any_: [flowRun.id] } },
    });
    expect(count.body).toBe(50);
  });

  it('does not let one rejected item undo the others', async () => {
    const flowRun = await runningFlowRun();
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const { body } = await batch(flowRun.id, [
      { op: 'create', task_run: { id: a, task_key: 'a', dynamic_key: '0' } },
      { op: 'set_state', task_run_id: b, state: { type: 'RUNNING' } },
      { op: 'set_state', task_run_id: a, state: { type: 'RUNNING' } },
    ]);
    expect(body.results.map((result) => result.status)).toEqual(['ACCEPT', 'ABORT', 'ACCEPT']);
  });

  it('answers a resent item with its first answer (transition ids)', async () => {
    const flowRun = await runningFlowRun();
    const id = crypto.randomUUID();
    const items = [
      { op: 'create', task_run: { id, task_key: 't', dynamic_key: '0' } },
      {
        op: 'set_state',
        task_run_id: id,
        state: { type: 'RUNNING', state_details: { transition_id: 'x1' } },
      },
    ];
    const first = await batch(flowRun.id, items);
    const again = await batch(flowRun.id, items);
    expect(again.body.results[1]).toEqual(first.body.results[1]);
    const history = await api<unknown[]>('GET', `/task_runs/${id}/states`);
    expect(history.body).toHaveLength(1);
  });

  it('answers a proposal repeated within one batch with its first answer, writing its state once', async () => {
    // 40 runs: their states and answers take more than one multi-row statement each.
    const flowRun = await runningFlowRun();
    const ids = Array.from({ length: 40 }, () => crypto.randomUUID());
    await batch(
      flowRun.id,
      ids.map((id, i) => ({ op: 'create', task_run: { id, task_key: 'twice', dynamic_key: String(i) } })),
    );
    const running = ids.map((id) => ({
      op: 'set_state',
      task_run_id: id,
      state: { type: 'RUNNING', state_details: { transition_id: `run-${id}` } },
    }));
    const { body } = await batch(flowRun.id, [...running, ...running]);
    expect(body.results.slice(40)).toEqual(body.results.slice(0, 40));
    const again = await batch(flowRun.id, running);
    expect(again.body.results).toEqual(body.results.slice(0, 40));
    for (const id of [ids[0], ids[39]]) {
      const history = await api<{ type: string }[]>('GET', `/task_runs/${id}/states`);
      expect(history.body.map((state) => state.type)).toEqual(['RUNNING']);
    }
  });

  it('answers with null states under omit_states, and still records full answers for a resend', async () => {
    const flowRun = await runningFlowRun();
    const id = crypto.randomUUID();
    const items = [
      { op: 'create', task_run: { id, task_key: 'lean', dynamic_key: '0' } },
      {
        op: 'set_state',
        task_run_id: id,
        state: { type: 'RUNNING', state_details: { transition_id: 'lean-1' } },
      },
    ];
    const lean = await api<{ results: TaskRunBatchResult[] }>(
      'POST',
      `/flow_runs/${flowRun.id}/task_runs/batch`,
      { items, omit_states: true },
    );
    expect(lean.body.results.map((result) => [result.status, result.state])).toEqual([
      ['ACCEPT', null],
      ['ACCEPT', null],
    ]);
    const again = await batch(flowRun.id, items);
    expect(again.body.results.map((result) => result.state?.type)).toEqual(['RUNNING', 'RUNNING']);
  });

  it('answers resent items with their first answers after the run moved on, refusals included', async () => {
    const key = `moved-on-${crypto.randomUUID()}`;
    const proposal = (id: string, type: string, transition_id: string) => ({
      op: 'set_state',
      task_run_id: id,
      state: { type, state_details: { transition_id } },
    });
    const create = (id: string) => ({
      op: 'create',
      task_run: { id, task_key: 'moved-on', dynamic_key: '0', cache_key: key },
    });
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const [runA, runB] = [await runningFlowRun(), await runningFlowRun()];
    const { body: first } = await batch(runA.id, [
      create(a),
      proposal(a, 'RUNNING', 'a-run'),
      proposal(a, 'COMPLETED', 'a-done'),
    ]);
    // A cache hit is refused with a state written for it: that answer is no plain ACCEPT.
    const { body: hit } = await batch(runB.id, [create(b), proposal(b, 'RUNNING', 'b-run')]);
    expect(hit.results[1]).toMatchObject({ status: 'REJECT', state: { name: 'Cached' } });

    const { body: againA } = await batch(runA.id, [
      proposal(a, 'RUNNING', 'a-run'),
      proposal(a, 'COMPLETED', 'a-done'),
    ]);
    expect(againA.results).toEqual(first.results.slice(1));
    const { body: againB } = await batch(runB.id, [proposal(b, 'RUNNING', 'b-run')]);
    expect(againB.results).toEqual(hit.results.slice(1));
    const history = await api<{ type: string }[]>('GET', `/task_runs/${a}/states`);
    expect(history.body.map((state) => state.type)).toEqual(['RUNNING', 'COMPLETED']);
  });

  it('rejects a batch with one malformed item as a whole, writing nothing', async () => {
    const flowRun = await runningFlowRun();
    const id = crypto.randomUUID();
    const { status, body } = await api<{ field: string }>(
      'POST',
      `/flow_runs/${flowRun.id}/task_runs/batch`,
      {
        items: [
          { op: 'create', task_run: { id, task_key: 't', dynamic_key: '0' } },
          { op: 'set_state', task_run_id: id, state: { type: 'NOPE' } },
        ],
      },
    );
    expect(status).toBe(422);
    expect(body.field).toBe('items[1].state.type');
    expect((await api('GET', `/task_runs/${id}`)).status).toBe(404);
  });

  it('serves a cached result to a later run with the same cache key', async () => {
    const key = `inputs-${crypto.randomUUID()}`;
    const first = await runningFlowRun();
    const a = crypto.randomUUID();
    await batch(first.id, [
      { op: 'create', task_run: { id: a, task_key: 'expensive', dynamic_key: '0', cache_key: key } },
      { op: 'set_state', task_run_id: a, state: { type: 'RUNNING' } },
      { op: 'set_state', task_run_id: a, state: { type: 'COMPLETED', data: { value: 7 } } },
    ]);

    const second = await runningFlowRun();
    const b = crypto.randomUUID();
    const { body } = await batch(second.id, [
      { op: 'create', task_run: { id: b, task_key: 'expensive', dynamic_key: '0', cache_key: key } },
      { op: 'set_state', task_run_id: b, state: { type: 'RUNNING' } },
    ]);
    expect(body.results[1]).toMatchObject({
      status: 'REJECT',
      state: { type: 'COMPLETED', name: 'Cached', data: { value: 7 } },
    });
  });

  it('looks up several cache keys in one batch, each to its own newest record', async () => {
    const [k1, k2, k3] = ['a', 'b', 'c'].map((k) => `${k}-${crypto.randomUUID()}`) as [
      string,
      string,
      string,
    ];
    const first = await runningFlowRun();
    const items = [k1, k2, k1].flatMap((key, i) => {
      const id = crypto.randomUUID();
      return [
        { op: 'create', task_run: { id, task_key: `t${i}`, dynamic_key: '0', cache_key: key } },
        {
          op: 'set_state',
          task_run_id: id,
          state: { type: 'RUNNING', state_details: { refresh_cache: true } },
        },
        { op: 'set_state', task_run_id: id, state: { type: 'COMPLETED', data: { key, i } } },
      ];
    });
    await batch(first.id, items);

    const second = await runningFlowRun();
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const { body } = await batch(
      second.id,
      [k1, k2, k3].flatMap((key, i) => [
        { op: 'create', task_run: { id: ids[i], task_key: `t${i}`, dynamic_key: '0', cache_key: key } },
        { op: 'set_state', task_run_id: ids[i], state: { type: 'RUNNING' } },
      ]),
    );
    const running = [body.results[1], body.results[3], body.results[5]];
    expect(running.map((result) => [result?.state?.name, result?.state?.data])).toEqual([
      ['Cached', { key: k1, i: 2 }],
      ['Cached', { key: k2, i: 1 }],
      ['Running', null],
    ]);
  });

  it('is 404 for an unknown flow run', async () => {
    const { status } = await batch(crypto.randomUUID(), [
      { op: 'create', task_run: { id: crypto.randomUUID(), task_key: 't', dynamic_key: '0' } },
    ]);
    expect(status).toBe(404);
  });
});
