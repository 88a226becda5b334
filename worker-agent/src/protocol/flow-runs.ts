// Flow runs: what is created, what is returned, and the filters over the index.
import { z } from 'zod';
import {
  IsoDateTimeSchema,
  JsonObjectInputSchema,
  JsonObjectSchema,
  KeyTextSchema,
  LikeTextSchema,
  LimitSchema,
  NameSchema,
  OffsetSchema,
  TagsSchema,
  UuidSchema,
} from './common.ts';
import { ApiErrorBodySchema } from './errors.ts';
import { FlowFilterSchema } from './flows.ts';
import { StateCreateSchema, StateSchema, StateTypeSchema } from './states.ts';

export const FlowRunPolicySchema = z.object({
  retries: z.number().int().min(0).max(1000).default(0),
  retry_delay: z
    .number()
    .min(0)
    .max(86_400 * 30)
    .default(0),
  pause_keys: z.array(z.string()).default([]),
  resuming: z.boolean().default(false),
  retry_type: z.enum(['in_process', 'reschedule']).nullable().default(null),
});
export type FlowRunPolicy = z.infer<typeof FlowRunPolicySchema>;

/** An entrypoint names the module and its export: `flows/etl.ts:etl`. */
export const EntrypointSchema = z
  .string()
  .regex(/^[^:]+:[A-Za-z_$][\w$]*$/, 'must look like path/to/file.ts:exportName');

/**
 * Prefect's client sends null for every field it leaves unset (`deployment_id: null`), so optional
 * fields take null too; fields only Prefect sends (`flow_version`, `context`) are ignored.
 */
export const FlowRunCreateSchema = z.object({
  flow_id: UuidSchema,
  name: NameSchema.nullish(),
  parameters: JsonObjectInputSchema.default({}),
  tags: TagsSchema.default([]),
  idempotency_key: KeyTextSchema.min(1).max(500).nullish(),
  state: StateCreateSchema.nullish(),
  empirical_policy: z
    .object({
      retries: z.number().int().min(0).max(1000).nullish(),
      retry_delay: z
        .number()
        .min(0)
        .max(86_400 * 30)
        .nullish(),
    })
    .nullish(),
  deployment_id: UuidSchema.nullish(),
  work_pool_name: NameSchema.nullish(),
  work_queue_name: NameSchema.nullish(),
  entrypoint: EntrypointSchema.nullish(),
  parent_task_run_id: UuidSchema.nullish(),
  infrastructure_pid: z.string().max(500).nullish(),
});
export type FlowRunCreate = z.infer<typeof FlowRunCreateSchema>;

export const FlowRunUpdateSchema = z
  .object({
    name: NameSchema.optional(),
    tags: TagsSchema.optional(),
    infrastructure_pid: z.string().max(500).nullable().optional(),
    empirical_policy: z
      .object({
        retries: z.number().int().min(0).max(1000).optional(),
        retry_delay: z
          .number()
          .min(0)
          .max(86_400 * 30)
          .optional(),
      })
      .optional(),
  })
  .strict();
export type FlowRunUpdate = z.infer<typeof FlowRunUpdateSchema>;

export const FlowRunSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  flow_id: UuidSchema,
  name: z.string(),
  parameters: JsonObjectSchema,
  tags: z.array(z.string()),
  idempotency_key: z.string().nullable(),
  state: StateSchema.nullable(),
  state_id: z.string().nullable(),
  state_type: StateTypeSchema.nullable(),
  state_name: z.string().nullable(),
  run_count: z.number().int(),
  expected_start_time: IsoDateTimeSchema.nullable(),
  next_scheduled_start_time: IsoDateTimeSchema.nullable(),
  start_time: IsoDateTimeSchema.nullable(),
  end_time: IsoDateTimeSchema.nullable(),
  total_run_time: z.number(),
  estimated_run_time: z.number(),
  empirical_policy: FlowRunPolicySchema,
  deployment_id: UuidSchema.nullable(),
  work_pool_name: z.string().nullable(),
  work_queue_name: z.string().nullable(),
  entrypoint: z.string().nullable(),
  parent_task_run_id: UuidSchema.nullable(),
  infrastructure_pid: z.string().nullable(),
  auto_scheduled: z.boolean(),
});
export type FlowRun = z.infer<typeof FlowRunSchema>;

const StringAny = z.object({ any_: z.array(z.string()).max(200).optional() });
const TimeRange = z.object({
  before_: IsoDateTimeSchema.optional(),
  after_: IsoDateTimeSchema.optional(),
  is_null_: z.boolean().optional(),
});

