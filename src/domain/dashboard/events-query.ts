// The Events page's query: what its URL asks for (an event name prefix, a resource id, a time range),
// read leniently (a bad value is dropped, never an error page), the event filter it means, and
// whether the live stream still has anything to add (a range that has ended does not).
import type { EventFilter } from 'edgeflow/protocol';
import type { PageCursor } from '../events';
import type { QueryParams } from './runs-query';

export const EVENTS_PAGE_SIZE = 50;

/** How far back the page looks by `occurred`, unless a custom `from` is given. */
export const EVENT_RANGES = {
  hour: { label: 'Past hour', ms: 3_600_000 },
  day: { label: 'Past day', ms: 86_400_000 },
  week: { label: 'Past 7 days', ms: 7 * 86_400_000 },
  all: { label: 'All kept', ms: null },
} as const satisfies Record<string, { label: string; ms: number | null }>;
export type EventRange = keyof typeof EVENT_RANGES;
export const DEFAULT_EVENT_RANGE: EventRange = 'day';

export interface EventsQuery {
  /** Event names starting with this (`prefect.flow-run.`). */
  prefix: string | null;
  /** A resource id, exact, or a prefix when it ends in `*` (as the API reads it). */
  resource: string | null;
  range: EventRange;
  /** A custom range, ISO times (UTC); `from` replaces the range's start. */
  from: string | null;
  to: string | null;
  /** One event by its id (a firing's triggering event), whatever its time. */
  id: string | null;
  /** Older pages: the events after this (occurred, seq), newest first; null for the newest. */
  before: PageCursor | null;
}

/** The API's limit on a name or an id (docs/events.md). */
const MAX_TEXT = 1_024;

function single(params: QueryParams, name: string): string | null {
  const value = params[name]?.[0]?.trim();
  return value && value.length <= MAX_TEXT ? value : null;
}

/** An ISO time, or a `datetime-local` value (`2026-12-07T07:30`) read as UTC; null when neither. */
export function readTime(text: string | null): string | null {
  if (!text || text.length > 40) return null;
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text);
  const date = new Date(local ? `${text}Z` : text);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `<occurred>_<seq>`, as `cursorText` writes it. */
function readCursor(text: string | null): PageCursor | null {
  const match = text ? /^(.{1,40})_(\d{1,15})$/.exec(text) : null;
  const occurred = match ? readTime(match[1]!) : null;
  return match && occurred ? { occurred, seq: Number(match[2]) } : null;
}

const cursorText = (cursor: PageCursor) => `${cursor.occurred}_${cursor.seq}`;

export function readEventsQuery(params: QueryParams): EventsQuery {
  const range = single(params, 'range');
  const id = single(params, 'id');
  return {
    prefix: single(params, 'prefix'),
    resource: single(params, 'resource'),
    range: range && range in EVENT_RANGES ? (range as EventRange) : DEFAULT_EVENT_RANGE,
    from: readTime(single(params, 'from')),
    to: readTime(single(params, 'to')),
    id: id && UUID.test(id) ? id.toLowerCase() : null,
    before: readCursor(single(params, 'before')),
  };
}

/** The event filter a query means at `now`, newest first. */
export function eventsFilter(query: EventsQuery, now: Date): EventFilter {
  const filter: EventFilter = { order: 'DESC' };
  const span = EVENT_RANGES[query.range].ms;
  const since = query.from ?? (span === null ? null : new Date(now.getTime() - span).toISOString());
  if (since || query.to) {
    filter.occurred = {};
    if (since) filter.occurred.since = since;
    if (query.to) filter.occurred.until = query.to;
  }
  if (query.prefix) filter.event = { prefix: [query.prefix] };
  if (query.resource) filter.resource = { id: [query.resource] };
  if (query.id) return { order: 'DESC', id: { id: [query.id] } };
  return filter;
}

/**
 * The filter the page's live stream follows, or null when the range has ended (nothing new can
 * match). Without `since`: the stream starts at the newest event anyway, and a relative range must
 * not stop matching events while the page stays open.
 */
export function streamFilter(query: EventsQuery, now: Date): EventFilter | null {
  // An older page, or one event by id, has nothing new to follow.
  if (query.before || query.id) return null;
  if (query.to && new Date(query.to).getTime() <= now.getTime()) return null;
  const { occurred, ...rest } = eventsFilter(query, now);
  return occurred?.until ? { ...rest, occurred: { until: occurred.until } } : rest;
}

/** The query as URL parameters (defaults left out): for the live region's URL and links. */
export function eventsQueryString(query: EventsQuery, changes: Partial<EventsQuery> = {}): string {
  const next = { ...query, ...changes };
  const params = new URLSearchParams();
  if (next.prefix) params.set('prefix', next.prefix);
  if (next.resource) params.set('resource', next.resource);
  if (next.range !== DEFAULT_EVENT_RANGE) params.set('range', next.range);
  if (next.from) params.set('from', next.from);
  if (next.to) params.set('to', next.to);
  if (next.id) params.set('id', next.id);
  if (next.before) params.set('before', cursorText(next.before));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * Where the dashboard shows a resource an event names, or null: runs, deployments, automations,
 * block documents and work pools have pages; other resources (tags, flows' own ids) do not.
 */
export function resourcePage(resourceId: string): string | null {
  const pages: [string, (rest: string) => string][] = [
    ['prefect.flow-run.', (id) => `/runs/${id}`],
    ['prefect.deployment.', (id) => `/deployments/${id}`],
    ['prefect.automation.', (id) => `/automations/${id}`],
    ['prefect.block-document.', (id) => `/blocks/${id}`],
    ['prefect.work-pool.', () => '/work-pools'],
  ];
  for (const [prefix, path] of pages) {
    const rest = resourceId.slice(prefix.length);
    if (resourceId.startsWith(prefix) && /^[\w.-]+$/.test(rest)) return path(encodeURIComponent(rest));
  }
  return null;
}
