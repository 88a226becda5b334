// Flow run inputs (Prefect's /flow_runs/{id}/input shapes), resumes checked against the schema a pause
// stored, the held read of a run's next state, and a suspended run's lease.
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { FlowRun, FlowRunInput, OrchestrationResult } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { executeAction } from '../../src/durable/automation-actions';
import { api, createFlow } from './api';
import { advancePoolClock, claim, createPool, createPoolRun, poolStub, readRun } from './pools';

async function runningRun(): Promise<FlowRun> {
  const { body: run } = await api<FlowRun>('POST', '/flow_runs', { flow_id: await createFlow() });
  await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'RUNNING' } });
  return run;
}

const APPROVAL_SCHEMA = {
  type: 'object',
  properties: { approver: { type: 'string' }, amount: { type: 'integer', minimum: 1 } },
  required: ['approver', 'amount'],
};

/** A run paused by the SDK waiting for typed input: its schema stored under the keyset's `schema` key. */
async function pausedForInput(): Promise<FlowRun> {
  const run = await runningRun();
  const created = await api('POST', `/flow_runs/${run.id}/input`, {
    key: 'paused-1-schema',
    value: JSON.stringify(APPROVAL_SCHEMA),
  });
  expect(created.status).toBe(201);
  const keyset = {
    description: 'paused-1-description',
    response: 'paused-1-response',
    schema: 'paused-1-schema',
  };
  const paused = await api<OrchestrationResult>('POST', `/flow_runs/${run.id}/set_state`, {
    state: { type: 'PAUSED', state_details: { pause_key: '1', run_input_keyset: keyset } },
  });
  expect(paused.body.status).toBe('ACCEPT');
  return run;
}

describe('flow run inputs', () => {
  it('creates an input once per key, reads its value by key, and deletes it', async () => {
    const run = await runningRun();
    const created = await api<FlowRunInput>('POST', `/flow_runs/${run.id}/input`, {
      key: 'greeting',
      value: JSON.stringify({ hello: 'world' }),
      sender: 'prefect.flow-run.other',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      flow_run_id: run.id,
      key: 'greeting',
      sender: 'prefect.flow-run.other',
    });
    const again = await api<{ field: string }>('POST', `/flow_runs/${run.id}/input`, {
      key: 'greeting',
      value: '1',
    });
    expect(again.status).toBe(409);
    expect(again.body.field).toBe('key');
    expect((await api('GET', `/flow_runs/${run.id}/input/greeting`)).body).toEqual({ hello: 'world' });
    expect((await api('DELETE', `/flow_runs/${run.id}/input/greeting`)).status).toBe(204);
    expect((await api('GET', `/flow_runs/${run.id}/input/greeting`)).status).toBe(404);
    expect((await api('DELETE', `/flow_runs/${run.id}/input/greeting`)).status).toBe(404);
  });

  it('filters by key prefix, oldest first, leaving out excluded keys and other prefixes', async () => {
    const run = await runningRun();
    for (const key of ['order-a', 'order-b', 'other-c', 'order-d']) {
      await api('POST', `/flow_runs/${run.id}/input`, { key, value: JSON.stringify(key) });
    }
    const { status, body } = await api<FlowRunInput[]>('POST', `/flow_runs/${run.id}/input/filter`, {
      prefix: 'order-',
      limit: 5,
      exclude_keys: ['order-b'],
    });
    expect(status).toBe(200);
    expect(body.map((input) => input.key)).toEqual(['order-a', 'order-d']);
    const first = await api<FlowRunInput[]>('POST', `/flow_runs/${run.id}/input/filter`, {
      prefix: 'order-',
    });
    expect(first.body.map((input) => input.key)).toEqual(['order-a']);
  });

  it('reads on from an instant with created_after, excluding only the keys already seen then', async () => {
    const run = await runningRun();
    const created: FlowRunInput[] = [];
    for (const key of ['n-1', 'n-2', 'n-3']) {
      const answer = await api<FlowRunInput>('POST', `/flow_runs/${run.id}/input`, { key, value: '1' });
      created.push(answer.body);
    }
    const second = created[1]!;
    const after = await api<FlowRunInput[]>('POST', `/flow_runs/${run.id}/input/filter`, {
      prefix: 'n-',
      limit: 10,
      created_after: second.created,
      exclude_keys: created
        .filter((input) => input.created === second.created && input.key <= second.key)
        .map((input) => input.key),
    });
    expect(after.status).toBe(200);
    expect(after.body.map((input) => input.key)).toEqual(['n-3']);
    // An instant written with an offset means the same instant.
    const offset = new Date(Date.parse(created[0]!.created) - 1).toISOString().replace('Z', '+00:00');
    const all = await api<FlowRunInput[]>('POST', `/flow_runs/${run.id}/input/filter`, {
      prefix: 'n-',
      limit: 10,
      created_after: offset,
    });
    expect(all.body.map((input) => input.key)).toEqual(['n-1', 'n-2', 'n-3']);
    const bad = await api<{ field: string }>('POST', `/flow_runs/${run.id}/input/filter`, {
      prefix: 'n-',
      created_after: 'yesterday',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('created_after');
  });

  it('refuses a value that is not JSON text and a key with other characters, naming the field', async () => {
    const run = await runningRun();
    const notJson = await api<{ field: string }>('POST', `/flow_runs/${run.id}/input`, {
      key: 'k',
      value: '{nope',
    });
    expect(notJson.status).toBe(422);
    expect(notJson.body.field).toBe('value');
    const badKey = await api<{ field: string }>('POST', `/flow_runs/${run.id}/input`, {
      key: 'a/b',
      value: '1',
    });
    expect(badKey.status).toBe(422);
    expect(badKey.body.field).toBe('key');
  });

  it('answers 404 for the inputs of a run that does not exist', async () => {
    const id = crypto.randomUUID();
    expect((await api('POST', `/flow_runs/${id}/input`, { key: 'k', value: '1' })).status).toBe(404);
    expect((await api('POST', `/flow_runs/${id}/input/filter`, { prefix: '' })).status).toBe(404);
  });
});

describe('resume with run input', () => {
  it('refuses input that does not fit the pause schema with 422 naming the field, and stays PAUSED', async () => {
    const run = await pausedForInput();
    const { status, body } = await api<{ field: string; detail: string }>(
      'POST',
      `/flow_runs/${run.id}/resume`,
      {
        run_input: { approver: 'ada', amount: 0 },
      },
    );
    expect(status).toBe(422);
    expect(body.field).toBe('run_input.amount');
    expect((await readRun(run.id)).state_type).toBe('PAUSED');
    expect((await api('GET', `/flow_runs/${run.id}/input/paused-1-response`)).status).toBe(404);
  });

  it('names a missing required field when the resume carries no input', async () => {
    const run = await pausedForInput();
    const { status, body } = await api<{ field: string }>('POST', `/flow_runs/${run.id}/resume`);
    expect(status).toBe(422);
    expect(body.field).toBe('run_input.approver');
  });

  it('resumes with input that fits and keeps it as the pause response', async () => {
    const run = await pausedForInput();
    const { status, body } = await api<OrchestrationResult>('POST', `/flow_runs/${run.id}/resume`, {
      run_input: { approver: 'ada', amount: 3 },
    });
    expect(status).toBe(201);
    expect(body.state?.type).toBe('RUNNING');
    expect((await api('GET', `/flow_runs/${run.id}/input/paused-1-response`)).body).toEqual({
      approver: 'ada',
      amount: 3,
    });
  });

  it('ignores input given to a pause that waits for none, as Prefect does', async () => {
    const run = await runningRun();
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'PAUSED' } });
    const { status } = await api('POST', `/flow_runs/${run.id}/resume`, { run_input: { anything: 1 } });
    expect(status).toBe(201);
  });
});

