// Events as clients send them, made ready to store: `occurred` in UTC, so that text order is time order.
import type { EventCreateSchema } from 'edgeflow/protocol';
import type { z } from 'zod';

export type ParsedEvent = z.output<typeof EventCreateSchema>;

export function utcEvent(event: ParsedEvent): ParsedEvent {
  return { ...event, occurred: new Date(event.occurred).toISOString() };
}
