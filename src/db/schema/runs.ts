// Flows, flow runs, task runs, their cache records and logs: the index rows the run objects write,
// and where retention's sweeps stand (docs/orchestration.md, "The D1 index"; docs/retention.md).
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
    // Retention walks finished runs oldest end first (docs/retention.md).
    index('flow_runs_end_time').on(t.endTime, t.id),
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
  (t) => [
    index('task_run_cache_key').on(t.cacheKey, t.id),
    // Retention deletes a run's cache records by its task runs (docs/retention.md).
    index('task_run_cache_task_run').on(t.taskRunId),
  ],
);

export const logs = sqliteTable(
  'logs',
  {
    /** Order of arrival: the cursor `edgeflow logs --follow` reads with. */
    id: integer('id').primaryKey({ autoIncrement: true }),
    /**
     * The line's own id, made by the client when the line was created (or by the server when a client
     * sends none): a batch sent again stores nothing twice. Null for lines stored before keys existed.
     */
    key: text('key'),
    flowRunId: text('flow_run_id').notNull(),
    taskRunId: text('task_run_id'),
    level: integer('level').notNull(),
    name: text('name').notNull(),
    message: text('message').notNull(),
    timestamp: text('timestamp').notNull(),
  },
  (t) => [
    index('logs_flow_run').on(t.flowRunId, t.timestamp),
    index('logs_timestamp').on(t.timestamp),
    uniqueIndex('logs_key').on(t.key),
  ],
);

/**
 * Where retention's sweeps stand (docs/retention.md): `results` is the (end_time, id) of the last
 * finished run whose R2 results were deleted ahead of the run, so no tick looks at a run twice.
 */
export const retentionMarks = sqliteTable('retention_marks', {
  name: text('name').primaryKey(),
  endTime: text('end_time').notNull(),
  flowRunId: text('flow_run_id').notNull(),
});
