// A deployment's trigger automations in D1 (docs/deployments.md, "Triggers"): written in the
// deployment's own batch, keyed by (deployment, position) so a redeploy updates them in place (ids and
// evaluation state kept) instead of adding more, those past the new count deleted, each change with
// its lifecycle event. The deployment's id may be known only inside the batch (an upsert by flow and
// name), so every statement finds it from the same JSON input.
import type { TriggerAutomation } from '../domain/automations';
import type { LifecycleAction, NewEvent } from '../domain/events';
import { derivedEventStatement } from './events';

/** Which deployment: its id, or its flow (id or name) and name, as an upsert knows it. */
export type DeploymentKey = { id: string } | { flow_id?: string; flow_name?: string; name: string };

/** An automation's event, its resource id filled in by the batch. */
export type AutomationEventMaker = (action: LifecycleAction, name: string) => NewEvent;

/** The deployment's id inside a statement whose `?1` is the input below. */
const DEPLOYMENT_ID = `coalesce(?1 ->> '$.deployment.id', (SELECT d.id FROM deployments d
  WHERE d.name = ?1 ->> '$.deployment.name' AND d.flow_id = coalesce(?1 ->> '$.deployment.flow_id',
    (SELECT f.id FROM flows f WHERE f.name = ?1 ->> '$.deployment.flow_name'))))`;

/** A fresh version-4 UUID made by SQLite: one event id per deleted row, however many there are. */
const SQL_UUID = `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
  || '-' || substr('89ab', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`;

const OWNED_PAST_COUNT = `FROM automations AS a WHERE a.deployment_id = ${DEPLOYMENT_ID}
  AND a.deployment_trigger >= ?1 ->> '$.count'`;

const DELETED_EVENTS = `SELECT json_set(?1 -> '$.deleted_event', '$.id', ${SQL_UUID},
    '$.resource."prefect.resource.id"', 'prefect.automation.' || a.id, '$.resource."prefect.resource.name"', a.name)
    AS value ${OWNED_PAST_COUNT}`;

/**
 * One row per trigger; a trigger whose automation is unchanged keeps its row untouched (and makes no
 * event). The run-deployment action and the owner get the deployment's id here.
 */
const UPSERT = `INSERT INTO automations (id, name, enabled, doc, created, updated, deployment_id, deployment_trigger)
  SELECT t.value ->> '$.fresh', t.value ->> '$.name', t.value ->> '$.enabled',
    json_set(t.value -> '$.doc', '$.actions[0].deployment_id', d.id, '$.owner_resource', 'prefect.deployment.' || d.id),
    ?1 ->> '$.at', ?1 ->> '$.at', d.id, t.value ->> '$.position'
  FROM json_each(?1, '$.automations') t JOIN deployments d ON d.id = ${DEPLOYMENT_ID} WHERE true
  ON CONFLICT (deployment_id, deployment_trigger) DO UPDATE SET
    name = excluded.name, enabled = excluded.enabled, doc = excluded.doc, updated = excluded.updated
  WHERE automations.name IS NOT excluded.name OR automations.enabled IS NOT excluded.enabled
    OR automations.doc IS NOT excluded.doc`;

/** `created` where the row kept the fresh id, `updated` where an older row changed just now. */
const WRITTEN_EVENTS = `SELECT json_set(
    CASE WHEN a.id = t.value ->> '$.fresh' THEN t.value -> '$.created_event' ELSE t.value -> '$.updated_event' END,
    '$.resource."prefect.resource.id"', 'prefect.automation.' || a.id) AS value
  FROM json_each(?1, '$.automations') t JOIN automations a
    ON a.deployment_id = ${DEPLOYMENT_ID} AND a.deployment_trigger = t.value ->> '$.position'
  WHERE a.updated = ?1 ->> '$.at'`;

/**
 * The statements that make the deployment's trigger automations exactly `automations` (none: all of
 * them deleted, as when the deployment goes), for the caller's batch.
 */
export function triggerAutomationStatements(
  db: D1Database,
  deployment: DeploymentKey,
  automations: readonly TriggerAutomation[],
  eventOf: AutomationEventMaker,
  now: Date,
): D1PreparedStatement[] {
  const input = JSON.stringify({
    deployment,
    count: automations.length,
    at: now.toISOString(),
    deleted_event: eventOf('deleted', ''),
    automations: automations.map(({ position, automation }) => ({
      position,
      fresh: crypto.randomUUID(),
      name: automation.name,
      enabled: automation.enabled,
      doc: automation,
      created_event: eventOf('created', automation.name),
      updated_event: eventOf('updated', automation.name),
    })),
  });
  return [
    derivedEventStatement(db, DELETED_EVENTS, input, now),
    db.prepare(`DELETE ${OWNED_PAST_COUNT}`).bind(input),
    ...(automations.length > 0
      ? [db.prepare(UPSERT).bind(input), derivedEventStatement(db, WRITTEN_EVENTS, input, now)]
      : []),
  ];
}
