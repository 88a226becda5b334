// State changes are events: appended in the run object's transaction, delivered to D1 with its index
// write, each once by its id; a delivery D1 refuses is delivered by the alarm (docs/events.md).
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Event, FlowRun, TaskRunBatchResult } from 'edgeflow/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, createFlow } from './api';
import { refuseEventsOf } from './d1-faults';

async function storedEvents(resourceId: string): Promise<Event[]> {
  const { results } = await env.DB.prepare('SELECT doc FROM events WHERE resource_id = ? ORDER BY seq')
    .bind(resourceId)
    .all<{ doc: string }>();
  return results.map((row) => JSON.parse(row.doc) as Event);
}

async function newRun(fields: Record<string, unknown> = {}): Promise<FlowRun> {
  const { body } = await api<FlowRun>('POST', '/flow_runs', { flow_id: await createFlow(), ...fields });
  return body;
}

const setState = (id: string, type: string) => api('POST', `/flow_runs/${id}/set_state`, { state: { type } });

afterEach(() => {
  vi.useRealTimers();
});

describe('flow-run state events', () => {
  it("are readable in D1 as soon as the transition is answered, named after the state, with the run's related resources", async () => {
    const run = await newRun({ tags: ['etl'] });
    await setState(run.id, 'RUNNING');
    await setState(run.id, 'COMPLETED');
    const events = await storedEvents(`prefect.flow-run.${run.id}`);
    expect(events.map((event) => event.event)).toEqual([
      'prefect.flow-run.Pending',
      'prefect.flow-run.Running',
      'prefect.flow-run.Completed',
    ]);
    const completed = events[2]!;
    expect(completed.follows).toBe(events[1]!.id);
    expect(completed.received).toBeTruthy();
    expect(completed.related.map((r) => r['prefect.resource.role'])).toEqual(['flow', 'tag']);
  });

  it('a delivery D1 refuses stays in the object and is delivered by its alarm, once', async () => {
    const run = await newRun();
    const resource = `prefect.flow-run.${run.id}`;
    // A real D1 failure, scoped to this run's events: the index write carrying them fails as a whole.
    const allow = await refuseEventsOf(run.id);
    try {
      const answer = await setState(run.id, 'RUNNING');
      expect(answer.status).toBe(201);
      expect((await storedEvents(resource)).map((e) => e.event)).toEqual(['prefect.flow-run.Pending']);
    } finally {
      await allow();
    }
    const stub = env.FLOW_RUNS.get(env.FLOW_RUNS.idFromName(run.id));
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_000 });
    await runDurableObjectAlarm(stub);
    // Nothing is left to retry: a second alarm delivers nothing twice.
    await runDurableObjectAlarm(stub);
    vi.useRealTimers();
    const events = await storedEvents(resource);
    expect(events.map((e) => e.event)).toEqual(['prefect.flow-run.Pending', 'prefect.flow-run.Running']);
  });
});

describe('task-run state events', () => {
  it('a batch makes one event per written state, related to its flow run first', async () => {
    const run = await newRun();
    await setState(run.id, 'RUNNING');
    const taskRunId = crypto.randomUUID();
    const { body } = await api<{ results: TaskRunBatchResult[] }>(
      'POST',
      `/flow_runs/${run.id}/task_runs/batch`,
      {
        items: [
          {
            op: 'create',
            task_run: { id: taskRunId, task_key: 't', dynamic_key: '0', state: { type: 'PENDING' } },
          },
          { op: 'set_state', task_run_id: taskRunId, state: { type: 'RUNNING' } },
          { op: 'set_state', task_run_id: taskRunId, state: { type: 'COMPLETED' } },
        ],
      },
    );
    expect(body.results.map((r) => r.status)).toEqual(['ACCEPT', 'ACCEPT', 'ACCEPT']);
    const events = await storedEvents(`prefect.task-run.${taskRunId}`);
    expect(events.map((e) => e.event)).toEqual([
      'prefect.task-run.Pending',
      'prefect.task-run.Running',
      'prefect.task-run.Completed',
    ]);
    expect(events[0]!.related[0]).toMatchObject({
      'prefect.resource.id': `prefect.flow-run.${run.id}`,
      'prefect.resource.role': 'flow-run',
    });
  });

  it('custom events sent with a batch are stored with it, even a batch that holds nothing else', async () => {
    const run = await newRun();
    const id = crypto.randomUUID();
    const event = {
      id,
      occurred: '2026-01-01T12:00:00+02:00',
      event: 'my.custom.thing',
      resource: { 'prefect.resource.id': `my.resource.${id}` },
      payload: { rows: 3 },
    };
    const answer = await api('POST', `/flow_runs/${run.id}/task_runs/batch`, { items: [], events: [event] });
    expect(answer.status).toBe(200);
    const [stored] = await storedEvents(`my.resource.${id}`);
    expect(stored).toMatchObject({ id, event: 'my.custom.thing', payload: { rows: 3 } });
    expect(stored!.occurred).toBe('2026-01-01T10:00:00.000Z');
  });
});