export const FlowRunFilterSchema = z
  .object({
    operator: z.enum(['and_', 'or_']).default('and_'),
    id: z
      .object({
        any_: z.array(UuidSchema).max(200).optional(),
        not_any_: z.array(UuidSchema).max(200).optional(),
      })
      .optional(),
    name: z
      .object({ any_: z.array(z.string()).max(200).optional(), like_: LikeTextSchema.optional() })
      .optional(),
    tags: z
      .object({ all_: TagsSchema.optional(), any_: TagsSchema.optional(), is_null_: z.boolean().optional() })
      .optional(),
    deployment_id: z
      .object({ any_: z.array(UuidSchema).max(200).optional(), is_null_: z.boolean().optional() })
      .optional(),
    work_queue_name: StringAny.optional(),
    work_pool_name: StringAny.optional(),
    flow_id: z.object({ any_: z.array(UuidSchema).max(200).optional() }).optional(),
    state: z
      .object({
        type: z
          .object({
            any_: z.array(StateTypeSchema).optional(),
            not_any_: z.array(StateTypeSchema).optional(),
          })
          .optional(),
        name: z
          .object({
            any_: z.array(z.string()).max(200).optional(),
            not_any_: z.array(z.string()).max(200).optional(),
          })
          .optional(),
      })
      .optional(),
    start_time: TimeRange.optional(),
    end_time: TimeRange.optional(),
    expected_start_time: TimeRange.optional(),
    next_scheduled_start_time: TimeRange.optional(),
    parent_task_run_id: z
      .object({ any_: z.array(UuidSchema).max(200).optional(), is_null_: z.boolean().optional() })
      .optional(),
    idempotency_key: StringAny.optional(),
  })
  .strict();
export type FlowRunFilter = z.infer<typeof FlowRunFilterSchema>;

export const FLOW_RUN_SORTS = [
  'ID_DESC',
  'START_TIME_ASC',
  'START_TIME_DESC',
  'EXPECTED_START_TIME_ASC',
  'EXPECTED_START_TIME_DESC',
  'NAME_ASC',
  'NAME_DESC',
  'NEXT_SCHEDULED_START_TIME_ASC',
  'END_TIME_DESC',
] as const;

export const FlowRunFilterBodySchema = z.object({
  flows: FlowFilterSchema.optional(),
  flow_runs: FlowRunFilterSchema.optional(),
  sort: z.enum(FLOW_RUN_SORTS).default('ID_DESC'),
  limit: LimitSchema.default(200),
  offset: OffsetSchema.default(0),
});
export type FlowRunFilterBody = z.infer<typeof FlowRunFilterBodySchema>;

/**
 * `POST /flow_runs/delete`: up to `limit` runs the filters match, each deleted whole with its subflow
 * runs, and only when final (docs/retention.md). At least one filter is required.
 */
export const FlowRunDeleteBodySchema = FlowRunFilterBodySchema.pick({ flows: true, flow_runs: true }).extend({
  limit: LimitSchema.default(100),
});
export type FlowRunDeleteBody = z.infer<typeof FlowRunDeleteBodySchema>;

export const FlowRunDeleteResultSchema = z.object({
  /** Every run deleted: those matched and their subflow runs. */
  deleted: z.array(UuidSchema),
  /** Matched runs kept: `not_final` when the run or one of its subflow runs is not in a final state. */
  skipped: z.array(z.object({ id: UuidSchema, reason: z.enum(['not_final', 'not_found', 'unavailable']) })),
});
export type FlowRunDeleteResult = z.infer<typeof FlowRunDeleteResultSchema>;

export const ResumeBodySchema = z.object({ run_input: JsonObjectInputSchema.optional() });

/** How many flow runs one `POST /flow_runs/bulk` creates at most (docs/dashboard.md, "Bulk flow-run create"). */
export const FLOW_RUN_BULK_MAX = 500;

export const FlowRunBulkCreateSchema = z.object({
  flow_runs: z.array(FlowRunCreateSchema).min(1).max(FLOW_RUN_BULK_MAX),
});
export type FlowRunBulkCreate = z.infer<typeof FlowRunBulkCreateSchema>;

/**
 * One item's outcome, by its index in the request: the run (201 created, 200 already there by its
 * idempotency key), or the error that item alone met; an item is created whole or not at all.
 */
export const FlowRunBulkItemResultSchema = z.union([
  z.object({
    index: z.number().int(),
    status: z.union([z.literal(201), z.literal(200)]),
    flow_run: FlowRunSchema,
  }),
  z.object({
    index: z.number().int(),
    status: z.number().int().min(400).max(599),
    error: ApiErrorBodySchema,
  }),
]);
export type FlowRunBulkItemResult = z.infer<typeof FlowRunBulkItemResultSchema>;

export const FlowRunBulkResultSchema = z.object({ results: z.array(FlowRunBulkItemResultSchema) });
export type FlowRunBulkResult = z.infer<typeof FlowRunBulkResultSchema>;
