// Wire shapes of Prefect's states and of the orchestration result, shared by the Worker and the SDK.
import { z } from 'zod';
import { isPlainName, JsonValueInputSchema } from './common.ts';

export const STATE_TYPES = [
  'SCHEDULED',
  'PENDING',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'CRASHED',
  'PAUSED',
  'CANCELLING',
] as const;
export const StateTypeSchema = z.enum(STATE_TYPES);
export type StateType = z.infer<typeof StateTypeSchema>;

export const TERMINAL_STATE_TYPES: readonly StateType[] = ['COMPLETED', 'CANCELLED', 'FAILED', 'CRASHED'];
export function isTerminal(type: StateType | null | undefined): boolean {
  return type != null && TERMINAL_STATE_TYPES.includes(type);
}

/** The display name a state gets when the proposer names none (Prefect capitalises the type). */
export function defaultStateName(type: StateType): string {
  return type.charAt(0) + type.slice(1).toLowerCase();
}

const isoDateTime = z.iso.datetime({ offset: true });

export const StateDetailsSchema = z
  .object({
    flow_run_id: z.string().nullish(),
    task_run_id: z.string().nullish(),
    child_flow_run_id: z.string().nullish(),
    scheduled_time: isoDateTime.nullish(),
    cache_key: z.string().nullish(),
    cache_expiration: isoDateTime.nullish(),
    deferred: z.boolean().nullish(),
    untrackable_result: z.boolean().nullish(),
    pause_timeout: isoDateTime.nullish(),
    pause_reschedule: z.boolean().nullish(),
    pause_key: z.string().nullish(),
    run_input_keyset: z.record(z.string(), z.string()).nullish(),
    refresh_cache: z.boolean().nullish(),
    retriable: z.boolean().nullish(),
    transition_id: z.string().nullish(),
    task_parameters_id: z.string().nullish(),
    traceparent: z.string().nullish(),
    deployment_concurrency_lease_id: z.string().nullish(),
  })
  .loose();
export type StateDetails = z.infer<typeof StateDetailsSchema>;

/**
 * A persisted result reference: results above the inline limit live in R2 and the state's `data`
 * holds this pointer instead of the value.
 */
export const ResultRecordSchema = z.object({
  storage_key: z.string(),
  serializer: z.string().default('json'),
  expiration: isoDateTime.nullish(),
});

/** What a client proposes: everything but the type is optional. */
export const StateCreateSchema = z.object({
  type: StateTypeSchema,
  name: z
    .string()
    .min(1)
    .max(100)
    .refine(isPlainName, { error: 'may not contain control characters or half of a surrogate pair' })
    .nullish(),
  message: z.string().max(10_000).nullish(),
  data: JsonValueInputSchema.optional(),
  state_details: StateDetailsSchema.nullish(),
  timestamp: isoDateTime.nullish(),
});
export type StateCreate = z.infer<typeof StateCreateSchema>;

export const StateSchema = z.object({
  id: z.string(),
  type: StateTypeSchema,
  name: z.string(),
  timestamp: isoDateTime,
  message: z.string().nullable(),
  data: z.unknown().nullable(),
  state_details: StateDetailsSchema,
});
export type State = z.infer<typeof StateSchema>;

export const SetStateBodySchema = z.object({
  state: StateCreateSchema,
  force: z.boolean().default(false),
  /** The lease a claim handed out; a proposal with a stale lease gets 409 (docs/agent.md, "Wire shapes"). */
  lease_id: z.string().min(1).max(100).optional(),
});
export type SetStateBody = z.infer<typeof SetStateBodySchema>;

export const ORCHESTRATION_STATUSES = ['ACCEPT', 'REJECT', 'WAIT', 'ABORT'] as const;
export const OrchestrationStatusSchema = z.enum(ORCHESTRATION_STATUSES);
export type OrchestrationStatus = z.infer<typeof OrchestrationStatusSchema>;

export const OrchestrationDetailsSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('accept_details') }),
  z.object({ type: z.literal('reject_details'), reason: z.string().nullable() }),
  z.object({ type: z.literal('wait_details'), delay_seconds: z.number(), reason: z.string().nullable() }),
  z.object({ type: z.literal('abort_details'), reason: z.string().nullable() }),
]);
export type OrchestrationDetails = z.infer<typeof OrchestrationDetailsSchema>;

export const OrchestrationResultSchema = z.object({
  status: OrchestrationStatusSchema,
  state: StateSchema.nullable(),
  details: OrchestrationDetailsSchema,
});
export type OrchestrationResult = z.infer<typeof OrchestrationResultSchema>;
