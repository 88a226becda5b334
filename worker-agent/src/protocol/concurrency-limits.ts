// Named concurrency and rate limits and their leases, in the shape of Prefect's
// /api/v2/concurrency_limits, and task tag limits in the shape of /api/concurrency_limits/tag
// (docs/concurrency.md).
import { z } from 'zod';
import { IsoDateTimeSchema, LimitSchema, NameSchema, OffsetSchema, UuidSchema } from './common.ts';

/** Limit names travel in URL paths, so they may not hold `/` or `%` (as in Prefect). */
export const LimitNameSchema = NameSchema.regex(/^[^/%]+$/, 'may not contain "/" or "%"');

const SlotLimitSchema = z.number().int().min(0).max(1_000_000);
const DecaySchema = z.number().min(0).max(1_000_000);

export const ConcurrencyLimitCreateSchema = z.object({
  name: LimitNameSchema,
  limit: SlotLimitSchema,
  active: z.boolean().default(true),
  /** 0: a concurrency limit; above 0: a rate limit whose slots free themselves at this rate. */
  slot_decay_per_second: DecaySchema.default(0),
  /** Occupied slots to start with (Prefect's `active_slots` on create); 0 unless restoring. */
  active_slots: z.number().int().min(0).max(1_000_000).default(0),
  denied_slots: z.number().int().min(0).max(1_000_000).default(0),
});
export type ConcurrencyLimitCreate = z.infer<typeof ConcurrencyLimitCreateSchema>;

export const ConcurrencyLimitUpdateSchema = z
  .object({
    name: LimitNameSchema.optional(),
    limit: SlotLimitSchema.optional(),
    active: z.boolean().optional(),
    slot_decay_per_second: DecaySchema.optional(),
    active_slots: z.number().int().min(0).max(1_000_000).optional(),
    denied_slots: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();
export type ConcurrencyLimitUpdate = z.infer<typeof ConcurrencyLimitUpdateSchema>;

export const ConcurrencyLimitSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  name: z.string(),
  limit: z.number().int(),
  active: z.boolean(),
  /** Computed when read, with decay applied up to that instant. */
  active_slots: z.number().int(),
  denied_slots: z.number().int(),
  slot_decay_per_second: z.number(),
  avg_slot_occupancy_seconds: z.number(),
});
export type ConcurrencyLimit = z.infer<typeof ConcurrencyLimitSchema>;

export const ConcurrencyLimitFilterBodySchema = z
  .object({ offset: OffsetSchema.default(0), limit: LimitSchema.default(200) })
  .default({ offset: 0, limit: 200 });
export type ConcurrencyLimitFilterBody = z.infer<typeof ConcurrencyLimitFilterBodySchema>;

/** Who holds a lease; a run named here gets a log line if its lease lapses. */
export const LeaseHolderSchema = z.object({
  type: z.enum(['flow_run', 'task_run', 'deployment', 'process']),
  id: z.string().min(1).max(200),
  /** For a task run holder: its flow run, which the log line goes to. */
  flow_run_id: UuidSchema.optional(),
});
export type LeaseHolder = z.infer<typeof LeaseHolderSchema>;

/** The longest a request may be held waiting for slots; a client wanting longer asks again. */
export const MAX_WAIT_SECONDS = 60;
export const MAX_LEASE_SECONDS = 24 * 3600;

export const AcquireSlotsSchema = z.object({
  names: z.array(LimitNameSchema).min(1).max(50),
  slots: z.number().int().min(1).max(1_000_000),
  mode: z.enum(['concurrency', 'rate_limit']).default('concurrency'),
  /** Seconds the slots are held without a renewal; Prefect's default is 300. */
  lease_duration: z.number().min(1).max(MAX_LEASE_SECONDS).default(300),
  holder: LeaseHolderSchema.nullish(),
  /** Hold the request up to this long for slots, answered the moment they free (Edgeflow's addition). */
  wait_seconds: z.number().min(0).max(MAX_WAIT_SECONDS).default(0),
});
export type AcquireSlots = z.infer<typeof AcquireSlotsSchema>;

/** Prefect 2.15's `POST /v2/concurrency_limits/increment`: slots without a lease, never held waiting. */
export const IncrementSlotsSchema = z.object({
  names: z.array(LimitNameSchema).min(1).max(50),
  slots: z.number().int().min(1).max(1_000_000),
  mode: z.enum(['concurrency', 'rate_limit']).default('concurrency'),
});

/** Prefect 2.15's `POST /v2/concurrency_limits/decrement`: gives back slots an increment took. */
export const DecrementSlotsSchema = z.object({
  names: z.array(LimitNameSchema).min(1).max(50),
  slots: z.number().int().min(1).max(1_000_000),
  /** How long the slots were held; the server counts it from the increment itself. */
  occupancy_seconds: z.number().positive().nullish(),
});

export const MinimalConcurrencyLimitSchema = z.object({
  id: UuidSchema,
  name: z.string(),
  limit: z.number().int(),
});

export const LeaseGrantSchema = z.object({
  lease_id: UuidSchema,
  limits: z.array(MinimalConcurrencyLimitSchema),
});
export type LeaseGrant = z.infer<typeof LeaseGrantSchema>;

export const RenewLeaseSchema = z
  .object({ lease_duration: z.number().min(1).max(MAX_LEASE_SECONDS).default(300) })
  .default({ lease_duration: 300 });

export const ReleaseLeaseSchema = z.object({ lease_id: UuidSchema });

/** A limit's holders and waiters, for `edgeflow limit inspect` and the dashboard. */
export const LimitHoldersSchema = z.object({
  leases: z.array(
    z.object({
      lease_id: z.string(),
      slots: z.number().int(),
      acquired: IsoDateTimeSchema,
      expires: IsoDateTimeSchema,
      holder: LeaseHolderSchema.nullable(),
    }),
  ),
  waiters: z.array(z.object({ slots: z.number().int(), since: IsoDateTimeSchema })),
});
export type LimitHolders = z.infer<typeof LimitHoldersSchema>;

/** Task tag limits in Prefect's V1 shape; each is the named limit `tag:<tag>` underneath. */
export const TagConcurrencyLimitCreateSchema = z.object({
  tag: LimitNameSchema,
  concurrency_limit: SlotLimitSchema,
});

export const TagConcurrencyLimitSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  tag: z.string(),
  concurrency_limit: z.number().int(),
  /** The task runs holding a slot. */
  active_slots: z.array(z.string()),
});
export type TagConcurrencyLimit = z.infer<typeof TagConcurrencyLimitSchema>;
