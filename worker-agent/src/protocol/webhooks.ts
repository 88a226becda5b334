// Webhooks (docs/deployments.md, "Webhooks"): a public URL whose calls run a deployment, emit an event,
// or both; what the CLI and the API exchange to make and change them.
import { z } from 'zod';
import { IsoDateTimeSchema, JsonObjectSchema, NameSchema, UuidSchema } from './common.ts';
/**
 * How a webhook's JSON body becomes run parameters: the whole body into one parameter, or named
 * fields (dotted paths into the body) into parameters. Without a mapping the body's top-level keys
 * are the parameters.
 */
export const ParameterMappingSchema = z.union([
  z.object({ body: z.string().min(1).max(200) }).strict(),
  z.object({ fields: z.record(z.string().min(1).max(200), z.string().min(1).max(500)) }).strict(),
]);
export type ParameterMapping = z.infer<typeof ParameterMappingSchema>;

export const WEBHOOK_AUTH_KINDS = ['token', 'hmac'] as const;

/** Labels of a resource, each value a template over the request (`{{ body.order.id }}`). */
const LabelTemplatesSchema = z.record(z.string().min(1).max(1_024), z.string().max(10_000));

/**
 * The event a webhook call emits, each string a template over the request: `body` (its JSON),
 * `headers` (lowercase names, secrets left out) and `webhook` (`id`, `name`, `slug`). `payload`
 * absent: the body itself (an object) or `{body}` (anything else). The server checks every template
 * (docs/deployments.md, "Webhooks").
 */
export const WebhookEventSchema = z
  .object({
    event: z.string().min(1).max(1_024),
    resource: LabelTemplatesSchema.refine((labels) => labels['prefect.resource.id'] !== undefined, {
      message: 'needs "prefect.resource.id"',
    }),
    /** At most 98: the server adds the webhook and the run it made. */
    related: z
      .array(
        LabelTemplatesSchema.refine(
          (labels) =>
            labels['prefect.resource.id'] !== undefined && labels['prefect.resource.role'] !== undefined,
          { message: 'needs "prefect.resource.id" and "prefect.resource.role"' },
        ),
      )
      .max(98)
      .default([]),
    payload: JsonObjectSchema.nullish(),
  })
  .strict();
export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

export const WebhookCreateSchema = z.object({
  name: NameSchema,
  /** The public path segment, `POST /api/webhooks/{slug}`; generated when absent. */
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{2,99}$/, 'use 3-100 lowercase letters, digits and dashes')
    .optional(),
  /** The deployment each call runs; absent, the webhook only emits its `event`. */
  deployment_id: UuidSchema.nullish(),
  /** `token`: `Authorization: Bearer <secret>`; `hmac`: `X-Edgeflow-Signature: t=<unix>,v1=<hex>` (docs/deployments.md). */
  auth: z.enum(WEBHOOK_AUTH_KINDS).default('token'),
  parameter_mapping: ParameterMappingSchema.nullish(),
  /** The event each call emits, instead of a run (no `deployment_id`) or besides it. */
  event: WebhookEventSchema.nullish(),
  active: z.boolean().default(true),
});
export type WebhookCreate = z.infer<typeof WebhookCreateSchema>;

export const WebhookUpdateSchema = z
  .object({
    name: NameSchema,
    deployment_id: UuidSchema.nullable(),
    parameter_mapping: ParameterMappingSchema.nullable(),
    event: WebhookEventSchema.nullable(),
    active: z.boolean(),
  })
  .partial()
  .strict();
export type WebhookUpdate = z.infer<typeof WebhookUpdateSchema>;

export const WebhookSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  name: z.string(),
  slug: z.string(),
  deployment_id: UuidSchema.nullable(),
  auth: z.enum(WEBHOOK_AUTH_KINDS),
  parameter_mapping: ParameterMappingSchema.nullable(),
  event: WebhookEventSchema.nullable(),
  active: z.boolean(),
});

/** The answer to a call of a webhook that emits an event and runs nothing. */
export const WebhookEventAcceptedSchema = z.object({ event_id: UuidSchema });
export type Webhook = z.infer<typeof WebhookSchema>;

/** The answer to a create: the only time the secret is shown. */
export const WebhookCreatedSchema = WebhookSchema.extend({ secret: z.string() });
export type WebhookCreated = z.infer<typeof WebhookCreatedSchema>;
