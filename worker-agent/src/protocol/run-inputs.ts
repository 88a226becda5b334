// Flow run inputs in Prefect's shapes (`/api/flow_runs/{id}/input`): keyed JSON texts a run receives
// while paused or from other runs, and the held read of a run's next state (docs/sdk.md, "Pause").
import { z } from 'zod';
import { IsoDateTimeSchema, KeyTextSchema, MAX_JSON_VALUE_CHARS, UuidSchema } from './common.ts';

/** Prefect's keys: letters, digits, dashes and underscores (pause keys become part of them). */
export const RunInputKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, dashes and underscores');

export const FlowRunInputCreateSchema = z.object({
  key: RunInputKeySchema,
  /** JSON text, as Prefect stores it. */
  value: z
    .string()
    .max(MAX_JSON_VALUE_CHARS)
    .refine((text) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    }, 'must be JSON text'),
  sender: z.string().max(255).nullish(),
});
export type FlowRunInputCreate = z.infer<typeof FlowRunInputCreateSchema>;

export const FlowRunInputSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  flow_run_id: UuidSchema,
  key: z.string(),
  value: z.string(),
  sender: z.string().nullable(),
});
export type FlowRunInput = z.infer<typeof FlowRunInputSchema>;

/** How long one held read waits at most: under every proxy's idle limit. */
export const MAX_HELD_READ_SECONDS = 60;

export const FlowRunInputFilterSchema = z.object({
  prefix: KeyTextSchema.max(255),
  limit: z.number().int().min(1).max(200).default(1),
  exclude_keys: z.array(KeyTextSchema.max(255)).max(1000).default([]),
  /**
   * Edgeflow's addition: only inputs created at or after this instant. A reader that has seen many
   * inputs sends the last one's `created` here and excludes only the keys it saw at that instant,
   * however many it has read (exclude_keys alone stops at 1,000).
   */
  created_after: IsoDateTimeSchema.optional(),
  /** Edgeflow's addition: hold the request until a matching input exists, up to this long. */
  wait_seconds: z.number().min(0).max(MAX_HELD_READ_SECONDS).default(0),
});
export type FlowRunInputFilter = z.input<typeof FlowRunInputFilterSchema>;

/** `GET /flow_runs/{id}/next_state`: the run once its state is no longer `after`, or after `wait_seconds`. */
export const NextStateQuerySchema = z.object({
  after: UuidSchema.optional(),
  wait_seconds: z.coerce.number().min(0).max(MAX_HELD_READ_SECONDS).default(30),
});

/** The input keys of one pause (Prefect's `run_input_keyset`): its schema, and the answer given at resume. */
export function pauseInputKeys(pauseKey: string): { description: string; response: string; schema: string } {
  return {
    description: `paused-${pauseKey}-description`,
    response: `paused-${pauseKey}-response`,
    schema: `paused-${pauseKey}-schema`,
  };
}
