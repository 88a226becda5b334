// The event a webhook call emits (docs/deployments.md, "Webhooks"): its templates checked when the
// webhook is written, rendered over the request (body, headers without secrets, the webhook), and
// its id made from the delivery so a redelivery stores it once. Pure.
import type { RelatedResource, WebhookEvent } from 'edgeflow/protocol';
import { renderParameters, renderTemplate, templateProblem } from '../automations';
import type { NewEvent } from '../events';

export interface WebhookRef {
  id: string;
  name: string;
  slug: string;
}

/** What a webhook's templates may read. */
export interface WebhookTemplateContext {
  body: unknown;
  headers: Record<string, string>;
  webhook: WebhookRef;
}

/** Headers that carry secrets are never visible to a template. */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'x-edgeflow-signature', 'proxy-authorization']);

export function webhookTemplateContext(
  body: unknown,
  headers: Iterable<[string, string]>,
  webhook: WebhookRef,
): WebhookTemplateContext {
  const visible: Record<string, string> = {};
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (!SECRET_HEADERS.has(lower)) visible[lower] = value;
  }
  return { body, headers: visible, webhook };
}

function stringsProblem(value: unknown, path: string): { field: string; message: string } | null {
  if (typeof value === 'string') {
    const message = templateProblem(value);
    return message ? { field: path, message } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const problem = stringsProblem(item, `${path}[${i}]`);
      if (problem) return problem;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = stringsProblem(item, `${path}.${key}`);
      if (problem) return problem;
    }
  }
  return null;
}

/** The first template of the event that cannot be rendered, named from the webhook body's root. */
export function webhookEventProblem(event: WebhookEvent): { field: string; message: string } | null {
  return stringsProblem(event, 'event');
}

const render = (template: string, context: WebhookTemplateContext) =>
  template.includes('{{') ? renderTemplate(template, context) : template;

function renderLabels(labels: Record<string, string>, context: WebhookTemplateContext) {
  return Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, render(value, context)]));
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The event for one call, related to the webhook (role `webhook`). The caller checks it against the
 * event limits before storing it.
 */
export function webhookEvent(
  template: WebhookEvent,
  context: WebhookTemplateContext,
  stamp: { id: string; occurred: Date },
): NewEvent {
  const related: RelatedResource[] = template.related.map((labels) => renderLabels(labels, context));
  related.push({
    'prefect.resource.id': `edgeflow.webhook.${context.webhook.id}`,
    'prefect.resource.role': 'webhook',
    'prefect.resource.name': context.webhook.name,
  });
  const payload = template.payload
    ? (renderParameters(template.payload, context) as Record<string, unknown>)
    : isObject(context.body)
      ? context.body
      : context.body === undefined
        ? {}
        : { body: context.body };
  return {
    id: stamp.id,
    occurred: stamp.occurred.toISOString(),
    event: render(template.event, context),
    resource: renderLabels(template.resource, context),
    related,
    payload,
    follows: null,
  };
}

/**
 * The event's id: from the delivery when it has one (its Idempotency-Key or signature), so a
 * redelivery names the same event and D1 keeps it once; else fresh.
 */
export async function webhookEventId(webhookId: string, delivery: string | undefined): Promise<string> {
  if (delivery === undefined) return crypto.randomUUID();
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`webhook event ${webhookId} ${delivery}`)),
  );
  // A version-4-shaped UUID (the id column and the API take UUIDs) from the digest's first 16 bytes.
  digest[6] = (digest[6]! & 0x0f) | 0x40;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = [...digest.slice(0, 16)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The event with the run the call made, once that is known. */
export const withRun = (event: NewEvent, flowRunId: string): NewEvent => ({
  ...event,
  related: [
    ...event.related,
    { 'prefect.resource.id': `prefect.flow-run.${flowRunId}`, 'prefect.resource.role': 'flow-run' },
  ],
});
