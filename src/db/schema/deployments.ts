// Work pools and queues, deployments, their schedules and withdrawals, and webhooks (docs/deployments.md).
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Work pools: their configuration lives here; the pool's Durable Object gets a copy on every change. */
export const workPools = sqliteTable('work_pools', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  type: text('type').notNull(),
  description: text('description'),
  concurrencyLimit: integer('concurrency_limit'),
  paused: integer('paused', { mode: 'boolean' }).notNull(),
  defaultQueueId: text('default_queue_id').notNull(),
  /** Bumped with every change of the pool or its queues, so the object keeps only the newest copy. */
  configVersion: integer('config_version').notNull(),
  /** Until when an agent that heartbeated counts as online (written by the pool object, throttled). */
  onlineUntil: text('online_until'),
  created: text('created').notNull(),
  updated: text('updated').notNull(),
});

export const workQueues = sqliteTable(
  'work_queues',
  {
    id: text('id').primaryKey(),
    workPoolName: text('work_pool_name').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    priority: integer('priority').notNull(),
    concurrencyLimit: integer('concurrency_limit'),
    paused: integer('paused', { mode: 'boolean' }).notNull(),
    /** The last claim that could draw from this queue (written by the pool object, throttled). */
    lastPolled: text('last_polled'),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [uniqueIndex('work_queues_pool_name').on(t.workPoolName, t.name)],
);

/** Deployments: how a flow runs remotely. Upserted on (flow, name). */
export const deployments = sqliteTable(
  'deployments',
  {
    id: text('id').primaryKey(),
    flowId: text('flow_id').notNull(),
    name: text('name').notNull(),
    entrypoint: text('entrypoint'),
    workPoolName: text('work_pool_name'),
    workQueueName: text('work_queue_name'),
    parameters: text('parameters', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    parameterSchema: text('parameter_openapi_schema', { mode: 'json' }).$type<Record<string, unknown>>(),
    enforceParameterSchema: integer('enforce_parameter_schema', { mode: 'boolean' }).notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    description: text('description'),
    version: text('version'),
    paused: integer('paused', { mode: 'boolean' }).notNull(),
    concurrencyLimit: integer('concurrency_limit'),
    collisionStrategy: text('collision_strategy'),
    gracePeriodSeconds: integer('grace_period_seconds'),
    /** The `triggers` as declared (docs/deployments.md, "Triggers"); each is an automation it owns. */
    triggers: text('triggers', { mode: 'json' }).$type<Record<string, unknown>[]>().notNull().default([]),
    /** Days this deployment's runs are kept, with their logs, artifacts and results; null: the server's settings. */
    retentionDays: integer('retention_days'),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [uniqueIndex('deployments_flow_name').on(t.flowId, t.name)],
);

/**
 * A deployment's schedules, with the scheduler's watermark: `scheduled_until` is the latest date a run
 * was created for, `next_check_at` (epoch ms) when the schedule next needs a tick, or null while it
 * needs none (inactive, or its deployment paused). A tick reads only rows with next_check_at <= now.
 */
export const deploymentSchedules = sqliteTable(
  'deployment_schedules',
  {
    id: text('id').primaryKey(),
    deploymentId: text('deployment_id').notNull(),
    position: integer('position').notNull(),
    schedule: text('schedule', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    active: integer('active', { mode: 'boolean' }).notNull(),
    parameters: text('parameters', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    catchup: text('catchup').notNull(),
    maxActiveRuns: integer('max_active_runs'),
    scheduledUntil: integer('scheduled_until'),
    nextCheckAt: integer('next_check_at'),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [
    index('deployment_schedules_deployment').on(t.deploymentId, t.position),
    index('deployment_schedules_next_check').on(t.nextCheckAt, t.id),
  ],
);

/**
 * A deployment change's promise to withdraw the unstarted runs its schedules made: written in the same
 * batch as the change, deleted once every such run is gone. The request finishes it; one that failed
 * or died on the way is finished by the next scheduler tick (docs/deployments.md).
 */
export const deploymentWithdrawals = sqliteTable(
  'deployment_withdrawals',
  {
    id: text('id').primaryKey(),
    deploymentId: text('deployment_id').notNull(),
    /** One schedule's runs; null: every schedule's. */
    scheduleId: text('schedule_id'),
    /** Only runs due after this instant (ISO); null: every unstarted run, past-due ones too. */
    after: text('after'),
    created: text('created').notNull(),
  },
  (t) => [index('deployment_withdrawals_created').on(t.created, t.id)],
);

/** Inbound webhooks: a public slug that creates a run of a deployment, guarded by its own secret. */
export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull().unique(),
    name: text('name').notNull(),
    /** The deployment each call runs; null for a webhook that only emits its event. */
    deploymentId: text('deployment_id'),
    auth: text('auth').notNull(),
    /** token: SHA-256 of the token, hex. */
    secretHash: text('secret_hash'),
    /** hmac: the key, AES-GCM encrypted under a key derived from EDGEFLOW_SECRET_KEY. */
    secretCipher: text('secret_cipher'),
    parameterMapping: text('parameter_mapping', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** The event each call emits, templated from the request (docs/deployments.md, "Webhooks"). */
    event: text('event', { mode: 'json' }).$type<Record<string, unknown>>(),
    active: integer('active', { mode: 'boolean' }).notNull(),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [index('webhooks_deployment').on(t.deploymentId)],
);
