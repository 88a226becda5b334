// Reading the server's live event stream (`GET /api/events/stream`, Server-Sent Events): each event
// with its seq, so a follower that reconnects resumes after the last one it saw (docs/events.md).
import { type Event, type EventFilter, EventSchema } from '../protocol/index.ts';
import type { HttpTransport } from './http.ts';

export interface StreamedEvent {
  seq: number;
  event: Event;
}

/** SSE frames from a byte stream: each frame's `id`, `event` and joined `data` lines. */
async function* frames(body: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields: Record<string, string> = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        fields[name] = name === 'data' && fields.data !== undefined ? `${fields.data}\n${value}` : value;
      }
      yield fields;
    }
  }
}

/**
 * New events matching `filter`, as the server commits them, until `signal` aborts or the stream ends;
 * `afterSeq` resumes after an event already seen.
 */
export async function* streamEvents(
  http: HttpTransport,
  filter: Partial<EventFilter>,
  options: { signal?: AbortSignal; afterSeq?: number; onReady?: () => void } = {},
): AsyncGenerator<StreamedEvent> {
  const query = `?filter=${encodeURIComponent(JSON.stringify(filter))}`;
  const headers: Record<string, string> =
    options.afterSeq === undefined ? {} : { 'last-event-id': String(options.afterSeq) };
  const response = await http.openStream(`/api/events/stream${query}`, headers, options.signal);
  try {
    for await (const frame of frames(response.body!)) {
      if (frame.event === 'ready') options.onReady?.();
      if (frame.event !== 'event' || frame.data === undefined) continue;
      yield { seq: Number(frame.id), event: EventSchema.parse(JSON.parse(frame.data)) as Event };
    }
  } finally {
    await response.body?.cancel().catch(() => undefined);
  }
}
