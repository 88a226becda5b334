// The lifecycle events a deployment, work pool or work queue change stores in its own D1 batch
// (docs/events.md).
import type { AutomationEventMaker } from '../db/deployment-triggers';
import type { DeploymentUpsert, UpsertEvents } from '../db/deployment-upserts';
import { newEventStatements } from '../db/events';
import { type LifecycleAction, lifecycleEvent, type NewEvent, workQueueEvent } from '../domain/events';

/** A deployment's events, related to its flow; `prefect.deployment.<id>`. */
export function deploymentEvents(
  deployment: { id: string; name: string; flow_id: string },
  actions: readonly LifecycleAction[],
  now: Date,
): NewEvent[] {
  const flow = {
    'prefect.resource.id': `prefect.flow.${deployment.flow_id}`,
    'prefect.resource.role': 'flow',
  };
  return actions.map((action) =>
    lifecycleEvent(
      { kind: 'deployment', ...deployment },
      action,
      { id: crypto.randomUUID(), occurred: now },
      [flow],
    ),
  );
}

/**
 * An upserted deployment's two possible events, for the upsert's batch to choose from; it fills in
 * the deployment's id and its flow's id (placeholders here), which only the batch knows.
 */
export function upsertEvents(now: Date): (item: DeploymentUpsert) => UpsertEvents {
  return (item) => {
    const placeholder = { id: '', name: item.deployment.name, flow_id: '' };
    const [created, updated] = deploymentEvents(placeholder, ['created', 'updated'], now);
    return { created: created!, updated: { ...updated!, id: created!.id } };
  };
}

/** A work pool's events; `prefect.work-pool.<name>`, as flow runs' events relate to it. */
export function workPoolEvents(name: string, actions: readonly LifecycleAction[], now: Date): NewEvent[] {
  return actions.map((action) =>
    lifecycleEvent({ kind: 'work-pool', id: name, name }, action, { id: crypto.randomUUID(), occurred: now }),
  );
}

/** A work queue's events; `prefect.work-queue.<name>`, related to its pool. */
export function workQueueEvents(
  pool: string,
  name: string,
  actions: readonly LifecycleAction[],
  now: Date,
): NewEvent[] {
  return actions.map((action) =>
    workQueueEvent(pool, name, action, { id: crypto.randomUUID(), occurred: now }),
  );
}

/** The statements that store `events` in the caller's batch. */
export const eventStatements = (db: D1Database, events: readonly NewEvent[], now: Date) =>
  newEventStatements(db, events, now);

/** What a change of `paused` adds to an update's events. */
export function pauseActions(before: boolean, after: boolean | undefined): LifecycleAction[] {
  if (after === undefined || after === before) return [];
  return [after ? 'paused' : 'resumed'];
}

/** A deployment trigger's automation events (`prefect.automation.created|updated|deleted`); the batch sets its id. */
export function triggerAutomationEvents(now: Date): AutomationEventMaker {
  return (action, name) =>
    lifecycleEvent({ kind: 'automation', id: '', name }, action, { id: crypto.randomUUID(), occurred: now });
}
