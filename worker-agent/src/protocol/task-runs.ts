// Task runs: created by the SDK with ids of its own, reported one by one or in batches per flow run.
import { z } from 'zod';
import { ArtifactCreateSchema, ArtifactProgressSchema } from './artifacts.ts';
import {
  IsoDateTimeSchema,
  KeyTextSchema,
  LikeTextSchema,
  LimitSchema,
  NameSchema,
  OffsetSchema,
  TagsSchema,
  UuidSchema,
} from './common.ts';
import { EventCreateSchema } from './events.ts';
import { FlowRunFilterSchema } from './flow-runs.ts';
import { AndOperatorSchema, FlowFilterSchema } from './flows.ts';
import {
  OrchestrationDetailsSchema,
  OrchestrationResultSchema,
  OrchestrationStatusSchema,
  SetStateBodySchema,
  StateCreateSchema,
  StateSchema,
  StateTypeSchema,
} from './states.ts';

export const RetryDelaySchema = z.union([
  z
    .number()
    .min(0)
    .max(86_400 * 30),
  z
    .array(
      z
        .number()
        .min(0)
        .max(86_400 * 30),
    )
    .max(50),
]);

export const TaskRunPolicySchema = z.object({
  retries: z.number().int().min(0).max(1000).default(0),
  retry_delay: RetryDelaySchema.default(0),
  retry_jitter_factor: z.number().min(0).max(100).nullable().default(null),
});
export type TaskRunPolicy = z.infer<typeof TaskRunPolicySchema>;

/** A task run's upstream links, as Prefect's `task_inputs`: parameter name → the runs it came from. */
export const TaskInputsSchema = z.record(
  z.string(),
  // Kept whole: Prefect's client also sends `name` (parameters) and `type` (constants).
  z.array(
    z
      .object({ input_type: z.enum(['task_run', 'parameter', 'constant']), id: z.string().optional() })
      .loose(),
  ),
);

/** A policy as proposed: Prefect's client sends null for what it leaves at the default. */
export const TaskRunPolicyInputSchema = z.object({
  retries: z.number().int().min(0).max(1000).nullish(),
  retry_delay: RetryDelaySchema.nullish(),
  retry_jitter_factor: z.number().min(0).max(100).nullish(),
});

/** Optional fields take null as well: Prefect's client sends null for what it leaves unset. */
export const TaskRunCreateSchema = z.object({
  id: UuidSchema.nullish(),
  flow_run_id: UuidSchema,
  task_key: KeyTextSchema.min(1).max(500),
  dynamic_key: KeyTextSchema.min(1).max(500),
  name: NameSchema.nullish(),
  tags: TagsSchema.default([]),
  cache_key: KeyTextSchema.min(1).max(2000).nullish(),
  cache_expiration: IsoDateTimeSchema.nullish(),
  empirical_policy: TaskRunPolicyInputSchema.nullish(),
  task_inputs: TaskInputsSchema.nullish(),
  state: StateCreateSchema.nullish(),
});
export type TaskRunCreate = z.infer<typeof TaskRunCreateSchema>;

export const TaskRunSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  flow_run_id: UuidSchema,
  task_key: z.string(),
  dynamic_key: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  cache_key: z.string().nullable(),
  cache_expiration: IsoDateTimeSchema.nullable(),
  empirical_policy: TaskRunPolicySchema,
  task_inputs: TaskInputsSchema,
  state: StateSchema.nullable(),
  state_id: z.string().nullable(),
  state_type: StateTypeSchema.nullable(),
  state_name: z.string().nullable(),
  run_count: z.number().int(),
  flow_run_run_count: z.number().int(),
  expected_start_time: IsoDateTimeSchema.nullable(),
  next_scheduled_start_time: IsoDateTimeSchema.nullable(),
  start_time: IsoDateTimeSchema.nullable(),
  end_time: IsoDateTimeSchema.nullable(),
  total_run_time: z.number(),
});
export type TaskRun = z.infer<typeof TaskRunSchema>;

/** One item of a task-run batch; the flow run is the batch's, so items omit it. */
export const TaskRunBatchItemSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('create'),
    task_run: TaskRunCreateSchema.omit({ flow_run_id: true }).extend({ id: UuidSchema }),
  }),
  z.object({
    op: z.literal('set_state'),
    task_run_id: UuidSchema,
    state: StateCreateSchema,
    force: z.boolean().default(false),
  }),
]);
export type TaskRunBatchItem = z.infer<typeof TaskRunBatchItemSchema>;

