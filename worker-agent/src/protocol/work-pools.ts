// Work pools, their queues, and the agent wire: claim long-poll, heartbeats, leases (docs/agent.md).
import { z } from 'zod';
import {
  IsoDateTimeSchema,
  KeyTextSchema,
  LimitSchema,
  NameSchema,
  OffsetSchema,
  UuidSchema,
} from './common.ts';
import { FlowRunSchema } from './flow-runs.ts';

/** Pool, queue and agent names travel in URL paths, so they may not hold `/` or `%` (as in Prefect). */
export const WorkPoolNameSchema = NameSchema.regex(/^[^/%]+$/, 'may not contain "/" or "%"');

/** Only `process` exists: the agent runs each flow run in a child Node process. */
export const WORK_POOL_TYPES = ['process'] as const;
export const WorkPoolTypeSchema = z.enum(WORK_POOL_TYPES);

/** Prefect's readiness: READY once an agent has polled or heartbeated recently; PAUSED wins. */
export const WORK_POOL_STATUSES = ['READY', 'NOT_READY', 'PAUSED'] as const;
export const WorkPoolStatusSchema = z.enum(WORK_POOL_STATUSES);
export type WorkPoolStatus = z.infer<typeof WorkPoolStatusSchema>;

const ConcurrencyLimitSchema = z.number().int().min(0).max(100_000);
const DescriptionSchema = z.string().max(5_000);

export const WorkPoolCreateSchema = z.object({
  name: WorkPoolNameSchema,
  type: WorkPoolTypeSchema.default('process'),
  description: DescriptionSchema.nullish(),
  /** Runs PENDING or RUNNING in the pool at once; null or absent means no limit. */
  concurrency_limit: ConcurrencyLimitSchema.nullish(),
  paused: z.boolean().default(false),
});
export type WorkPoolCreate = z.infer<typeof WorkPoolCreateSchema>;

export const WorkPoolUpdateSchema = z
  .object({
    description: DescriptionSchema.nullable().optional(),
    concurrency_limit: ConcurrencyLimitSchema.nullable().optional(),
    paused: z.boolean().optional(),
  })
  .strict();
export type WorkPoolUpdate = z.infer<typeof WorkPoolUpdateSchema>;

export const WorkPoolSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  name: z.string(),
  type: WorkPoolTypeSchema,
  description: z.string().nullable(),
  concurrency_limit: z.number().int().nullable(),
  paused: z.boolean(),
  status: WorkPoolStatusSchema,
  default_queue_id: UuidSchema,
});
export type WorkPool = z.infer<typeof WorkPoolSchema>;

/** Lower priority numbers are served first, as in Prefect; `default` has priority 1. */
const PrioritySchema = z.number().int().min(1).max(100_000);

export const WorkQueueCreateSchema = z.object({
  name: WorkPoolNameSchema,
  description: DescriptionSchema.nullish(),
  /** Absent: one more than the pool's largest priority, so a new queue never jumps the line. */
  priority: PrioritySchema.optional(),
  concurrency_limit: ConcurrencyLimitSchema.nullish(),
  paused: z.boolean().default(false),
});
export type WorkQueueCreate = z.infer<typeof WorkQueueCreateSchema>;

export const WorkQueueUpdateSchema = z
  .object({
    description: DescriptionSchema.nullable().optional(),
    priority: PrioritySchema.optional(),
    concurrency_limit: ConcurrencyLimitSchema.nullable().optional(),
    paused: z.boolean().optional(),
  })
  .strict();
export type WorkQueueUpdate = z.infer<typeof WorkQueueUpdateSchema>;

export const WorkQueueSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  name: z.string(),
  description: z.string().nullable(),
  priority: z.number().int(),
  concurrency_limit: z.number().int().nullable(),
  paused: z.boolean(),
  status: WorkPoolStatusSchema,
  work_pool_name: z.string(),
  last_polled: IsoDateTimeSchema.nullable(),
});
export type WorkQueue = z.infer<typeof WorkQueueSchema>;

/** A lease names one claim of one run; proposals and heartbeats carry it (a stale one gets 409). */
export const LeaseIdSchema = z.string().min(1).max(100);

/** The longest a claim may be held open by the pool object. */
export const MAX_CLAIM_WAIT_MS = 30_000;

/** `POST /api/work_pools/{pool}/claim`: due runs are moved to PENDING and leased to agent `name`. */
export const ClaimBodySchema = z.object({
  /** The agent's name (default `<hostname>-<pid>`), the owner of the leases this claim creates. */
  name: WorkPoolNameSchema,
  /** Queues to draw from, in the pool's priority order; absent means every queue of the pool. */
  queues: z.array(WorkPoolNameSchema).min(1).max(100).optional(),
  limit: z.number().int().min(1).max(100).default(1),
  /** How long to hold the request open when nothing is due; 0 answers at once. */
  wait_ms: z.number().int().min(0).max(MAX_CLAIM_WAIT_MS).default(0),
  /**
   * Names this claim so that a retry after a lost response (a 5xx, a Worker restart, a cut connection)
   * gets back the runs the first attempt leased, still PENDING, instead of new ones; without it those
   * runs wait for their leases to lapse. The agent keeps one id until a claim gets an answer.
   */
  claim_id: KeyTextSchema.min(1).max(100).optional(),
});
export type ClaimBody = z.input<typeof ClaimBodySchema>;

