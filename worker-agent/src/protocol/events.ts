// Events in Prefect's shape (docs/events.md): what is written by `POST /api/events`, by the SDK's
// report batches and by the server itself, and the filters that read them back.
import { z } from 'zod';
import { IsoDateTimeSchema, isWellFormedText, UuidSchema } from './common.ts';

/** Prefect's limits: the event name, related resources per event, labels per resource, bytes per event. */
export const EVENT_LIMITS = {
  nameChars: 1_024,
  related: 100,
  labels: 500,
  bytes: 1_500_000,
} as const;

const LabelTextSchema = z
  .string()
  .max(10_000)
  .refine(isWellFormedText, { error: 'may not contain half of a surrogate pair' });

/** String labels, the ones in `required` present and non-empty, at most 500 of them. */
function labelsSchema(required: readonly string[]) {
  return z.record(LabelTextSchema, LabelTextSchema).superRefine((labels, ctx) => {
    for (const key of required)
      if (!labels[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required' });
    const count = Object.keys(labels).length;
    if (count > EVENT_LIMITS.labels)
      ctx.addIssue({ code: 'custom', message: `has ${count} labels; at most ${EVENT_LIMITS.labels}` });
  });
}

/** A resource: string labels, `prefect.resource.id` required. */
export const ResourceSchema = labelsSchema(['prefect.resource.id']);
export type Resource = Record<string, string>;

/** A related resource: a resource that also names its role (`flow`, `deployment`, `tag`, …). */
export const RelatedResourceSchema = labelsSchema(['prefect.resource.id', 'prefect.resource.role']);
export type RelatedResource = Record<string, string>;

const utf8 = new TextEncoder();

export const EventCreateSchema = z
  .object({
    occurred: IsoDateTimeSchema,
    event: LabelTextSchema.min(1).max(EVENT_LIMITS.nameChars),
    resource: ResourceSchema,
    related: z.array(RelatedResourceSchema).max(EVENT_LIMITS.related).default([]),
    payload: z.record(z.string(), z.unknown()).default({}),
    /** Made by the client: an event sent twice is stored once. */
    id: UuidSchema,
    /** The event this one follows (the same resource's previous one), when the sender knows it. */
    follows: UuidSchema.nullish(),
  })
  .superRefine((event, ctx) => {
    const bytes = utf8.encode(JSON.stringify(event)).length;
    if (bytes > EVENT_LIMITS.bytes)
      ctx.addIssue({
        code: 'custom',
        path: ['payload'],
        message: `the event is ${bytes} bytes of JSON; at most ${EVENT_LIMITS.bytes} are allowed`,
      });
  });
export type EventCreate = z.input<typeof EventCreateSchema>;

/** An event as stored: `received` is when the server accepted it. */
export interface Event {
  id: string;
  occurred: string;
  event: string;
  resource: Resource;
  related: RelatedResource[];
  payload: Record<string, unknown>;
  follows?: string | null;
  received: string;
}

export const EventSchema = z.object({
  id: UuidSchema,
  occurred: IsoDateTimeSchema,
  event: z.string(),
  resource: z.record(z.string(), z.string()),
  related: z.array(z.record(z.string(), z.string())),
  payload: z.record(z.string(), z.unknown()),
  follows: UuidSchema.nullish(),
  received: IsoDateTimeSchema,
});

export const EventsCreateBodySchema = z.array(EventCreateSchema).min(1).max(1_000);

const IdListSchema = z.array(LabelTextSchema.min(1)).min(1).max(200);

/**
 * Prefect's EventFilter. Resource and related ids may end in `*` (a prefix: `prefect.flow-run.*`);
 * event names match exactly (`name`) or by `prefix`.
 */
export const EventFilterSchema = z
  .object({
    occurred: z
      .object({ since: IsoDateTimeSchema.optional(), until: IsoDateTimeSchema.optional() })
      .strict()
      .optional(),
    event: z
      .object({
        name: IdListSchema.optional(),
        prefix: IdListSchema.optional(),
        exclude_name: IdListSchema.optional(),
        exclude_prefix: IdListSchema.optional(),
      })
      .strict()
      .optional(),
    resource: z
      .object({ id: IdListSchema.optional(), id_prefix: IdListSchema.optional() })
      .strict()
      .optional(),
    related: z.object({ id: IdListSchema.optional(), role: IdListSchema.optional() }).strict().optional(),
    id: z
      .object({ id: z.array(UuidSchema).min(1).max(200) })
      .strict()
      .optional(),
    order: z.enum(['ASC', 'DESC']).default('DESC'),
  })
  .strict();
export type EventFilter = z.infer<typeof EventFilterSchema>;

export const EventFilterBodySchema = z.object({
  filter: EventFilterSchema.default({ order: 'DESC' }),
  limit: z.number().int().min(1).max(200).default(50),
});
export type EventFilterBody = z.infer<typeof EventFilterBodySchema>;

export const EventPageSchema = z.object({
  events: z.array(EventSchema),
  /** How many events match the filter (across every page). */
  total: z.number().int(),
  /** The next page's URL (`GET`), null on the last page. */
  next_page: z.string().nullable(),
});
export type EventPage = { events: Event[]; total: number; next_page: string | null };

export const EventCountableSchema = z.enum(['day', 'time', 'event']);
export type EventCountable = z.infer<typeof EventCountableSchema>;

export const EventCountBodySchema = z.object({
  filter: EventFilterSchema.default({ order: 'DESC' }),
  time_unit: z.enum(['week', 'day', 'hour', 'minute', 'second']).default('day'),
  time_interval: z.number().min(0.01).default(1),
});
export type EventCountBody = z.infer<typeof EventCountBodySchema>;

export const EventCountSchema = z.object({
  value: z.string(),
  label: z.string(),
  count: z.number().int(),
  start_time: IsoDateTimeSchema,
  end_time: IsoDateTimeSchema,
});
export type EventCount = z.infer<typeof EventCountSchema>;
