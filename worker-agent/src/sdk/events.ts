// `emitEvent`: a custom event from inside a flow run, sent with the run's task reports (one request
// per batch, never per event), related to the flow run and task run it came from (docs/events.md).
import { timeOrderedId } from '../protocol/ids.ts';
import { type EventCreate, EventCreateSchema } from '../protocol/index.ts';
import { currentRun } from './context.ts';

export interface EmitEventOptions {
  /** The event's name, such as `shop.order.shipped` (at most 1,024 characters). */
  event: string;
  /** What it is about: `prefect.resource.id` and any labels. */
  resource: Record<string, string>;
  /** Other resources, each with a `prefect.resource.role` (at most 100). */
  related?: Record<string, string>[];
  payload?: Record<string, unknown>;
  /** Defaults to now. */
  occurred?: Date | string;
  /** Defaults to a fresh UUID: an event sent twice is stored once. */
  id?: string;
}

/**
 * Queues the event with the run's next report batch and returns it as sent. An event that breaks a
 * limit throws here, naming the field, rather than failing the batch it would have gone with.
 */
export function emitEvent(options: EmitEventOptions): EventCreate {
  const run = currentRun();
  if (!run?.taskRunner)
    throw new Error('emitEvent() is called inside a flow run (it sends with the run’s reports).');
  const origin = [
    { 'prefect.resource.id': `prefect.flow-run.${run.flowRun.id}`, 'prefect.resource.role': 'flow-run' },
    ...(run.taskRun
      ? [{ 'prefect.resource.id': `prefect.task-run.${run.taskRun.id}`, 'prefect.resource.role': 'task-run' }]
      : []),
  ];
  const occurred = options.occurred ?? new Date();
  const parsed = EventCreateSchema.safeParse({
    id: options.id ?? timeOrderedId(),
    occurred: typeof occurred === 'string' ? occurred : occurred.toISOString(),
    event: options.event,
    resource: options.resource,
    related: [...(options.related ?? []), ...origin],
    payload: options.payload ?? {},
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TypeError(`emitEvent: invalid ${issue.path.join('.') || 'event'}: ${issue.message}`);
  }
  run.taskRunner.emitEvent(parsed.data);
  return parsed.data;
}
