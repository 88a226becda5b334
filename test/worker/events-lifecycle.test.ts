// Lifecycle events: deployments, work pools and work queues created, updated, paused, resumed and
// deleted, each stored with its change; agents online and offline from the pool object (its clock moved, no
// sleeps); webhook calls (docs/events.md).
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { Event, EventPage, WebhookCreated } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import type { WorkPoolObject } from '../../src/durable/work-pool-object';
import { api } from './api';
import { createDeployment } from './deployments-api';
import { advancePoolClock, createPool, heartbeat, poolStub } from './pools';

async function eventsOf(resourceId: string): Promise<Event[]> {
  const { body } = await api<EventPage>('POST', '/events/filter', {
    filter: { resource: { id: [resourceId] }, order: 'ASC' },
    limit: 200,
  });
  return body.events;
}

const names = (events: Event[]) => events.map((event) => event.event);

describe('deployment lifecycle events', () => {
  it('are stored with each change: created, updated, paused, resumed, deleted', async () => {
    const deployment = await createDeployment();
    const id = deployment.id;
    expect((await api('PATCH', `/deployments/${id}`, { description: 'changed' })).status).toBe(204);
    expect((await api('POST', `/deployments/${id}/pause_deployment`)).status).toBe(204);
    expect((await api('POST', `/deployments/${id}/resume_deployment`)).status).toBe(204);
    expect((await api('DELETE', `/deployments/${id}`)).status).toBe(204);
    const events = await eventsOf(`prefect.deployment.${id}`);
    expect(names(events)).toEqual([
      'prefect.deployment.created',
      'prefect.deployment.updated',
      'prefect.deployment.paused',
      'prefect.deployment.resumed',
      'prefect.deployment.deleted',
    ]);
    expect(events[0]!.related).toEqual([
      { 'prefect.resource.id': `prefect.flow.${deployment.flow_id}`, 'prefect.resource.role': 'flow' },
    ]);
  });

  it('a PATCH that pauses says so besides updated; one of a missing deployment stores nothing', async () => {
    const { id } = await createDeployment();
    await api('PATCH', `/deployments/${id}`, { paused: true });
    expect(names(await eventsOf(`prefect.deployment.${id}`))).toEqual([
      'prefect.deployment.created',
      'prefect.deployment.updated',
      'prefect.deployment.paused',
    ]);
    const missing = crypto.randomUUID();
    expect((await api('POST', `/deployments/${missing}/pause_deployment`)).status).toBe(404);
    expect(await eventsOf(`prefect.deployment.${missing}`)).toEqual([]);
  });
});

describe('deployment upsert events', () => {
  it('an upsert by flow name is created, then updated, in its own batch, with the ids the batch found', async () => {
    const pool = await createPool();
    const body = {
      name: 'upserted',
      flow_name: `flow-${crypto.randomUUID().slice(0, 8)}`,
      work_pool_name: pool,
    };
    const first = await api<{ results: { id: string }[] }>('POST', '/deployments/bulk', {
      deployments: [body],
    });
    const id = first.body.results[0]!.id;
    const again = await api<{ id: string; flow_id: string }>('POST', '/deployments', body);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(id);
    const events = await eventsOf(`prefect.deployment.${id}`);
    expect(names(events)).toEqual(['prefect.deployment.created', 'prefect.deployment.updated']);
    for (const event of events)
      expect(event.related[0]!['prefect.resource.id']).toBe(`prefect.flow.${again.body.flow_id}`);
  });
});

describe('work pool lifecycle events', () => {
  it('are stored with each change, and none for a change that finds no pool or a taken name', async () => {
    const pool = await createPool();
    expect((await api('POST', '/work_pools', { name: pool, type: 'process' })).status).toBe(409);
    expect((await api('PATCH', `/work_pools/${pool}`, { paused: true })).status).toBe(204);
    expect((await api('DELETE', `/work_pools/${pool}`)).status).toBe(204);
    expect((await api('DELETE', `/work_pools/${pool}`)).status).toBe(404);
    expect(names(await eventsOf(`prefect.work-pool.${pool}`))).toEqual([
      'prefect.work-pool.created',
      'prefect.work-pool.updated',
      'prefect.work-pool.paused',
      'prefect.work-pool.deleted',
    ]);
  });
});

