// Helpers for tests that drive the automations evaluator: its clock set, a pass run on demand,
// automations and events written through the API, and events (an automation's action outcomes among
// them) read back.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Event, EventPage } from 'edgeflow/protocol';
import { expect } from 'vitest';
import type { AutomationsObject } from '../../src/durable/automations-object';
import { api } from './api';

/** The tests' start time: events are placed in seconds from it. */
export const T0 = Date.parse('2026-03-01T12:00:00.000Z');
export const evaluator = () => env.AUTOMATIONS.get(env.AUTOMATIONS.idFromName('automations'));

export async function setClock(now: number) {
  await runInDurableObject(evaluator(), (instance: AutomationsObject) => {
    instance.clock = { now: () => now };
  });
}

/** One evaluator pass, awaited: every event stored so far is evaluated and its actions run. */
export async function nudge() {
  await runInDurableObject(evaluator(), (instance: AutomationsObject) => instance.nudge());
}

export async function createAutomation(body: Record<string, unknown>): Promise<string> {
  const { status, body: created } = await api<{ id: string }>('POST', '/automations', { name: 'a', ...body });
  expect(status).toBe(201);
  return created.id;
}

/** An event that occurred `seconds` after T0. */
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

/** Events of these names (prefixes), of one resource if given, oldest first. */
export async function eventsNamed(prefix: string, resourceId?: string): Promise<Event[]> {
  const { body } = await api<EventPage>('POST', '/events/filter', {
    filter: {
      ...(resourceId ? { resource: { id: [resourceId] } } : {}),
      event: { prefix: [prefix] },
      order: 'ASC',
    },
    limit: 200,
  });
  return body.events;
}

/** The automation's action outcomes, `prefect.automation.action.executed|failed`, oldest first. */
export const outcomes = (automationId: string) =>
  eventsNamed('prefect.automation.action.', `prefect.automation.${automationId}`);
