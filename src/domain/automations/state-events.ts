// Prefect's trigger state events (docs/automations.md): `prefect.automation.triggered` and
// `prefect.automation.resolved`, one per state a firing puts its automation in, which the firing's
// action events point back to (role `automation-triggered-event`).
import type { Event } from 'edgeflow/protocol';
import type { NewEvent } from '../events';
import type { Firing, TriggerStateName } from './evaluation';

/** A triggering event larger than this is carried as its summary, so the state event stays well under D1's caps. */
const EMBEDDED_EVENT_MAX_BYTES = 256_000;

function embedded(event: Event | null): Record<string, unknown> | null {
  if (!event) return null;
  if (new TextEncoder().encode(JSON.stringify(event)).length <= EMBEDDED_EVENT_MAX_BYTES) return { ...event };
  const { id, occurred, event: name, resource } = event;
  return { id, occurred, event: name, resource, truncated: true };
}

/** The firing's states, Triggered first, as Prefect orders them (absent: a firing from before, Triggered). */
export const firingStates = (firing: Pick<Firing, 'states'>): TriggerStateName[] =>
  (['Triggered', 'Resolved'] as const).filter((state) => (firing.states ?? ['Triggered']).includes(state));

/** One state event per state of the firing, with the ids given for them (minted by the caller). */
export function triggerStateEvents(
  automation: { id: string; name: string },
  firing: Firing,
  ids: Record<TriggerStateName, string>,
): NewEvent[] {
  return firingStates(firing).map((state) => ({
    id: ids[state],
    occurred: firing.triggered,
    event: `prefect.automation.${state.toLowerCase()}`,
    resource: {
      'prefect.resource.id': `prefect.automation.${automation.id}`,
      'prefect.resource.name': automation.name,
      ...(firing.posture ? { 'prefect.posture': firing.posture } : {}),
    },
    related: firing.event
      ? [
          {
            'prefect.resource.id': `prefect.event.${firing.event.id}`,
            'prefect.resource.role': 'triggering-event',
          },
        ]
      : [],
    payload: { triggering_labels: firing.labels, triggering_event: embedded(firing.event) },
    follows: null,
  }));
}

/**
 * The state event an action answers to, as Prefect links them: `actions` to the Triggered event
 * (else the Resolved one), `actions_on_trigger` to Triggered, `actions_on_resolve` to Resolved.
 */
export function actionStateEventId(
  list: 'actions' | 'actions_on_trigger' | 'actions_on_resolve',
  ids: Partial<Record<TriggerStateName, string>>,
): string | null {
  if (list === 'actions_on_resolve') return ids.Resolved ?? null;
  if (list === 'actions_on_trigger') return ids.Triggered ?? null;
  return ids.Triggered ?? ids.Resolved ?? null;
}
