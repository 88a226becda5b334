// Prefect's trigger shapes (docs/automations.md): `event` triggers, and `compound` and `sequence`
// triggers made of other triggers, so Prefect's trigger JSON reads here unchanged.
import { UuidSchema } from 'edgeflow/protocol';
import { z } from 'zod';

/** Label values as Prefect writes them: one value or a list; `*` ends a prefix, `!` negates. */
const LabelValuesSchema = z.union([z.string().max(1_024), z.array(z.string().max(1_024)).max(100)]);
export const ResourceSpecificationSchema = z.record(z.string().max(1_024), LabelValuesSchema);
export type ResourceSpecification = z.infer<typeof ResourceSpecificationSchema>;

const EventNamesSchema = z.array(z.string().min(1).max(1_024)).max(100).default([]);
/** Seconds, as Prefect's timedeltas are written in JSON; at most a month. */
const SecondsSchema = z
  .number()
  .min(0)
  .max(31 * 86_400);

export const EventTriggerSchema = z
  .object({
    type: z.literal('event'),
    id: UuidSchema.optional(),
    match: ResourceSpecificationSchema.default({}),
    match_related: z
      .union([ResourceSpecificationSchema, z.array(ResourceSpecificationSchema).max(100)])
      .default({}),
    after: EventNamesSchema,
    expect: EventNamesSchema,
    for_each: z.array(z.string().min(1).max(1_024)).max(20).default([]),
    posture: z.enum(['Reactive', 'Proactive']),
    threshold: z.number().int().min(1).max(1_000_000).default(1),
    /** Seconds (Prefect's timedelta as a number); by default 0 for Reactive and 10 for Proactive. */
    within: SecondsSchema.optional(),
  })
  .superRefine((trigger, ctx) => {
    if (trigger.posture === 'Proactive' && trigger.within !== undefined && trigger.within < 10)
      ctx.addIssue({
        code: 'custom',
        path: ['within'],
        message: 'a Proactive trigger needs a window of at least 10 seconds',
      });
  });
export type EventTrigger = z.output<typeof EventTriggerSchema>;

/** A compound or sequence trigger: its children, and how close in time their firings must be (null: any). */
interface CompositeFields {
  id?: string;
  triggers: Trigger[];
  within: number | null;
}
export interface CompoundTrigger extends CompositeFields {
  type: 'compound';
  require: number | 'any' | 'all';
}
export interface SequenceTrigger extends CompositeFields {
  type: 'sequence';
}
export type CompositeTrigger = CompoundTrigger | SequenceTrigger;
export type Trigger = EventTrigger | CompositeTrigger;

/** How deep composite triggers may nest: deeper is refused before it is walked (a 1 MB body could nest 100,000). */
const MAX_NESTING = 5;

function nestingDeeperThan(value: unknown, limit: number): boolean {
  if (limit < 0) return true;
  const children = (value as { triggers?: unknown } | null)?.triggers;
  return Array.isArray(children) && children.some((child) => nestingDeeperThan(child, limit - 1));
}

/**
 * The children are parsed one by one with the whole trigger schema, their issues placed under their
 * index; the OpenAPI document sees them as objects (a recursive schema would not render there).
 */
const ChildTriggersSchema = z
  .array(z.record(z.string(), z.unknown()))
  .min(1)
  .max(20)
  .transform((children, ctx) => {
    if (children.some((child) => nestingDeeperThan(child, MAX_NESTING - 1))) {
      ctx.addIssue({ code: 'custom', message: `triggers may nest at most ${MAX_NESTING} levels deep` });
      return z.NEVER;
    }
    const parsed: Trigger[] = [];
    for (const [index, child] of children.entries()) {
      const result = TriggerSchema.safeParse(child);
      if (!result.success) {
        for (const issue of result.error.issues)
          ctx.addIssue({ code: 'custom', message: issue.message, path: [index, ...issue.path] });
        return z.NEVER;
      }
      parsed.push(result.data);
    }
    return parsed;
  });

const compositeFields = {
  id: UuidSchema.optional(),
  triggers: ChildTriggersSchema,
  /** Required, as in Prefect; null means the child firings may be any time apart. */
  within: SecondsSchema.nullable(),
};

export const CompoundTriggerSchema = z
  .object({
    type: z.literal('compound'),
    ...compositeFields,
    require: z.union([z.number().int().min(1).max(20), z.enum(['any', 'all'])]),
  })
  .superRefine((trigger, ctx) => {
    if (typeof trigger.require === 'number' && trigger.require > trigger.triggers.length)
      ctx.addIssue({
        code: 'custom',
        path: ['require'],
        message: 'must be at most the number of triggers',
      });
  });

export const SequenceTriggerSchema = z.object({ type: z.literal('sequence'), ...compositeFields });

export const TriggerSchema: z.ZodType<Trigger> = z.discriminatedUnion(
  'type',
  [EventTriggerSchema, CompoundTriggerSchema, SequenceTriggerSchema],
  { error: () => 'must be "event", "compound" or "sequence"' },
);

/** The event trigger's window in milliseconds, with Prefect's defaults. */
export function windowMs(trigger: EventTrigger): number {
  return (trigger.within ?? (trigger.posture === 'Proactive' ? 10 : 0)) * 1_000;
}

/** How many child firings a composite needs: all of a sequence's, and `require` of a compound's. */
export function requiredFirings(trigger: CompositeTrigger): number {
  if (trigger.type === 'sequence' || trigger.require === 'all') return trigger.triggers.length;
  return trigger.require === 'any' ? 1 : trigger.require;
}
