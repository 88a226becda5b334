// The flow-run API: creation, Prefect's set_state contract, history, and the D1 index kept in step.
import type { FlowRun, OrchestrationResult, State } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api, createFlow } from './api';

async function createRun(body: Record<string, unknown> = {}): Promise<FlowRun> {
  const flow_id = (body.flow_id as string | undefined) ?? (await createFlow());
  const { status, body: run } = await api<FlowRun>('POST', '/flow_runs', { flow_id, ...body });
  expect(status).toBe(201);
  return run;
}

const setState = (id: string, state: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  api<OrchestrationResult>('POST', `/flow_runs/${id}/set_state`, { state, ...extra });

/** The run as the index has it: what every list and filter shows. */
async function indexed(id: string): Promise<FlowRun | undefined> {
  const { body } = await api<FlowRun[]>('POST', '/flow_runs/filter', { flow_runs: { id: { any_: [id] } } });
  return body[0];
}

describe('flows', () => {
  it('upserts by name: 201 when new, 200 with the same flow when it exists', async () => {
    const first = await api<{ id: string }>('POST', '/flows', { name: 'etl' });
    const second = await api<{ id: string }>('POST', '/flows', { name: 'etl' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect((await api('GET', `/flows/${first.body.id}`)).status).toBe(200);
  });

  it('filters by name', async () => {
    await createFlow('alpha-flow');
    await createFlow('beta-flow');
    const { body } = await api<{ name: string }[]>('POST', '/flows/filter', {
      flows: { name: { any_: ['beta-flow'] } },
    });
    expect(body.map((flow) => flow.name)).toEqual(['beta-flow']);
  });
});

describe('creating flow runs', () => {
  it('starts PENDING by default, as in Prefect', async () => {
    const run = await createRun();
    expect(run.state_type).toBe('PENDING');
    expect(run.state?.name).toBe('Pending');
    expect(run.run_count).toBe(0);
    expect(run.name).toMatch(/^[a-z]+-[a-z]+$/);
  });

  it('starts SCHEDULED at now when it names a work pool', async () => {
    const before = Date.now();
    const run = await createRun({ work_pool_name: 'local', entrypoint: 'flows/hello.ts:hello' });
    expect(run.state_type).toBe('SCHEDULED');
    expect(Date.parse(run.next_scheduled_start_time!)).toBeGreaterThanOrEqual(before - 1000);
    expect(run.work_queue_name).toBe('default');
    expect(run.entrypoint).toBe('flows/hello.ts:hello');
  });

  it('returns the same run with 200 for the same (flow_id, idempotency_key)', async () => {
    const flow_id = await createFlow();
    const first = await api<FlowRun>('POST', '/flow_runs', {
      flow_id,
      idempotency_key: 'nightly-2026-11-30',
    });
    const again = await api<FlowRun>('POST', '/flow_runs', {
      flow_id,
      idempotency_key: 'nightly-2026-11-30',
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const count = await api<number>('POST', '/flow_runs/count', {
      flow_runs: { flow_id: { any_: [flow_id] } },
    });
    expect(count.body).toBe(1);
  });

  it('keeps the given name, parameters, tags and retry policy', async () => {
    const run = await createRun({
      name: 'my-run',
      parameters: { x: 1, nested: { y: [1, 2] } },
      tags: ['a', 'b', 'a'],
      empirical_policy: { retries: 2, retry_delay: 5 },
    });
    const { body } = await api<FlowRun>('GET', `/flow_runs/${run.id}`);
    expect(body).toMatchObject({
      name: 'my-run',
      parameters: { x: 1, nested: { y: [1, 2] } },
      tags: ['a', 'b'],
      empirical_policy: { retries: 2, retry_delay: 5 },
    });
  });

  it('refuses an unknown flow with 404 naming flow_id', async () => {
    const { status, body } = await api<{ field: string; code: string }>('POST', '/flow_runs', {
      flow_id: crypto.randomUUID(),
    });
    expect(status).toBe(404);
    expect(body).toMatchObject({ code: 'flow.not_found', field: 'flow_id' });
  });
});

describe('set_state', () => {
  it('answers 201 with ACCEPT and the written state, and appends it to the history', async () => {
    const run = await createRun();
    const { status, body } = await setState(run.id, { type: 'RUNNING' });
    expect(status).toBe(201);
    expect(body.status).toBe('ACCEPT');
    expect(body.details).toEqual({ type: 'accept_details' });
    expect(body.state).toMatchObject({ type: 'RUNNING', name: 'Running' });

    const history = await api<State[]>('GET', `/flow_runs/${run.id}/states`);
    expect(history.body.map((state) => state.type)).toEqual(['PENDING', 'RUNNING']);
    const current = await api<FlowRun>('GET', `/flow_runs/${run.id}`);
    expect(current.body).toMatchObject({ state_type: 'RUNNING', run_count: 1 });
    expect(current.body.start_time).not.toBeNull();
  });

  it('answers 200 when nothing is written (a rejected or aborted proposal)', async () => {
    const run = await createRun();
    await setState(run.id, { type: 'RUNNING' });
    await setState(run.id, { type: 'COMPLETED' });
    const { status, body } = await setState(run.id, { type: 'PAUSED' });
    expect(status).toBe(200);
    expect(body.status).toBe('ABORT');
    expect(body.state?.type).toBe('COMPLETED');
  });

  it('replays a transition id with its first answer instead of applying it twice', async () => {
    const run = await createRun();
    const state = { type: 'RUNNING', state_details: { transition_id: 'attempt-1' } };
    const first = await setState(run.id, state);
    const replay = await setState(run.id, state);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(200);
    expect(replay.body.state?.id).toBe(first.body.state?.id);
    const history = await api<State[]>('GET', `/flow_runs/${run.id}/states`);
    expect(history.body).toHaveLength(2);
  });

  it('finishes a run with end time and total run time', async () => {
    const run = await createRun();
    await setState(run.id, { type: 'RUNNING' });
    await setState(run.id, { type: 'COMPLETED', data: { answer: 42 } });
    const { body } = await api<FlowRun>('GET', `/flow_runs/${run.id}`);
    expect(body.state_type).toBe('COMPLETED');
    expect(body.state?.data).toEqual({ answer: 42 });
    expect(body.end_time).not.toBeNull();
    expect(body.total_run_time).toBeGreaterThanOrEqual(0);
  });

  it('turns a failure with retries left into AwaitingRetry', async () => {
    const run = await createRun({ empirical_policy: { retries: 1, retry_delay: 10 } });
    await setState(run.id, { type: 'RUNNING' });
    const { status, body } = await setState(run.id, { type: 'FAILED', message: 'boom' });
    expect(status).toBe(201);
    expect(body.status).toBe('REJECT');
    expect(body.state).toMatchObject({ type: 'SCHEDULED', name: 'AwaitingRetry' });
  });

  it('is 404 for an unknown run and 422 naming the field for an unknown state type', async () => {
    expect((await setState(crypto.randomUUID(), { type: 'RUNNING' })).status).toBe(404);
    const run = await createRun();
    const bad = await api<{ field: string; code: string }>('POST', `/flow_runs/${run.id}/set_state`, {
      state: { type: 'EXPLODED' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'request.invalid', field: 'state.type' });
  });

  it('is 400 for malformed JSON, and the run is untouched', async () => {
    const run = await createRun();
    const { exports } = await import('cloudflare:workers');
    const response = await exports.default.fetch(`http://edgeflow.test/api/flow_runs/${run.id}/set_state`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-key', 'content-type': 'application/json' },
      body: '{"state": {"type": "RUNNING"',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'request.malformed_json' });
    expect((await api<FlowRun>('GET', `/flow_runs/${run.id}`)).body.state_type).toBe('PENDING');
  });

  it('keeps the D1 index equal to the object after every accepted transition', async () => {
    const run = await createRun({ empirical_policy: { retries: 1, retry_delay: 0 } });
    for (const type of ['RUNNING', 'FAILED', 'RUNNING', 'COMPLETED']) {
      await setState(run.id, { type });
      const fromObject = (await api<FlowRun>('GET', `/flow_runs/${run.id}`)).body;
      expect(await indexed(run.id)).toEqual(fromObject);
    }
  });
});

describe('resume', () => {
  it('aborts when the run is not paused', async () => {
    const run = await createRun();
    const { status, body } = await api<OrchestrationResult>('POST', `/flow_runs/${run.id}/resume`, {});
    expect(status).toBe(200);
    expect(body.status).toBe('ABORT');
  });

  it('moves a paused run back to RUNNING without counting a new run', async () => {
    const run = await createRun();
    await setState(run.id, { type: 'RUNNING' });
    const paused = await setState(run.id, { type: 'PAUSED', state_details: { pause_key: 'approval' } });
    expect(paused.body.status).toBe('ACCEPT');
    const { status, body } = await api<OrchestrationResult>('POST', `/flow_runs/${run.id}/resume`, {});
    expect(status).toBe(201);
    expect(body.state?.type).toBe('RUNNING');
    expect((await api<FlowRun>('GET', `/flow_runs/${run.id}`)).body.run_count).toBe(1);
  });
});

describe('patch and delete', () => {
  it('records the infrastructure pid', async () => {
    const run = await createRun();
    expect((await api('PATCH', `/flow_runs/${run.id}`, { infrastructure_pid: 'host:1234' })).status).toBe(
      204,
    );
    expect((await api<FlowRun>('GET', `/flow_runs/${run.id}`)).body.infrastructure_pid).toBe('host:1234');
    expect((await indexed(run.id))?.infrastructure_pid).toBe('host:1234');
  });

  it('rejects unknown fields in a patch', async () => {
    const run = await createRun();
    const { status, body } = await api<{ field: string }>('PATCH', `/flow_runs/${run.id}`, {
      state_type: 'COMPLETED',
    });
    expect(status).toBe(422);
    expect(body.field).toBeDefined();
  });

  it('deletes the run from the object and the index', async () => {
    const run = await createRun();
    expect((await api('DELETE', `/flow_runs/${run.id}`)).status).toBe(204);
    expect((await api('GET', `/flow_runs/${run.id}`)).status).toBe(404);
    expect(await indexed(run.id)).toBeUndefined();
  });
});

describe("the run storage's in-memory copy", () => {
  it('is dropped with a transaction that throws, so it never shows a change SQLite rolled back', async () => {
    const run = await createRun();
    const { env } = await import('cloudflare:workers');
    const { runInDurableObject } = await import('cloudflare:test');
    const { RunStorage } = await import('../../src/durable/run-storage');
    // A storage of its own over a spare object's SQLite, holding a copy of a real run's document.
    const spare = env.FLOW_RUNS.get(env.FLOW_RUNS.newUniqueId());
    await runInDurableObject(spare, (_instance, state) => {
      const storage = new RunStorage(state.storage);
      const version = storage.writeRun(run, 0);
      storage.clearOutbox([{ kind: 'flow_run', id: run.id, version }]);
      // A write: the delivered entry's row goes with it (run-outbox-rows.ts).
      storage.setLease(null);
      const before = storage.readRun()!;
      expect(() =>
        storage.atomically(() => {
          storage.writeRun({ ...before.doc, name: 'rolled-back' }, before.version);
          storage.timers.set('pause_timeout', Date.now() + 60_000);
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(storage.readRun()!.doc.name).toBe(run.name);
      expect(storage.readRun()!.version).toBe(before.version);
      expect(storage.timers.next()).toBeNull();
      expect(storage.isDirty('flow_run')).toBe(false);
    });
  });
});

describe("a run object's tables", () => {
  const tablesOf = async (id: string) => {
    const { env } = await import('cloudflare:workers');
    const { runInDurableObject } = await import('cloudflare:test');
    const stub = env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(id));
    return runInDurableObject(stub, (_, state) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .toArray()
        .map((row) => row.name),
    );
  };

  it('are not made by asking for a run that does not exist (they come with the run’s first write)', async () => {
    const id = crypto.randomUUID();
    expect((await api('GET', `/flow_runs/${id}`)).status).toBe(404);
    expect((await setState(id, { type: 'RUNNING' })).status).toBe(404);
    expect(await tablesOf(id)).toEqual([]);
  });

  it('are all there once the run is created, and an object missing some gets them when next loaded', async () => {
    const run = await createRun();
    expect(await tablesOf(run.id)).toEqual(
      expect.arrayContaining(['concurrency_limits', 'outbox', 'run', 'states']),
    );
    const { env } = await import('cloudflare:workers');
    const { runInDurableObject } = await import('cloudflare:test');
    const { RunStorage } = await import('../../src/durable/run-storage');
    const spare = env.FLOW_RUNS.get(env.FLOW_RUNS.newUniqueId());
    const tables = await runInDurableObject(spare, (_instance, state) => {
      // An object from before `timers` and `concurrency_limits` existed: only the run's table.
      state.storage.sql.exec(
        'CREATE TABLE run (id TEXT PRIMARY KEY, doc TEXT NOT NULL, version INTEGER NOT NULL, lease_id TEXT)',
      );
      state.storage.sql.exec(
        'INSERT INTO run (id, doc, version) VALUES (?, ?, 1)',
        run.id,
        JSON.stringify(run),
      );
      const storage = new RunStorage(state.storage);
      expect(storage.readRun()?.doc.id).toBe(run.id);
      expect(storage.timers.next()).toBeNull();
      return state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((row) => row.name);
    });
    expect(tables).toEqual(expect.arrayContaining(['concurrency_limits', 'timers', 'task_runs']));
  });
});
