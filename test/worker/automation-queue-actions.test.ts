// pause-work-queue and resume-work-queue (Prefect's names): the queue selected by id or inferred from
// a flow run's event (its queue named within its pool), paused in D1 with its lifecycle event; and
// suspend-flow-run refused when written until the SDK can suspend (docs/automations.md).
import type { WorkQueue } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { api } from './api';
import { createAutomation, emit, event, eventsNamed, nudge, outcomes, setClock, T0 } from './automations';
import { claim, createPool, createPoolRun, createQueue } from './pools';

async function readQueue(pool: string, name: string) {
  return (await api<WorkQueue>('GET', `/work_pools/${pool}/queues/${name}`)).body;
}

describe('work queue actions', () => {
  it('pauses the selected queue by id, with a prefect.work-queue.paused event, and resumes it', async () => {
    await setClock(T0);
    const pool = await createPool();
    await createQueue(pool, { name: 'urgent' });
    const queue = await readQueue(pool, 'urgent');
    const pause = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['queue.stop'] },
      actions: [{ type: 'pause-work-queue', source: 'selected', work_queue_id: queue.id }],
    });
    const resume = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['queue.go'] },
      actions: [{ type: 'resume-work-queue', work_queue_id: queue.id }],
    });
    await nudge();
    await emit(event('queue.stop', 'x', 1));
    await nudge();
    expect((await outcomes(pause)).map((e) => e.event)).toEqual(['prefect.automation.action.executed']);
    expect((await readQueue(pool, 'urgent')).paused).toBe(true);
    const [paused] = await eventsNamed('prefect.work-queue.paused', 'prefect.work-queue.urgent');
    expect(paused?.related).toContainEqual(
      expect.objectContaining({ 'prefect.resource.id': `prefect.work-pool.${pool}` }),
    );

    await emit(event('queue.go', 'x', 2));
    await nudge();
    expect((await outcomes(resume)).map((e) => e.event)).toEqual(['prefect.automation.action.executed']);
    expect((await readQueue(pool, 'urgent')).paused).toBe(false);
    expect(await eventsNamed('prefect.work-queue.resumed', 'prefect.work-queue.urgent')).toHaveLength(1);
  });

  it("infers the queue from a flow run's event: its queue's name looked up in its pool", async () => {
    await setClock(T0);
    const pool = await createPool();
    await createQueue(pool, { name: 'slow' });
    const other = await createPool();
    await createQueue(other, { name: 'slow' });
    const id = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['prefect.flow-run.Crashed'] },
      actions: [{ type: 'pause-work-queue', source: 'inferred' }],
    });
    await nudge();
    await emit(
      event('prefect.flow-run.Crashed', `prefect.flow-run.${crypto.randomUUID()}`, 1, [
        { 'prefect.resource.id': 'prefect.work-queue.slow', 'prefect.resource.role': 'work-queue' },
        { 'prefect.resource.id': `prefect.work-pool.${pool}`, 'prefect.resource.role': 'work-pool' },
      ]),
    );
    await nudge();
    expect((await outcomes(id)).map((e) => e.event)).toEqual(['prefect.automation.action.executed']);
    expect((await readQueue(pool, 'slow')).paused).toBe(true);
    expect((await readQueue(other, 'slow')).paused).toBe(false);
  });

  it("stops claims from a paused queue at once, and from a paused pool: the pool's object is told", async () => {
    await setClock(T0);
    const pool = await createPool();
    await createQueue(pool, { name: 'urgent' });
    const queue = await readQueue(pool, 'urgent');
    const expectName = (name: string) => ({ type: 'event', posture: 'Reactive', expect: [name] });
    await createAutomation({
      trigger: expectName(`stop.${pool}`),
      actions: [{ type: 'pause-work-queue', work_queue_id: queue.id }],
    });
    await createAutomation({
      trigger: expectName(`go.${pool}`),
      actions: [{ type: 'resume-work-queue', work_queue_id: queue.id }],
    });
    await createAutomation({
      trigger: expectName(`halt.${pool}`),
      actions: [{ type: 'pause-work-pool', work_pool_id: pool }],
    });
    // The pool's object has its copy of the configuration before the pause.
    expect((await claim(pool, { name: 'agent' })).runs).toEqual([]);
    await nudge();
    await emit(event(`stop.${pool}`, 'x', 1));
    await nudge();
    const run = await createPoolRun(pool, { work_queue_name: 'urgent' });
    expect((await claim(pool, { name: 'agent' })).runs).toEqual([]);

    await emit(event(`go.${pool}`, 'x', 2));
    await nudge();
    await emit(event(`halt.${pool}`, 'x', 3));
    await nudge();
    expect((await claim(pool, { name: 'agent' })).runs).toEqual([]);
    expect((await api('PATCH', `/work_pools/${pool}`, { paused: false })).status).toBe(204);
    expect((await claim(pool, { name: 'agent' })).runs.map((claimed) => claimed.flow_run.id)).toEqual([
      run.id,
    ]);
  });

  it('records a failed outcome when the queue does not exist, naming why', async () => {
    await setClock(T0);
    const id = await createAutomation({
      trigger: { type: 'event', posture: 'Reactive', expect: ['queue.missing'] },
      actions: [{ type: 'pause-work-queue', work_queue_id: crypto.randomUUID() }, { type: 'do-nothing' }],
    });
    await nudge();
    await emit(event('queue.missing', 'x', 1));
    await nudge();
    const found = await outcomes(id);
    expect(found.map((e) => e.event)).toEqual([
      'prefect.automation.action.failed',
      'prefect.automation.action.executed',
    ]);
    expect(String(found[0]?.payload.reason)).toMatch(/work queue/);
  });

  it('refuses a selected work queue action without its id, with a 422 naming the field', async () => {
    const { status, body } = await api<{ field: string }>('POST', '/automations', {
      name: 'no queue',
      trigger: { type: 'event', posture: 'Reactive', expect: ['x'] },
      actions: [{ type: 'resume-work-queue', source: 'selected' }],
    });
    expect(status).toBe(422);
    expect(body.field).toBe('actions[0].work_queue_id');
  });
});
