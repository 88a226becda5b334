// Events and the automations that watch them (docs/events.md, docs/automations.md).
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Events (docs/events.md): `seq` is the order D1 committed them in, so a reader that remembers the
 * last seq it saw (the live stream, a later automations engine) sees every event once, in order.
 * `related` holds `[id, role]` pairs for the related-resource filter; `doc` is the whole event.
 */
export const events = sqliteTable(
  'events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    event: text('event').notNull(),
    occurred: text('occurred').notNull(),
    received: text('received').notNull(),
    resourceId: text('resource_id').notNull(),
    related: text('related').notNull(),
    doc: text('doc').notNull(),
  },
  (t) => [
    index('events_occurred').on(t.occurred, t.seq),
    index('events_event').on(t.event, t.occurred),
    index('events_resource').on(t.resourceId, t.occurred),
  ],
);

/** Automations (docs/automations.md): the whole body as Prefect writes it, `enabled` beside it for filters. */
export const automations = sqliteTable(
  'automations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    doc: text('doc').notNull(),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
    /** A deployment trigger's automation: its deployment and the trigger's position in `triggers`. */
    deploymentId: text('deployment_id'),
    deploymentTrigger: integer('deployment_trigger'),
  },
  (t) => [
    index('automations_name').on(t.name, t.id),
    uniqueIndex('automations_deployment_trigger').on(t.deploymentId, t.deploymentTrigger),
  ],
);
