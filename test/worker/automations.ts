// Helpers for the automations evaluator's tests: its clock set, a nudge, automations and events
// written through the API, and the outcome events of an automation's actions.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Event, EventPage } from 'edgeflow/protocol';
import { expect } from 'vitest';
import type { AutomationsObject } from '../../src/durable/automations-object';
import { api } from './api';

export const T0 = Date.parse('2026-03-01T12:00:00.000Z');
export const evaluator = () => env.AUTOMATIONS.get(env.AUTOMATIONS.idFromName('automations'));

export async function setClock(now: number) {
  await runInDurableObject(evaluator(), (instance: AutomationsObject) => {
    instance.clock = { now: () => now };
  });
}

export async function nudge() {
  await runInDurableObject(evaluator(), (instance: AutomationsObject) => instance.nudge());
}

export async function createAutomation(body: Record<string, unknown>): Promise<string> {
  const { status, body: created } = await api<{ id: string }>('POST', '/automations', { name: 'a', ...body });
  expect(status).toBe(201);
  return created.id;
}

export function event(
  name: string,
  resource: string,
  seconds: number,
  related: Record<string, string>[] = [],
) {
  return {
    id: crypto.randomUUID(),
    occurred: new Date(T0 + seconds * 1_000).toISOString(),
    event: name,
    resource: { 'prefect.resource.id': resource },
    related,
    payload: {},
  };
}

export async function emit(...events: ReturnType<typeof event>[]) {
  expect((await api('POST', '/events', events)).status).toBe(204);
}

export async function outcomes(automationId: string): Promise<Event[]> {
  const { body } = await api<EventPage>('POST', '/events/filter', {
    filter: {
      resource: { id: [`prefect.automation.${automationId}`] },
      event: { prefix: ['prefect.automation.action.'] },
      order: 'ASC',
    },
    limit: 200,
  });
  return body.events;
}
