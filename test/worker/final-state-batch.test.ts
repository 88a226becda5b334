// A task-run batch that carries the flow run's own next state (`flow_run_state`): the SDK's last reports
// and the run's final state in one request (docs/sdk.md, "Reports and where the SDK waits").
import type { FlowRun, OrchestrationResult, State, TaskRun, TaskRunBatchResult } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api, createFlow } from './api';
import { claim, createPool, createPoolRun, heartbeat } from './pools';

interface BatchAnswer {
  results: TaskRunBatchResult[];
  flow_run_result?: OrchestrationResult;
}

async function runningFlowRun(): Promise<FlowRun> {
  const flow_id = await createFlow();
  const { body: run } = await api<FlowRun>('POST', '/flow_runs', { flow_id });
  await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' } });
  return run;
}

/** One task run from create to COMPLETED, as the SDK queues it. */
function wholeTaskRun(id = crypto.randomUUID(), key = 'noop') {
  return [
    { op: 'create', task_run: { id, task_key: key, dynamic_key: '0' } },
    { op: 'set_state', task_run_id: id, state: { type: 'PENDING' } },
    { op: 'set_state', task_run_id: id, state: { type: 'RUNNING' } },
    { op: 'set_state', task_run_id: id, state: { type: 'COMPLETED' } },
  ];
}

const withFinalState = (flowRunId: string, body: Record<string, unknown>) =>
  api<BatchAnswer>('POST', `/flow_runs/${flowRunId}/task_runs/batch`, body);

/** A custom event, so the batch holds something besides the flow run state. */
const noted = () => ({
  id: crypto.randomUUID(),
  occurred: new Date().toISOString(),
  event: 'test.noted',
  resource: { 'prefect.resource.id': 'test.thing' },
});

const completed = (transitionId = crypto.randomUUID()) => ({
  state: { type: 'COMPLETED', state_details: { transition_id: transitionId } },
});

