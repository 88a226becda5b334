// /api/automations: Prefect's automation JSON in and out, pause and resume through `enabled`, filters,
// lifecycle events with each change, and 422s that name the field (docs/automations.md).
import type { Event, EventPage } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import type { Automation } from '../../src/domain/automations';
import { api } from './api';

const onFailure = (name = `on-failure-${crypto.randomUUID().slice(0, 8)}`) => ({
  name,
  description: 'rerun on failure',
  trigger: {
    type: 'event',
    match: { 'prefect.resource.id': 'prefect.flow-run.*' },
    match_related: { 'prefect.resource.role': 'flow', 'prefect.resource.id': 'prefect.flow.x' },
    expect: ['prefect.flow-run.Failed'],
    posture: 'Reactive',
    threshold: 1,
    within: 0,
  },
  actions: [
    {
      type: 'run-deployment',
      source: 'selected',
      deployment_id: '33333333-3333-4333-8333-333333333333',
      parameters: { failed: { __prefect_kind: 'jinja', template: '{{ event.resource.id }}' } },
      job_variables: {},
    },
  ],
});

async function eventNames(id: string): Promise<string[]> {
  const { body } = await api<EventPage>('POST', '/events/filter', {
    filter: { resource: { id: [`prefect.automation.${id}`] }, order: 'ASC' },
  });
  return body.events.map((event: Event) => event.event);
}

describe('automations CRUD', () => {
  it("stores Prefect's automation JSON and reads it back unchanged, with its defaults", async () => {
    const sent = onFailure();
    const created = await api<Automation>('POST', '/automations', sent);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ...sent,
      enabled: true,
      actions_on_trigger: [],
      actions_on_resolve: [],
    });
    const read = await api<Automation>('GET', `/automations/${created.body.id}`);
    expect(read.body).toEqual(created.body);
  });

  it('pauses and resumes through PATCH enabled, emitting updated, paused and resumed', async () => {
    const { body } = await api<Automation>('POST', '/automations', onFailure());
    expect((await api('PATCH', `/automations/${body.id}`, { enabled: false })).status).toBe(204);
    expect((await api<Automation>('GET', `/automations/${body.id}`)).body.enabled).toBe(false);
    expect((await api('PATCH', `/automations/${body.id}`, { enabled: true })).status).toBe(204);
    expect((await api('DELETE', `/automations/${body.id}`)).status).toBe(204);
    expect((await api('GET', `/automations/${body.id}`)).status).toBe(404);
    expect(await eventNames(body.id)).toEqual([
      'prefect.automation.created',
      'prefect.automation.updated',
      'prefect.automation.paused',
      'prefect.automation.updated',
      'prefect.automation.resumed',
      'prefect.automation.deleted',
    ]);
  });

  it('replaces the whole automation with PUT, keeping its id and created time', async () => {
    const { body } = await api<Automation>('POST', '/automations', onFailure());
    const next = { ...onFailure('renamed'), actions: [{ type: 'do-nothing' }] };
    expect((await api('PUT', `/automations/${body.id}`, next)).status).toBe(204);
    const read = (await api<Automation>('GET', `/automations/${body.id}`)).body;
    expect(read).toMatchObject({
      id: body.id,
      created: body.created,
      name: 'renamed',
      actions: [{ type: 'do-nothing' }],
    });
  });

  it('filters by name and enabled', async () => {
    const name = `filtered-${crypto.randomUUID().slice(0, 8)}`;
    const { body: on } = await api<Automation>('POST', '/automations', onFailure(name));
    const { body: off } = await api<Automation>('POST', '/automations', {
      ...onFailure(name),
      enabled: false,
    });
    const all = await api<Automation[]>('POST', '/automations/filter', {
      automations: { name: { any_: [name] } },
    });
    expect(all.body.map((a) => a.id).sort()).toEqual([on.id, off.id].sort());
    const paused = await api<Automation[]>('POST', '/automations/filter', {
      automations: { name: { any_: [name] }, enabled: { eq_: false } },
    });
    expect(paused.body.map((a) => a.id)).toEqual([off.id]);
  });

  it('accepts suspend-flow-run, now that the SDK can suspend a run', async () => {
    const name = `suspend-${crypto.randomUUID().slice(0, 8)}`;
    const { status } = await api('POST', '/automations', {
      ...onFailure(name),
      actions: [{ type: 'suspend-flow-run' }],
    });
    expect(status).toBe(201);
    const found = await api<Automation[]>('POST', '/automations/filter', {
      automations: { name: { any_: [name] } },
    });
    expect(found.body.map((automation) => automation.name)).toEqual([name]);
  });

  it('stores a compound trigger as Prefect writes it, and names the field of a bad child with a 422', async () => {
    const reactive = (name: string) => ({ type: 'event', posture: 'Reactive', expect: [name] });
    const trigger = { type: 'compound', require: 2, within: 600, triggers: [reactive('a'), reactive('b')] };
    const created = await api<Automation>('POST', '/automations', { name: 'compound', trigger, actions: [] });
    expect(created.status).toBe(201);
    expect((await api<Automation>('GET', `/automations/${created.body.id}`)).body.trigger).toMatchObject(
      trigger,
    );
    const bad = await api<{ field: string }>('POST', '/automations', {
      name: 'compound',
      trigger: { ...trigger, triggers: [reactive('a'), { type: 'event', posture: 'Proactive', within: 5 }] },
      actions: [],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('trigger.triggers[1].within');
  });

  it('answers 404 for a missing automation and stores no event for it', async () => {
    const id = crypto.randomUUID();
    expect((await api('PATCH', `/automations/${id}`, { enabled: false })).status).toBe(404);
    expect((await api('DELETE', `/automations/${id}`)).status).toBe(404);
    expect(await eventNames(id)).toEqual([]);
  });
});
