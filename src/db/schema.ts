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

/**
 * Dashboard sessions (docs/dashboard.md, "Sign-in and sessions"). `id` is the SHA-256 of the cookie's
 * random value, so a read of this table signs no one in. `key_id` is the key signed in with; null for
 * the configured admin key, whose session instead holds `admin_key_check`, a hash of the cookie value
 * and that key, so changing the key ends its sessions. Times are epoch milliseconds.
 */
export const sessions = sqliteTable('sessions', {
  id: text('id').primaryKey(),
  keyId: text('key_id'),
  adminKeyCheck: text('admin_key_check'),
  createdAt: integer('created_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

/**
 * One-time sign-in links (`POST /api/sign_in_tokens`): hashed like sessions, tied to the key that made
 * them in the same way, deleted as they are used.
 */
export const signInTokens = sqliteTable('sign_in_tokens', {
  id: text('id').primaryKey(),
  keyId: text('key_id'),
  adminKeyCheck: text('admin_key_check'),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
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

/** Inbound webhooks: a public slug that creates a run of a deployment, guarded by its own secret. */
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

/**
 * The index of named concurrency limits: for filters and reads by id. Each limit's settings, counters
 * and leases live in its object, found by name (docs/concurrency.md).
 */
export const concurrencyLimits = sqliteTable('concurrency_limits', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  created: text('created').notNull(),
});

/** Which limits a lease holds slots of, so that renewing or releasing it by id finds their objects. */
export const concurrencyLeases = sqliteTable('concurrency_leases', {
  id: text('id').primaryKey(),
  /** JSON array of limit names. */
  names: text('names', { mode: 'json' }).notNull().$type<string[]>(),
  created: text('created').notNull(),
});
/** Prefect's block types: one per block class, found by slug (docs/prefect-compat.md, "Blocks"). */
export const blockTypes = sqliteTable('block_types', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  logoUrl: text('logo_url'),
  documentationUrl: text('documentation_url'),
  description: text('description'),
  codeExample: text('code_example'),
  isProtected: integer('is_protected', { mode: 'boolean' }).notNull().default(false),
  created: text('created').notNull(),
  updated: text('updated').notNull(),
});

/** A block type's JSON schemas, one per (checksum, version). */
export const blockSchemas = sqliteTable(
  'block_schemas',
  {
    id: text('id').primaryKey(),
    checksum: text('checksum').notNull(),
    fields: text('fields', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    blockTypeId: text('block_type_id').notNull(),
    capabilities: text('capabilities', { mode: 'json' }).$type<string[]>().notNull(),
    version: text('version').notNull(),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [
    uniqueIndex('block_schemas_checksum_version').on(t.checksum, t.version),
    index('block_schemas_type').on(t.blockTypeId),
  ],
);

/** Block documents; `data` is kept AES-GCM encrypted whole, as Prefect encrypts it at rest. */
export const blockDocuments = sqliteTable(
  'block_documents',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    blockSchemaId: text('block_schema_id').notNull(),
    blockTypeId: text('block_type_id').notNull(),
    isAnonymous: integer('is_anonymous', { mode: 'boolean' }).notNull(),
    dataCipher: text('data_cipher').notNull(),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [uniqueIndex('block_documents_type_name').on(t.blockTypeId, t.name)],
);

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

/** Variables (docs/variables.md): a named JSON value, kept as its JSON text. */
export const variables = sqliteTable('variables', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  value: text('value').notNull(),
  tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
  created: text('created').notNull(),
  updated: text('updated').notNull(),
});

/**
 * Artifacts (docs/artifacts.md): every create is a row; the latest of a key is its highest `seq`.
 * `data` is the JSON text, or null when it went to R2 under `data_key`.
 */
export const artifacts = sqliteTable(
  'artifacts',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    key: text('key'),
    type: text('type').notNull(),
    description: text('description'),
    data: text('data'),
    dataKey: text('data_key'),
    metadata: text('metadata', { mode: 'json' }).$type<Record<string, string>>(),
    flowRunId: text('flow_run_id'),
    taskRunId: text('task_run_id'),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [index('artifacts_key').on(t.key, t.seq), index('artifacts_flow_run').on(t.flowRunId, t.seq)],
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
