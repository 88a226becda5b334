// Logs shipped by agents and the SDK, and the filter that reads them back.
import { z } from 'zod';
import { IsoDateTimeSchema, LimitSchema, NameSchema, OffsetSchema, UuidSchema } from './common.ts';
import { AndOperatorSchema } from './flows.ts';

export const LogCreateSchema = z.object({
  /**
   * The line's own id, made by the client when the line is created, before its first send: a batch
   * sent again (its answer was lost) stores each line once. Optional: Prefect's client sends none, and
   * the server gives such lines one.
   */
  key: UuidSchema.optional(),
  flow_run_id: UuidSchema,
  task_run_id: UuidSchema.nullish(),
  /** Python logging levels, as Prefect uses them: 10 debug, 20 info, 30 warning, 40 error, 50 critical. */
  level: z.number().int().min(0).max(50),
  name: NameSchema,
  message: z.string().max(100_000),
  timestamp: IsoDateTimeSchema,
});
export type LogCreate = z.infer<typeof LogCreateSchema>;

export const LogsCreateBodySchema = z.array(LogCreateSchema).min(1).max(1000);

export const LogSchema = LogCreateSchema.extend({
  /** Order of arrival, for a follower's cursor. */
  id: z.number().int(),
  /** Null only for lines stored before lines had keys. */
  key: UuidSchema.nullable(),
  task_run_id: UuidSchema.nullable(),
});
export type Log = z.infer<typeof LogSchema>;

export const LogFilterBodySchema = z.object({
  logs: z
    .object({
      operator: AndOperatorSchema,
      flow_run_id: z.object({ any_: z.array(UuidSchema).min(1).max(200) }).optional(),
      task_run_id: z.object({ any_: z.array(UuidSchema).min(1).max(200) }).optional(),
      level: z.object({ ge_: z.number().int().optional(), le_: z.number().int().optional() }).optional(),
      timestamp: z
        .object({ before_: IsoDateTimeSchema.optional(), after_: IsoDateTimeSchema.optional() })
        .optional(),
      /** Cursor for followers: only logs with a larger id. */
      id: z.object({ gt_: z.number().int().min(0) }).optional(),
    })
    .strict()
    .optional(),
  sort: z.enum(['TIMESTAMP_ASC', 'TIMESTAMP_DESC']).default('TIMESTAMP_ASC'),
  limit: LimitSchema.default(200),
  offset: OffsetSchema.default(0),
});
export type LogFilterBody = z.infer<typeof LogFilterBodySchema>;

/**
 * A log as Prefect's client reads it: `id` is a UUID (the line's key), and there is no arrival order.
 * Answered to requests that carry `X-PREFECT-API-VERSION` (docs/prefect-compat.md).
 */
export const PrefectLogSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  name: z.string(),
  level: z.number().int(),
  message: z.string(),
  timestamp: IsoDateTimeSchema,
  flow_run_id: UuidSchema.nullable(),
  task_run_id: UuidSchema.nullable(),
});
export type PrefectLog = z.infer<typeof PrefectLogSchema>;
