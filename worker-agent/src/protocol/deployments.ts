// Deployments and their schedules: what the CLI, the SDK's serve() and the API exchange (webhooks:
// webhooks.ts).
import { z } from 'zod';
import {
  IsoDateTimeSchema,
  JsonObjectInputSchema,
  JsonObjectSchema,
  jsonValueWithinLimit,
  KeyTextSchema,
  LikeTextSchema,
  LimitSchema,
  NameSchema,
  OffsetSchema,
  TagsSchema,
  UuidSchema,
} from './common.ts';
import { EntrypointSchema, FlowRunPolicySchema } from './flow-runs.ts';
import { FlowFilterSchema } from './flows.ts';

const TimezoneSchema = z.string().min(1).max(100);

/** Up to a hundred years: a whole number of days (docs/retention.md). */
export const RetentionDaysSchema = z.number().int().min(1).max(36_500);

/** Prefect's CronSchedule: `day_or` false ANDs day-of-month with day-of-week ("the 2nd Friday"). */
export const CronScheduleSchema = z
  .object({
    cron: z.string().min(1).max(200),
    timezone: TimezoneSchema.default('UTC'),
    day_or: z.boolean().default(true),
  })
  .strict();

/** Prefect's IntervalSchedule: `interval` in seconds from `anchor_date` (default: when it was written). */
/** Python's `timedelta.max` in seconds: Prefect can't hold a longer interval, and past it a date overflows. */
const LONGEST_INTERVAL_SECONDS = 999_999_999 * 86_400;

export const IntervalScheduleSchema = z
  .object({
    interval: z.number().positive().max(LONGEST_INTERVAL_SECONDS),
    anchor_date: IsoDateTimeSchema.optional(),
    timezone: TimezoneSchema.default('UTC'),
  })
  .strict();

/** Prefect's RRuleSchedule; a DTSTART is added when written if the rule has none. */
export const RRuleScheduleSchema = z
  .object({
    rrule: z.string().min(1).max(2000),
    timezone: TimezoneSchema.optional(),
  })
  .strict();

export const ScheduleSchema = z.union([CronScheduleSchema, IntervalScheduleSchema, RRuleScheduleSchema]);
export type Schedule = z.infer<typeof ScheduleSchema>;

export const CATCHUP_POLICIES = ['all', 'latest', 'none'] as const;
export const CatchupSchema = z.enum(CATCHUP_POLICIES);
export type Catchup = z.infer<typeof CatchupSchema>;

export const DeploymentScheduleCreateSchema = z.object({
  schedule: ScheduleSchema,
  active: z.boolean().default(true),
  /** Overrides of the deployment's parameters for this schedule's runs. */
  parameters: JsonObjectInputSchema.default({}),
  /** What happens to this schedule's runs that went Late while no agent took them. */
  catchup: CatchupSchema.default('all'),
  /** At most this many of this schedule's runs are active (PENDING, RUNNING, CANCELLING, or due) at once. */
  max_active_runs: z.number().int().min(1).max(1000).nullish(),
});
export type DeploymentScheduleCreate = z.infer<typeof DeploymentScheduleCreateSchema>;

export const DeploymentScheduleUpdateSchema = DeploymentScheduleCreateSchema.partial().strict();
export type DeploymentScheduleUpdate = z.infer<typeof DeploymentScheduleUpdateSchema>;

export const DeploymentScheduleSchema = z.object({
  id: UuidSchema,
  deployment_id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  schedule: ScheduleSchema,
  active: z.boolean(),
  parameters: JsonObjectSchema,
  catchup: CatchupSchema,
  max_active_runs: z.number().int().nullable(),
});
export type DeploymentSchedule = z.infer<typeof DeploymentScheduleSchema>;

export const COLLISION_STRATEGIES = ['ENQUEUE', 'CANCEL_NEW'] as const;
export const ConcurrencyOptionsSchema = z.object({
  collision_strategy: z.enum(COLLISION_STRATEGIES).default('ENQUEUE'),
  /** How long a slot is trusted without news from its run before the limit asks the run about it. */
  grace_period_seconds: z.number().int().min(60).max(86_400).default(300),
});
export type ConcurrencyOptions = z.infer<typeof ConcurrencyOptionsSchema>;

/**
 * A deployment trigger, as Prefect's `DeploymentEventTrigger`: an automation's trigger fields (`type`
 * "event" and `posture` "Reactive" by default, `match`, `expect`, `within`, …) beside the automation's
 * `name`, `description`, `enabled` and the run's `parameters` and `job_variables`. The server checks
 * the trigger itself (a 422 naming the field) and keeps the object as written, so a client compares it
 * with what it declares (docs/deployments.md, "Triggers").
 */
export const DeploymentTriggerSchema = z.looseObject({
  type: z.string().max(100).optional(),
  name: z.string().min(1).max(256).nullish(),
  description: z.string().max(10_000).optional(),
  enabled: z.boolean().optional(),
  parameters: JsonObjectSchema.nullish(),
  job_variables: JsonObjectSchema.nullish(),
});
export type DeploymentTrigger = z.infer<typeof DeploymentTriggerSchema>;