describe('a task-run batch with the flow run state', () => {
  it('applies the items, then the flow run state, and the index has both once it answers', async () => {
    const run = await runningFlowRun();
    const taskId = crypto.randomUUID();
    const { status, body } = await withFinalState(run.id, {
      items: wholeTaskRun(taskId),
      omit_states: true,
      flow_run_state: completed(),
    });
    expect(status).toBe(200);
    expect(body.results.map((result) => result.status)).toEqual(['ACCEPT', 'ACCEPT', 'ACCEPT', 'ACCEPT']);
    expect(body.flow_run_result).toMatchObject({ status: 'ACCEPT', state: { type: 'COMPLETED' } });

    // Read from D1 (filters never ask the object): the run and its task run, both COMPLETED.
    const runs = await api<FlowRun[]>('POST', '/flow_runs/filter', { flow_runs: { id: { any_: [run.id] } } });
    expect(runs.body.map((found) => found.state_type)).toEqual(['COMPLETED']);
    const tasks = await api<TaskRun[]>('POST', '/task_runs/filter', {
      task_runs: { flow_run_id: { any_: [run.id] } },
    });
    expect(tasks.body.map((task) => [task.id, task.state_type])).toEqual([[taskId, 'COMPLETED']]);
  });

  it('does not propose the flow run state after an aborted item, answering with that ABORT', async () => {
    const run = await runningFlowRun();
    const unknownTask = crypto.randomUUID();
    const { body } = await withFinalState(run.id, {
      items: [...wholeTaskRun(), { op: 'set_state', task_run_id: unknownTask, state: { type: 'RUNNING' } }],
      flow_run_state: completed(),
    });
    expect(body.results.map((result) => result.status)).toEqual([
      'ACCEPT',
      'ACCEPT',
      'ACCEPT',
      'ACCEPT',
      'ABORT',
    ]);
    expect(body.flow_run_result).toEqual({
      status: 'ABORT',
      state: null,
      details: { type: 'abort_details', reason: `Task run ${unknownTask} not found in this flow run.` },
    });
    const { body: after } = await api<FlowRun>('GET', `/flow_runs/${run.id}`);
    expect(after.state_type).toBe('RUNNING');
  });

  it('puts the flow run state through the rules: an ended run is not cancelled again', async () => {
    const flow_id = await createFlow();
    const { body: run } = await api<FlowRun>('POST', '/flow_runs', {
      flow_id,
      state: { type: 'SCHEDULED' },
    });
    const { body } = await withFinalState(run.id, {
      items: [],
      events: [noted()],
      flow_run_state: { state: { type: 'CANCELLED' } },
    });
    expect(body.results).toEqual([]);
    expect(body.flow_run_result).toMatchObject({ status: 'ACCEPT', state: { type: 'CANCELLED' } });
    const again = await withFinalState(run.id, {
      items: [],
      events: [noted()],
      flow_run_state: { state: { type: 'CANCELLING' } },
    });
    expect(again.body.flow_run_result).toMatchObject({
      status: 'ABORT',
      details: { reason: 'Run is already in terminal state CANCELLED.' },
    });
    const { body: after } = await api<FlowRun>('GET', `/flow_runs/${run.id}`);
    expect(after.state_type).toBe('CANCELLED');
  });

  it('answers a resent request with the first answers, writing each state once', async () => {
    const run = await runningFlowRun();
    const taskId = crypto.randomUUID();
    const items = wholeTaskRun(taskId).map((item) =>
      item.op === 'set_state'
        ? { ...item, state: { ...item.state, state_details: { transition_id: crypto.randomUUID() } } }
        : item,
    );
    const body = { items, flow_run_state: completed() };
    const first = await withFinalState(run.id, body);
    const again = await withFinalState(run.id, body);
    expect(again.body.results.slice(1)).toEqual(first.body.results.slice(1));
    expect(again.body.flow_run_result?.state?.id).toBe(first.body.flow_run_result?.state?.id);
    const flowStates = await api<State[]>('GET', `/flow_runs/${run.id}/states`);
    expect(flowStates.body.map((state) => state.type)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    const taskStates = await api<State[]>('GET', `/task_runs/${taskId}/states`);
    expect(taskStates.body.map((state) => state.type)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
  });

  it('refuses a stale lease before applying anything', async () => {
    const pool = await createPool();
    await heartbeat(pool, 'agent-a', [], 30);
    const created = await createPoolRun(pool);
    const answer = await claim(pool, { name: 'agent-a' });
    const lease = answer.runs[0]!.lease_id;
    await api('POST', `/flow_runs/${created.id}/set_state`, { state: { type: 'RUNNING' }, lease_id: lease });
    const taskId = crypto.randomUUID();
    const stale = await withFinalState(created.id, {
      items: wholeTaskRun(taskId),
      lease_id: 'not-the-lease',
      flow_run_state: completed(),
    });
    expect(stale.status).toBe(409);
    expect((await api('GET', `/task_runs/${taskId}`)).status).toBe(404);
    const { body: after } = await api<FlowRun>('GET', `/flow_runs/${created.id}`);
    expect(after.state_type).toBe('RUNNING');

    const leased = await withFinalState(created.id, {
      items: wholeTaskRun(taskId),
      lease_id: lease,
      flow_run_state: completed(),
    });
    expect(leased.body.flow_run_result?.state?.type).toBe('COMPLETED');
  });

  it('answers a batch without a flow run state with its items only', async () => {
    const run = await runningFlowRun();
    const { body } = await withFinalState(run.id, { items: wholeTaskRun() });
    expect(body).not.toHaveProperty('flow_run_result');
    expect(body.results).toHaveLength(4);
  });

  it('names the field of a malformed flow run state (422), applying nothing', async () => {
    const run = await runningFlowRun();
    const taskId = crypto.randomUUID();
    const { status, body } = await withFinalState(run.id, {
      items: wholeTaskRun(taskId),
      flow_run_state: { state: { type: 'FINISHED' } },
    });
    expect(status).toBe(422);
    expect(JSON.stringify(body)).toContain('flow_run_state');
    expect((await api('GET', `/task_runs/${taskId}`)).status).toBe(404);
  });
});
