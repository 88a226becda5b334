// The event a webhook call emits (docs/deployments.md, "Webhooks"): rendered from the request and
// checked against the event limits before anything is written, so a call whose body cannot make a
// valid event runs nothing (422 naming `body`).
import { EventCreateSchema, type Webhook, type WebhookEvent } from 'edgeflow/protocol';
import type { NewEvent } from '../domain/events';
import {
  webhookEvent,
  webhookEventId,
  webhookEventProblem,
  webhookTemplateContext,
} from '../domain/webhooks/events';
import { ApiError } from './errors';
import { fieldPath } from './router';

/** The webhook's event for this call, or null when it emits none. */
export async function draftWebhookEvent(
  webhook: Webhook,
  body: unknown,
  headers: Headers,
  delivery: string | undefined,
  now: Date,
): Promise<NewEvent | null> {
  if (!webhook.event) return null;
  const context = webhookTemplateContext(body, headers.entries(), webhook);
  const id = await webhookEventId(webhook.id, delivery);
  const event = webhookEvent(webhook.event, context, { id, occurred: now });
  const checked = EventCreateSchema.safeParse(event);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ApiError(
      422,
      'webhook.unusable_event',
      `The event this request makes is invalid at ${fieldPath(issue?.path ?? [])}: ${issue?.message}`,
      'body',
    );
  }
  return event;
}

/** A webhook's written `event` and `deployment_id` checked: templates valid, and it does something. */
export function checkWebhookTargets(target: { deployment_id?: string | null; event?: WebhookEvent | null }) {
  if (!target.deployment_id && !target.event)
    throw new ApiError(
      422,
      'webhook.invalid',
      'Invalid deployment_id: give deployment_id (each call runs it), event (each call emits it), or both.',
      'deployment_id',
    );
  const problem = target.event ? webhookEventProblem(target.event) : null;
  if (problem)
    throw new ApiError(422, 'webhook.invalid', `Invalid ${problem.field}: ${problem.message}`, problem.field);
}
