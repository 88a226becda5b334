// What the Automations pages say about an automation: its trigger in a sentence, and its firings
// read back from the events its actions left (`prefect.automation.action.executed|failed`, grouped by
// the firing's `invocation`; docs/automations.md).
import type { Event } from 'edgeflow/protocol';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** `90` → `90 s`, `3600` → `1 h`: a window as people say it. */
function seconds(value: unknown): string | null {
  if (typeof value !== 'number' || value <= 0) return null;
  if (value % 3600 === 0) return `${value / 3600} h`;
  if (value % 60 === 0) return `${value / 60} min`;
  return `${value} s`;
}

const names = (list: string[], none: string) => (list.length === 0 ? none : list.join(' or '));

function eventTrigger(trigger: Json): string {
  const expect = names(strings(trigger.expect), 'any event');
  const after = strings(trigger.after);
  const threshold = typeof trigger.threshold === 'number' ? trigger.threshold : 1;
  const within = seconds(trigger.within);
  const forEach = strings(trigger.for_each);
  const parts: string[] = [];
  if (trigger.posture === 'Proactive') {
    parts.push(`Proactive: fewer than ${threshold} × ${expect} within ${within ?? '10 s'}`);
    if (after.length > 0) parts.push(`after ${names(after, '')}`);
  } else {
    parts.push(`Reactive: ${threshold > 1 ? `${threshold} × ` : ''}${expect}`);
    if (within) parts.push(`within ${within}`);
    if (after.length > 0) parts.push(`after ${names(after, '')}`);
  }
  if (forEach.length > 0) parts.push(`for each ${forEach.join(', ')}`);
  const match = isObject(trigger.match) ? Object.entries(trigger.match) : [];
  if (match.length > 0)
    parts.push(`where ${match.map(([label, value]) => `${label} = ${[value].flat().join('|')}`).join(', ')}`);
  return parts.join(' ');
}

/** A trigger in one line, for any trigger type (an unknown one is named, not guessed at). */
export function triggerSummary(trigger: unknown): string {
  if (!isObject(trigger)) return 'no trigger';
  const nested = Array.isArray(trigger.triggers) ? trigger.triggers : [];
  const within = seconds(trigger.within);
  const inner = nested.map((item) => `(${triggerSummary(item)})`).join(', ');
  switch (trigger.type) {
    case 'event':
      return eventTrigger(trigger);
    case 'compound': {
      const require =
        trigger.require === 'any' || trigger.require === 'all' ? trigger.require : `${trigger.require}`;
      return `${require} of ${nested.length}${within ? ` within ${within}` : ''}: ${inner}`;
    }
    case 'sequence':
      return `in sequence${within ? ` within ${within}` : ''}: ${inner}`;
    default:
      return `${typeof trigger.type === 'string' ? trigger.type : 'unknown'} trigger`;
  }
}

export interface ActionOutcomeView {
  index: number;
  type: string;
  ok: boolean;
  /** What it did or why it failed: the payload beside the action's index, type and invocation. */
  details: Json;
}

export interface FiringView {
  /** The firing's key (`<automation>/<firing id>`), or the event's id when an outcome has none. */
  key: string;
  /** When its first outcome was recorded. */
  occurred: string;
  /** The event that caused it (`prefect.event.<id>`, role `triggering-event`), when there was one. */
  triggeringEventId: string | null;
  posture: string | null;
  ok: boolean;
  actions: ActionOutcomeView[];
}

/** Names of the events an automation's firings leave. */
export const FIRING_EVENT_PREFIX = 'prefect.automation.action.';

function triggeringEvent(event: Event): string | null {
  const related = event.related.find((resource) => resource['prefect.resource.role'] === 'triggering-event');
  const id = related?.['prefect.resource.id'];
  return id?.startsWith('prefect.event.') ? id.slice('prefect.event.'.length) : null;
}

/** Firings, newest first, each with its actions' outcomes in action order; other events are ignored. */
export function firingHistory(events: readonly Event[]): FiringView[] {
  const firings = new Map<string, FiringView>();
  for (const event of events) {
    if (!event.event.startsWith(FIRING_EVENT_PREFIX)) continue;
    const outcome = event.event.slice(FIRING_EVENT_PREFIX.length);
    if (outcome !== 'executed' && outcome !== 'failed') continue;
    const { action_index, action_type, invocation, ...details } = event.payload;
    const key = typeof invocation === 'string' ? invocation : event.id;
    const firing = firings.get(key) ?? {
      key,
      occurred: event.occurred,
      triggeringEventId: triggeringEvent(event),
      posture: event.resource['prefect.posture'] ?? null,
      ok: true,
      actions: [],
    };
    if (event.occurred < firing.occurred) firing.occurred = event.occurred;
    firing.triggeringEventId ??= triggeringEvent(event);
    firing.actions.push({
      index: typeof action_index === 'number' ? action_index : firing.actions.length,
      type: typeof action_type === 'string' ? action_type : 'unknown',
      ok: outcome === 'executed',
      details,
    });
    firing.ok &&= outcome === 'executed';
    firings.set(key, firing);
  }
  for (const firing of firings.values()) firing.actions.sort((a, b) => a.index - b.index);
  return [...firings.values()].sort((a, b) =>
    a.occurred === b.occurred ? a.key.localeCompare(b.key) : a.occurred < b.occurred ? 1 : -1,
  );
}