describe('next state', () => {
  it('answers at once when the run is past the given state, and after the change when it is not', async () => {
    const run = await runningRun();
    const current = (await readRun(run.id)).state_id!;
    const atOnce = await api<FlowRun>('GET', `/flow_runs/${run.id}/next_state?after=${crypto.randomUUID()}`);
    expect(atOnce.body.state_id).toBe(current);
    const held = api<FlowRun>('GET', `/flow_runs/${run.id}/next_state?after=${current}&wait_seconds=30`);
    await api('POST', `/flow_runs/${run.id}/set_state`, { state: { type: 'PAUSED' } });
    const moved = await held;
    expect(moved.status).toBe(200);
    expect(moved.body.state_type).toBe('PAUSED');
  });

  it('answers with the unchanged run when the wait runs out', async () => {
    const run = await runningRun();
    const current = (await readRun(run.id)).state_id!;
    const { body } = await api<FlowRun>(
      'GET',
      `/flow_runs/${run.id}/next_state?after=${current}&wait_seconds=0`,
    );
    expect(body.state_id).toBe(current);
  });
});

describe('a suspended run', () => {
  it('is not crashed when the lease of the process that suspended it lapses', async () => {
    const pool = await createPool();
    const created = await createPoolRun(pool);
    const { runs } = await claim(pool, { name: 'agent-a' });
    const lease = runs[0]!.lease_id;
    await api('POST', `/flow_runs/${created.id}/set_state`, { state: { type: 'RUNNING' }, lease_id: lease });
    const suspended = await api<OrchestrationResult>('POST', `/flow_runs/${created.id}/set_state`, {
      state: { type: 'PAUSED', name: 'Suspended', state_details: { pause_reschedule: true } },
      lease_id: lease,
    });
    expect(suspended.body.status).toBe('ACCEPT');
    await advancePoolClock(pool, 10 * 60_000);
    await runDurableObjectAlarm(poolStub(pool));
    expect((await readRun(created.id)).state_type).toBe('PAUSED');
    const resumed = await api<OrchestrationResult>('POST', `/flow_runs/${created.id}/resume`, {});
    expect(resumed.body.state).toMatchObject({ type: 'SCHEDULED', name: 'Resuming' });
    const again = await claim(pool, { name: 'agent-b' });
    expect(again.runs.map((run) => run.flow_run.id)).toEqual([created.id]);
  });

  it('is what the suspend-flow-run action makes of the running run its event names', async () => {
    const pool = await createPool();
    const created = await createPoolRun(pool);
    const { runs } = await claim(pool, { name: 'agent-a' });
    await api('POST', `/flow_runs/${created.id}/set_state`, {
      state: { type: 'RUNNING' },
      lease_id: runs[0]!.lease_id,
    });
    const now = new Date();
    const event = {
      id: crypto.randomUUID(),
      occurred: now.toISOString(),
      event: 'prefect.flow-run.Running',
      resource: { 'prefect.resource.id': `prefect.flow-run.${created.id}` },
      related: [],
      payload: {},
    };
    const outcome = await executeAction(env, {
      action: { type: 'suspend-flow-run' },
      key: 'test/0',
      context: {} as never,
      event: event as never,
      now,
    });
    expect(outcome.ok).toBe(true);
    const run = await readRun(created.id);
    expect(run).toMatchObject({ state_type: 'PAUSED', state_name: 'Suspended' });
    expect(run.state?.state_details.pause_reschedule).toBe(true);
    expect(Date.parse(run.state!.state_details.pause_timeout!)).toBe(now.getTime() + 3600_000);
  });
});