const deploymentFields = {
  entrypoint: EntrypointSchema.nullish(),
  work_pool_name: NameSchema.nullish(),
  work_queue_name: NameSchema.nullish(),
  /** Defaults for every run; a run's own parameters are merged over them. */
  parameters: JsonObjectInputSchema,
  /** JSON Schema of the parameters, checked on every run created when `enforce_parameter_schema`. */
  parameter_openapi_schema: JsonObjectInputSchema.nullish(),
  enforce_parameter_schema: z.boolean(),
  tags: TagsSchema,
  description: z.string().max(5000).nullish(),
  version: z.string().max(200).nullish(),
  paused: z.boolean(),
  schedules: z.array(DeploymentScheduleCreateSchema).max(100),
  concurrency_limit: z.number().int().min(0).max(100_000).nullish(),
  concurrency_options: ConcurrencyOptionsSchema.nullish(),
  /** Each becomes an automation that runs this deployment; given, they replace the ones before. */
  /** At most as much JSON in all as one free-form value, so the deployment's row stays small. */
  triggers: z.array(DeploymentTriggerSchema).max(50).superRefine(jsonValueWithinLimit),
  /** Days this deployment's finished runs are kept, with their logs, artifacts and results; null: the server's setting. */
  retention_days: RetentionDaysSchema.nullish(),
};

export const DeploymentCreateSchema = z
  .object({
    name: NameSchema,
    flow_id: UuidSchema.optional(),
    /** Instead of `flow_id`: the flow is created when it does not exist yet. */
    flow_name: NameSchema.optional(),
    ...deploymentFields,
    parameters: deploymentFields.parameters.default({}),
    enforce_parameter_schema: deploymentFields.enforce_parameter_schema.default(true),
    tags: deploymentFields.tags.default([]),
    paused: deploymentFields.paused.default(false),
    schedules: deploymentFields.schedules.default([]),
    triggers: deploymentFields.triggers.default([]),
  })
  .refine((body) => body.flow_id !== undefined || body.flow_name !== undefined, {
    message: 'give flow_id or flow_name',
    path: ['flow_id'],
  });
export type DeploymentCreate = z.infer<typeof DeploymentCreateSchema>;

/** Every field optional; `schedules`, when given, replaces all of the deployment's schedules. */
export const DeploymentUpdateSchema = z.object(deploymentFields).partial().strict();
export type DeploymentUpdate = z.infer<typeof DeploymentUpdateSchema>;

export const DeploymentSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  name: z.string(),
  flow_id: UuidSchema,
  entrypoint: z.string().nullable(),
  work_pool_name: z.string().nullable(),
  work_queue_name: z.string().nullable(),
  parameters: JsonObjectSchema,
  parameter_openapi_schema: JsonObjectSchema.nullable(),
  enforce_parameter_schema: z.boolean(),
  tags: z.array(z.string()),
  description: z.string().nullable(),
  version: z.string().nullable(),
  paused: z.boolean(),
  schedules: z.array(DeploymentScheduleSchema),
  concurrency_limit: z.number().int().nullable(),
  concurrency_options: ConcurrencyOptionsSchema.nullable(),
  triggers: z.array(JsonObjectSchema),
  retention_days: z.number().int().nullish(),
});
export type Deployment = z.infer<typeof DeploymentSchema>;

/** Up to 100 deployments in one request: how large sets of deployments and schedules are registered. */
export const DeploymentBulkCreateSchema = z.object({
  deployments: z.array(DeploymentCreateSchema).min(1).max(100),
});
export type DeploymentBulkCreate = z.infer<typeof DeploymentBulkCreateSchema>;

export const DeploymentBulkResultSchema = z.object({
  results: z.array(z.object({ id: UuidSchema, name: z.string(), created: z.boolean() })),
});

export const DeploymentFilterSchema = z
  .object({
    id: z.object({ any_: z.array(UuidSchema).max(200).optional() }).optional(),
    name: z
      .object({ any_: z.array(z.string()).max(200).optional(), like_: LikeTextSchema.optional() })
      .optional(),
    tags: z.object({ all_: TagsSchema.optional() }).optional(),
    paused: z.object({ eq_: z.boolean() }).optional(),
    work_pool_name: z.object({ any_: z.array(z.string()).max(200).optional() }).optional(),
    flow_id: z.object({ any_: z.array(UuidSchema).max(200).optional() }).optional(),
  })
  .strict();
export type DeploymentFilter = z.infer<typeof DeploymentFilterSchema>;

export const DeploymentFilterBodySchema = z.object({
  flows: FlowFilterSchema.optional(),
  deployments: DeploymentFilterSchema.optional(),
  sort: z.enum(['NAME_ASC', 'NAME_DESC', 'CREATED_DESC', 'UPDATED_DESC']).default('NAME_ASC'),
  limit: LimitSchema.default(200),
  offset: OffsetSchema.default(0),
});
export type DeploymentFilterBody = z.infer<typeof DeploymentFilterBodySchema>;

/** `POST /deployments/{id}/create_flow_run`: the deployment's parameters are merged under these. */
export const DeploymentFlowRunCreateSchema = z.object({
  parameters: JsonObjectInputSchema.default({}),
  name: NameSchema.optional(),
  tags: TagsSchema.default([]),
  idempotency_key: KeyTextSchema.min(1).max(500).optional(),
  /** When the run is due; default now. */
  scheduled_time: IsoDateTimeSchema.optional(),
  work_queue_name: NameSchema.optional(),
  empirical_policy: FlowRunPolicySchema.pick({ retries: true, retry_delay: true }).partial().optional(),
  /** A subflow run (`runDeployment(..., { asSubflow: true })`): the task run that stands for it in its parent. */
  parent_task_run_id: UuidSchema.optional(),
});
export type DeploymentFlowRunCreate = z.infer<typeof DeploymentFlowRunCreateSchema>;
