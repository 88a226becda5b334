// `edgeflow events`: prints recent events, and with --follow keeps printing new ones as the server
// stores them (its live stream), resuming after the last one seen if the connection drops.
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { EdgeflowClient } from '../../client/index.ts';
import type { Event, EventFilter } from '../../protocol/index.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import type { Command } from '../main.ts';

const USAGE = `Usage: edgeflow events [options]

Prints recent events, oldest first.

Options:
  --event PREFIX            only events whose name starts with PREFIX (repeatable)
  --resource ID             only events about this resource; a trailing * matches a prefix (repeatable)
  --related ID              only events related to this resource (repeatable)
  --since DURATION          how far back: 30s, 15m, 2h, 7d (default 1h)
  --limit N                 at most N recent events (default 50, at most 200)
  --follow, -f              keep printing new events as they happen, until interrupted
  --json                    one event per line as JSON
${CONNECTION_USAGE}`;

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function sinceOf(text: string, now: number): string {
  const match = /^(\d+)([smhd])$/.exec(text);
  if (!match) throw new UsageError(`--since takes a duration such as 30s, 15m, 2h or 7d, not ${text}`);
  return new Date(now - Number(match[1]) * UNITS[match[2]!]!).toISOString();
}

/** `12:00:01.123Z  prefect.flow-run.Running  prefect.flow-run.<id> (name)` */
export function eventLine(event: Event): string {
  const name = event.resource['prefect.resource.name'];
  return `${event.occurred}  ${event.event}  ${event.resource['prefect.resource.id']}${name ? ` (${name})` : ''}`;
}

async function follow(
  client: EdgeflowClient,
  filter: Partial<EventFilter>,
  print: (event: Event) => void,
  signal: AbortSignal,
  recent: () => Promise<void>,
): Promise<void> {
  let afterSeq: number | undefined;
  let first = true;
  while (!signal.aborted) {
    try {
      let ready: () => void = () => undefined;
      const opened = new Promise<void>((resolve) => {
        ready = resolve;
      });
      const stream = client
        .streamEvents(filter, { signal, afterSeq, onReady: () => ready() })
        [Symbol.asyncIterator]();
      const next = stream.next();
      // The stream is open before the recent events are read: nothing falls between the two.
      if (first) {
        await Promise.race([opened, next]);
        await recent();
        console.error('Following new events (Ctrl-C stops)…');
        first = false;
      }
      for (let item = await next; !item.done; item = await stream.next()) {
        afterSeq = item.value.seq;
        print(item.value.event);
      }
    } catch (error) {
      if (signal.aborted) return;
      console.error(`event stream interrupted (${(error as Error).message}); reconnecting`);
    }
    await sleep(1_000, undefined, { signal }).catch(() => undefined);
  }
}

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      event: { type: 'string', multiple: true },
      resource: { type: 'string', multiple: true },
      related: { type: 'string', multiple: true },
      since: { type: 'string', default: '1h' },
      limit: { type: 'string', default: '50' },
      follow: { type: 'boolean', short: 'f' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new UsageError('--limit takes 1 to 200');
  const filter: Partial<EventFilter> = {
    ...(values.event ? { event: { prefix: values.event } } : {}),
    ...(values.resource ? { resource: { id: values.resource } } : {}),
    ...(values.related ? { related: { id: values.related } } : {}),
  };
  const client = connect(values);
  const show = (event: Event) => console.log(values.json ? JSON.stringify(event) : eventLine(event));
  // The recent page may hold what the stream, opened just before it, also sends: printed once.
  const printed = new Set<string>();
  const recent = async () => {
    const since = sinceOf(values.since!, Date.now());
    const page = await client.filterEvents({
      filter: { ...filter, occurred: { since }, order: 'DESC' },
      limit,
    });
    for (const event of page.events.reverse()) {
      printed.add(event.id);
      show(event);
    }
  };
  const print = (event: Event) => {
    if (!printed.has(event.id)) show(event);
  };
  if (!values.follow) {
    await recent();
    return 0;
  }
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    await follow(client, filter, print, stop.signal, recent);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
  return 0;
}

export const eventsCommand: Command = {
  name: 'events',
  summary: 'print recent events, optionally --follow them live',
  usage: USAGE,
  run,
};
