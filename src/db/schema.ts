// The D1 index: queryable copies of what the Durable Objects own, plus flows, logs and API keys.
// Run rows are written only by their run's object (versioned upserts); never the source of truth.
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const flows = sqliteTable('flows', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  created: text('created').notNull(),
  updated: text('updated').notNull(),
});

export const flowRuns = sqliteTable(
  'flow_runs',
  {
    id: text('id').primaryKey(),
    flowId: text('flow_id').notNull(),
    name: text('name').notNull(),
    stateType: text('state_type'),
    stateName: text('state_name'),
    /** Monotonic per run; an index write with an older version is dropped. */
    stateVersion: integer('state_version').notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    deploymentId: text('deployment_id'),
    workPoolName: text('work_pool_name'),
    workQueueName: text('work_queue_name'),
    parentTaskRunId: text('parent_task_run_id'),
    idempotencyKey: text('idempotency_key'),
    expectedStartTime: text('expected_start_time'),
    nextScheduledStartTime: text('next_scheduled_start_time'),
    startTime: text('start_time'),
    endTime: text('end_time'),
    created: text('created').notNull(),
    /** The whole run as its object last described it, so lists never ask the objects. */
    doc: text('doc', { mode: 'json' }).notNull(),
  },
  (t) => [
    index('flow_runs_flow_id').on(t.flowId),
    index('flow_runs_state_type').on(t.stateType, t.nextScheduledStartTime),
    index('flow_runs_deployment').on(t.deploymentId),
    index('flow_runs_expected_start').on(t.expectedStartTime),
    index('flow_runs_parent_task').on(t.parentTaskRunId),
  ],
);

export const flowRunTags = sqliteTable(
  'flow_run_tags',
  {
    flowRunId: text('flow_run_id').notNull(),
    tag: text('tag').notNull(),
  },
  (t) => [uniqueIndex('flow_run_tags_pk').on(t.tag, t.flowRunId), index('flow_run_tags_run').on(t.flowRunId)],
);

export const taskRuns = sqliteTable(
  'task_runs',
  {
    id: text('id').primaryKey(),
    flowRunId: text('flow_run_id').notNull(),
    taskKey: text('task_key').notNull(),
    dynamicKey: text('dynamic_key').notNull(),
    name: text('name').notNull(),
    stateType: text('state_type'),
    stateName: text('state_name'),
    stateVersion: integer('state_version').notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    expectedStartTime: text('expected_start_time'),
    endTime: text('end_time'),
    created: text('created').notNull(),
    doc: text('doc', { mode: 'json' }).notNull(),
  },
  (t) => [
    index('task_runs_flow_run').on(t.flowRunId, t.expectedStartTime),
    index('task_runs_state').on(t.stateType),
  ],
);

/** Cache records written by CacheInsertion and read by CacheRetrieval: global across flow runs. */
export const taskRunCache = sqliteTable(
  'task_run_cache',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    cacheKey: text('cache_key').notNull(),
    cacheExpiration: text('cache_expiration'),
    taskRunId: text('task_run_id').notNull(),
    state: text('state', { mode: 'json' }).notNull(),
    created: text('created').notNull(),
  },
  (t) => [index('task_run_cache_key').on(t.cacheKey, t.id)],
);

export const logs = sqliteTable(
  'logs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    flowRunId: text('flow_run_id').notNull(),
    taskRunId: text('task_run_id'),
    level: integer('level').notNull(),
    name: text('name').notNull(),
    message: text('message').notNull(),
    timestamp: text('timestamp').notNull(),
  },
  (t) => [index('logs_flow_run').on(t.flowRunId, t.timestamp), index('logs_timestamp').on(t.timestamp)],
);

export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  scope: text('scope').notNull(),
  prefix: text('prefix').notNull(),
  /** SHA-256 of the whole key, hex: keys are 256-bit random, so a fast hash is enough. */
  hash: text('hash').notNull(),
  created: text('created').notNull(),
  expiresAt: text('expires_at'),
  revokedAt: text('revoked_at'),
  lastUsedAt: text('last_used_at'),
});

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
