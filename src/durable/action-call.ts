// What one automation action is given (its firing's key, the triggering event, the clock) and the
// outcomes it answers with, shared by the action modules (docs/automations.md, "Actions").
import { type Action, type ActionOutcome, inferredId, type TemplateContext } from '../domain/automations';

export interface ActionCall {
  action: Action;
  /** `automation/<firing>` and the action's index: the run-deployment idempotency key. */
  key: string;
  context: TemplateContext;
  event: Parameters<typeof inferredId>[0];
  now: Date;
}

export const failed = (reason: string): ActionOutcome => ({ ok: false, details: { reason } });
export const done = (details: Record<string, unknown> = {}): ActionOutcome => ({ ok: true, details });

/** The action's target: the id it selected, or the one in `prefect.<kind>.<id>` on the triggering event. */
export function target(call: ActionCall, kind: string, selected: string | null | undefined): string | null {
  const source = 'source' in call.action ? call.action.source : 'inferred';
  return source === 'selected' ? (selected ?? null) : inferredId(call.event, kind);
}