/** An agent that stops with a claim in flight gives it up: held, it ends; answered, its runs go back. */
export const ReleaseClaimBodySchema = z.object({
  name: WorkPoolNameSchema,
  claim_id: KeyTextSchema.min(1).max(100),
});
export type ReleaseClaimBody = z.input<typeof ReleaseClaimBodySchema>;

export const ClaimedFlowRunSchema = z.object({
  flow_run: FlowRunSchema,
  lease_id: LeaseIdSchema,
  work_queue_name: z.string(),
});
export type ClaimedFlowRun = z.infer<typeof ClaimedFlowRunSchema>;

export const ClaimResponseSchema = z.object({
  runs: z.array(ClaimedFlowRunSchema),
  /** Runs leased to this agent that are CANCELLING: the agent kills them and proposes CANCELLED. */
  cancelling: z.array(UuidSchema),
});
export type ClaimResponse = z.infer<typeof ClaimResponseSchema>;

/** `POST /api/work_pools/{pool}/workers/heartbeat`: renews the leases of the runs listed. */
export const WorkerHeartbeatBodySchema = z.object({
  name: WorkPoolNameSchema,
  heartbeat_interval_seconds: z.number().int().min(1).max(3_600),
  /** Flow runs this agent is executing; their leases are renewed. */
  running: z.array(UuidSchema).max(10_000).default([]),
});
export type WorkerHeartbeatBody = z.input<typeof WorkerHeartbeatBodySchema>;

export const WorkerHeartbeatResponseSchema = z.object({
  /** Runs in `running` that are CANCELLING. */
  cancelling: z.array(UuidSchema),
  /** Runs in `running` whose lease is no longer this agent's: the agent stops them and reports nothing. */
  lost: z.array(UuidSchema),
});
export type WorkerHeartbeatResponse = z.infer<typeof WorkerHeartbeatResponseSchema>;

/** ONLINE while the last heartbeat is younger than three intervals (Prefect's inactivity multiple). */
export const WORKER_STATUSES = ['ONLINE', 'OFFLINE'] as const;
export const WorkerStatusSchema = z.enum(WORKER_STATUSES);

export const WorkerSchema = z.object({
  name: z.string(),
  work_pool_name: z.string(),
  status: WorkerStatusSchema,
  last_heartbeat_time: IsoDateTimeSchema,
  heartbeat_interval_seconds: z.number().int(),
});
export type Worker = z.infer<typeof WorkerSchema>;

/** Prefect's read-only poll, `POST /api/work_pools/{pool}/get_scheduled_flow_runs`: it claims nothing. */
export const GetScheduledFlowRunsBodySchema = z.object({
  work_queue_names: z.array(WorkPoolNameSchema).max(100).nullish(),
  scheduled_before: IsoDateTimeSchema.nullish(),
  scheduled_after: IsoDateTimeSchema.nullish(),
  limit: LimitSchema.nullish(),
});
export type GetScheduledFlowRunsBody = z.input<typeof GetScheduledFlowRunsBodySchema>;

export const WorkerFlowRunResponseSchema = z.object({
  work_pool_id: UuidSchema,
  work_queue_id: UuidSchema,
  flow_run: FlowRunSchema,
});
export const GetScheduledFlowRunsResponseSchema = z.array(WorkerFlowRunResponseSchema);
export type WorkerFlowRunResponse = z.infer<typeof WorkerFlowRunResponseSchema>;

const NameFilterSchema = z.object({ any_: z.array(z.string()).max(200).optional() }).strict();

/** `POST /api/work_pools/filter`. */
export const WorkPoolFilterBodySchema = z.object({
  work_pools: z
    .object({
      id: z
        .object({ any_: z.array(UuidSchema).max(200).optional() })
        .strict()
        .optional(),
      name: NameFilterSchema.optional(),
    })
    .strict()
    .optional(),
  limit: LimitSchema.default(200),
  offset: OffsetSchema.default(0),
});
export type WorkPoolFilterBody = z.infer<typeof WorkPoolFilterBodySchema>;

/** `POST /api/work_pools/{pool}/queues/filter`. */
export const WorkQueueFilterBodySchema = z.object({
  work_queues: z.object({ name: NameFilterSchema.optional() }).strict().optional(),
  limit: LimitSchema.default(200),
  offset: OffsetSchema.default(0),
});
export type WorkQueueFilterBody = z.infer<typeof WorkQueueFilterBodySchema>;

/** `POST /api/work_pools/{pool}/workers/filter`. */
export const WorkerFilterBodySchema = z.object({
  workers: z
    .object({
      status: z
        .object({ any_: z.array(WorkerStatusSchema).optional() })
        .strict()
        .optional(),
    })
    .strict()
    .optional(),
  limit: LimitSchema.default(200),
  offset: OffsetSchema.default(0),
});
export type WorkerFilterBody = z.infer<typeof WorkerFilterBodySchema>;
