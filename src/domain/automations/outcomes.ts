// What a firing does and leaves behind (docs/automations.md): its actions' keys, the targets an
// `inferred` action takes from the triggering event, and the `prefect.automation.action.*` events.
import type { Event } from 'edgeflow/protocol';
import type { NewEvent } from '../events';
import type { Firing } from './evaluation';
import type { Action, Automation } from './schemas';

/** A firing's key across automations: the automation and the firing's own (replay-stable) id. */
export const firingKey = (automationId: string, firing: Firing) => `${automationId}/${firing.id}`;

export type ActionList = 'actions' | 'actions_on_trigger' | 'actions_on_resolve';

/**
 * The actions a firing runs, in Prefect's order, each with the list it comes from: when it triggers,
 * `actions` then `actions_on_trigger`; when it resolves, `actions_on_resolve` (a Reactive firing does both).
 */
export function firingActions(
  automation: Automation,
  firing: Pick<Firing, 'states'>,
): { list: ActionList; action: Action }[] {
  const states = firing.states ?? ['Triggered'];
  const lists: ActionList[] = [
    ...(states.includes('Triggered') ? (['actions', 'actions_on_trigger'] as const) : []),
    ...(states.includes('Resolved') ? (['actions_on_resolve'] as const) : []),
  ];
  return lists.flatMap((list) => automation[list].map((action) => ({ list, action })));
}

/** The id in `prefect.<kind>.<id>` on the event's resource, else on its first related resource of that kind. */
export function inferredId(event: Event | null, kind: string): string | null {
  if (!event) return null;
  const prefix = `prefect.${kind}.`;
  for (const labels of [event.resource, ...event.related]) {
    const id = labels['prefect.resource.id'];
    if (id?.startsWith(prefix)) return id.slice(prefix.length);
  }
  return null;
}

export interface ActionOutcome {
  ok: boolean;
  /** Why it failed, or what it did (a run id, a status code), as payload fields. */
  details: Record<string, unknown>;
}

/** `prefect.automation.action.executed|failed`, about the automation, related to the triggering event. */
export function actionOutcomeEvent(
  automation: { id: string; name: string },
  firing: {
    key: string;
    trigger_type: string;
    posture: string | null;
    event_id: string | null;
    /** The `prefect.automation.triggered|resolved` event the action answers to. */
    state_event_id: string | null;
  },
  action: { index: number; type: string },
  outcome: ActionOutcome,
  stamp: { id: string; occurred: Date },
): NewEvent {
  return {
    id: stamp.id,
    occurred: stamp.occurred.toISOString(),
    event: `prefect.automation.action.${outcome.ok ? 'executed' : 'failed'}`,
    resource: {
      'prefect.resource.id': `prefect.automation.${automation.id}`,
      'prefect.resource.name': automation.name,
      'prefect.trigger-type': firing.trigger_type,
      // Prefect labels the posture of event triggers only.
      ...(firing.posture ? { 'prefect.posture': firing.posture } : {}),
    },
    related: [
      ...(firing.event_id
        ? [
            {
              'prefect.resource.id': `prefect.event.${firing.event_id}`,
              'prefect.resource.role': 'triggering-event',
            },
          ]
        : []),
      ...(firing.state_event_id
        ? [
            {
              'prefect.resource.id': `prefect.event.${firing.state_event_id}`,
              'prefect.resource.role': 'automation-triggered-event',
            },
          ]
        : []),
    ],
    payload: {
      action_index: action.index,
      action_type: action.type,
      invocation: firing.key,
      ...outcome.details,
    },
    follows: null,
  };
}

/**
 * Whether the event is about the automation itself (its lifecycle, its actions' outcomes): such
 * events never feed its own trigger, so an automation that expects any event cannot fire on the
 * outcomes of its own firings, forever.
 */
export function isOwnEvent(automationId: string, event: Event): boolean {
  return event.resource['prefect.resource.id'] === `prefect.automation.${automationId}`;
}