describe('work queue lifecycle events', () => {
  it('are stored with each change, related to the pool, and none for a change that finds no queue or a taken name', async () => {
    const pool = await createPool();
    // Named by name (as flow runs name their queue): unique here, so only this queue's events match.
    const queue = `queue-${crypto.randomUUID().slice(0, 8)}`;
    const path = `/work_pools/${pool}/queues/${queue}`;
    expect((await api('POST', `/work_pools/${pool}/queues`, { name: queue })).status).toBe(201);
    expect((await api('POST', `/work_pools/${pool}/queues`, { name: queue })).status).toBe(409);
    expect((await api('PATCH', path, { priority: 5 })).status).toBe(204);
    expect((await api('PATCH', path, { paused: true })).status).toBe(204);
    expect((await api('DELETE', path)).status).toBe(204);
    expect((await api('DELETE', path)).status).toBe(404);
    expect((await api('PATCH', path, { priority: 6 })).status).toBe(404);
    const events = await eventsOf(`prefect.work-queue.${queue}`);
    expect(names(events)).toEqual([
      'prefect.work-queue.created',
      'prefect.work-queue.updated',
      'prefect.work-queue.updated',
      'prefect.work-queue.paused',
      'prefect.work-queue.deleted',
    ]);
    for (const event of events)
      expect(event.related).toEqual([
        {
          'prefect.resource.id': `prefect.work-pool.${pool}`,
          'prefect.resource.role': 'work-pool',
          'prefect.resource.name': pool,
        },
      ]);
  });
});

describe('agent events', () => {
  it('an agent is started on its first heartbeat, stopped once its heartbeat lapses, and started again', async () => {
    const pool = await createPool();
    const worker = `prefect.worker.edgeflow.${pool}.agent-a`;
    await heartbeat(pool, 'agent-a', [], 10);
    await heartbeat(pool, 'agent-a', [], 10);
    // Delivery follows the answer: the alarm below delivers whatever is still pending too.
    await advancePoolClock(pool, 60_000);
    await runDurableObjectAlarm(poolStub(pool));
    await heartbeat(pool, 'agent-a', [], 10);
    await runDurableObjectAlarm(poolStub(pool));
    const events = await eventsOf(worker);
    expect(names(events)).toEqual([
      'prefect.worker.started',
      'prefect.worker.stopped',
      'prefect.worker.started',
    ]);
    expect(events[0]!.related[0]).toMatchObject({
      'prefect.resource.id': `prefect.work-pool.${pool}`,
      'prefect.resource.role': 'work-pool',
    });
  });

  it('an agent whose record is deleted gets no stopped event; its next heartbeat starts it again', async () => {
    const pool = await createPool();
    const worker = `prefect.worker.edgeflow.${pool}.agent-c`;
    await heartbeat(pool, 'agent-c', [], 10);
    expect((await api('DELETE', `/work_pools/${pool}/workers/agent-c`)).status).toBe(204);
    await advancePoolClock(pool, 60_000);
    await runDurableObjectAlarm(poolStub(pool));
    await heartbeat(pool, 'agent-c', [], 10);
    await runDurableObjectAlarm(poolStub(pool));
    expect(names(await eventsOf(worker))).toEqual(['prefect.worker.started', 'prefect.worker.started']);
  });

  it('an agent event D1 refuses stays in the pool object and is delivered by its alarm', async () => {
    const pool = await createPool();
    const worker = `prefect.worker.edgeflow.${pool}.agent-b`;
    const trigger = `refuse_${pool.replaceAll('-', '_')}`;
    await env.DB.prepare(
      `CREATE TRIGGER ${trigger} BEFORE INSERT ON events WHEN NEW.resource_id = '${worker}'
       BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`,
    ).run();
    try {
      await heartbeat(pool, 'agent-b', [], 10);
      // The delivery after the answer, awaited here (a second try, refused too).
      await runInDurableObject(poolStub(pool), (instance: WorkPoolObject) =>
        (instance as unknown as { agentEvents: { deliver(): Promise<void> } }).agentEvents.deliver(),
      );
      expect(await eventsOf(worker)).toEqual([]);
    } finally {
      await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
    }
    await runDurableObjectAlarm(poolStub(pool));
    expect(names(await eventsOf(worker))).toEqual(['prefect.worker.started']);
  });
});

describe('webhook events', () => {
  it('a webhook call that makes a run is an event related to the deployment and the run', async () => {
    const deployment = await createDeployment();
    const { body: webhook } = await api<WebhookCreated>('POST', '/webhooks', {
      name: 'hook',
      deployment_id: deployment.id,
    });
    const response = await exports.default.fetch(`http://edgeflow.test/api/webhooks/${webhook.slug}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${webhook.secret}` },
      body: '{}',
    });
    const run = (await response.json()) as { id: string };
    const [event] = await eventsOf(`edgeflow.webhook.${webhook.id}`);
    expect(event!.event).toBe('edgeflow.webhook.called');
    expect(event!.related.map((r) => r['prefect.resource.id'])).toEqual([
      `prefect.deployment.${deployment.id}`,
      `prefect.flow-run.${run.id}`,
    ]);
  });
});