export const TaskRunBatchBodySchema = z
  .object({
    items: z.array(TaskRunBatchItemSchema).max(1000),
    /**
     * Custom events the flow emitted since the last batch (`emitEvent`): stored with the batch, in the
     * run object's transaction, and delivered with its index write (docs/events.md).
     */
    events: z.array(EventCreateSchema).max(1000).default([]),
    /** Artifacts the flow created since the last batch, linked to this flow run (docs/artifacts.md). */
    artifacts: z.array(ArtifactCreateSchema).max(100).default([]),
    /** Progress artifacts of this run moved since the last batch, applied after the creates. */
    artifact_progress: z.array(ArtifactProgressSchema).max(1000).default([]),
    /** The flow run's lease, when an agent's process reports: a stale one gets 409. */
    lease_id: z.string().min(1).max(100).optional(),
    /**
     * Answer once the run object has committed, without waiting for the D1 index: filters see these
     * task runs a little later, and at the latest once the flow run's next transition is answered. The
     * SDK sets it on reports it does not wait for (docs/sdk.md, "Reports and where the SDK waits").
     */
    defer_index: z.boolean().default(false),
    /**
     * Answer every item with `state: null` (status and details as usual): for reports nobody waits on,
     * the states only cost bytes both ways. What is recorded for a resent item is the full answer.
     */
    omit_states: z.boolean().default(false),
    /**
     * The flow run's own next state, proposed once the items are applied, in the same request: the SDK
     * sends its last reports with the run's final state (docs/sdk.md, "Reports and where the SDK
     * waits"). Not proposed when an item was aborted: `flow_run_result` is then that ABORT.
     */
    flow_run_state: SetStateBodySchema.pick({ state: true, force: true }).optional(),
  })
  .refine(
    (body) =>
      body.items.length + body.events.length + body.artifacts.length + body.artifact_progress.length > 0,
    { path: ['items'], error: 'a batch holds at least one item, event or artifact' },
  );
export type TaskRunBatchBody = z.infer<typeof TaskRunBatchBodySchema>;

export const TaskRunBatchResultSchema = z.object({
  task_run_id: UuidSchema,
  status: OrchestrationStatusSchema,
  state: StateSchema.nullable(),
  details: OrchestrationDetailsSchema,
});
export type TaskRunBatchResult = z.infer<typeof TaskRunBatchResultSchema>;

export const TaskRunBatchResponseSchema = z.object({
  results: z.array(TaskRunBatchResultSchema),
  /** The answer to `flow_run_state`, when the batch carried one. */
  flow_run_result: OrchestrationResultSchema.optional(),
});

export const TaskRunFilterSchema = z
  .object({
    operator: AndOperatorSchema,
    id: z.object({ any_: z.array(UuidSchema).max(200).optional() }).optional(),
    name: z
      .object({ any_: z.array(z.string()).max(200).optional(), like_: LikeTextSchema.optional() })
      .optional(),
    tags: z.object({ all_: TagsSchema.optional() }).optional(),
    flow_run_id: z.object({ any_: z.array(UuidSchema).max(200).optional() }).optional(),
    state: z
      .object({
        type: z.object({ any_: z.array(StateTypeSchema).optional() }).optional(),
        name: z.object({ any_: z.array(z.string()).max(200).optional() }).optional(),
      })
      .optional(),
  })
  .strict();

export const TaskRunFilterBodySchema = z.object({
  flows: FlowFilterSchema.optional(),
  flow_runs: FlowRunFilterSchema.optional(),
  task_runs: TaskRunFilterSchema.optional(),
  sort: z
    .enum(['ID_DESC', 'EXPECTED_START_TIME_ASC', 'EXPECTED_START_TIME_DESC', 'NAME_ASC', 'END_TIME_DESC'])
    .default('EXPECTED_START_TIME_ASC'),
  limit: LimitSchema.default(200),
  offset: OffsetSchema.default(0),
});
export type TaskRunFilterBody = z.infer<typeof TaskRunFilterBodySchema>;

/** `GET /api/flow_runs/{id}/task_runs`: a page of one run's task runs, read from its object. */
export const TaskRunListQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});
