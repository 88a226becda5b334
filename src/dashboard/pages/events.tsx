// The Events page: a live feed of the events that match its filters (name prefix, resource id, time
// range), newest first, each expandable to its resource, related resources and payload. The feed is
// one live region; the page's script follows the API's event stream (SSE) and re-renders the region
// when a matching event arrives (docs/dashboard.md, "Events").
import type { Event } from 'edgeflow/protocol';
import { filterEvents } from '../../db/event-queries';
import {
  EVENT_RANGES,
  EVENTS_PAGE_SIZE,
  type EventRange,
  type EventsQuery,
  eventsFilter,
  eventsQueryString,
  readEventsQuery,
  resourcePage,
  streamFilter,
} from '../../domain/dashboard';
import type { PageCursor } from '../../domain/events';
import { Empty, Live, Time } from '../components';
import { formatCount, formatJson } from '../format';
import { liveHtml } from '../live';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';

async function loadEvents(c: DashboardContext, query: EventsQuery, now: Date) {
  return filterEvents(c.env.DB, eventsFilter(query, now), EVENTS_PAGE_SIZE, query.before);
}

/** A resource id, linked to its page when the dashboard has one, with a link filtering by it. */
function ResourceId(props: { id: string; query: EventsQuery }) {
  const href = resourcePage(props.id);
  return (
    <>
      {href ? <a href={href}>{props.id}</a> : <code>{props.id}</code>}{' '}
      <a
        class="filter-link"
        href={`/events${eventsQueryString(props.query, { resource: props.id, id: null, before: null })}`}
      >
        (its events)
      </a>
    </>
  );
}

function Labels(props: { labels: Record<string, string> }) {
  return (
    <dl class="labels">
      {Object.entries(props.labels).map(([label, value]) => (
        <>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </>
      ))}
    </dl>
  );
}

function EventItem(props: { event: Event; query: EventsQuery }) {
  const { event, query } = props;
  const resourceId = event.resource['prefect.resource.id'] ?? '';
  const name = event.resource['prefect.resource.name'];
  return (
    <li>
      <details id={`event-${event.id}`} class="event" open={query.id === event.id}>
        <summary>
          <Time iso={event.occurred} /> <strong class="event-name">{event.event}</strong>{' '}
          <span class="muted">{name ? `${name} · ${resourceId}` : resourceId}</span>
        </summary>
        <div class="event-body">
          <h3>Resource</h3>
          <p>
            <ResourceId id={resourceId} query={query} />
          </p>
          <Labels labels={event.resource} />
          <h3>Related ({event.related.length})</h3>
          {event.related.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul class="related">
              {event.related.map((related) => (
                <li>
                  <span class="role">{related['prefect.resource.role'] ?? '—'}</span>{' '}
                  <ResourceId id={related['prefect.resource.id'] ?? ''} query={query} />
                </li>
              ))}
            </ul>
          )}
          <h3>Payload</h3>
          <pre class="json">{formatJson(event.payload)}</pre>
          <p class="muted">
            id <code>{event.id}</code>, received <Time iso={event.received} />
          </p>
        </div>
      </details>
    </li>
  );
}

function Feed(props: { query: EventsQuery; events: Event[]; total: number; next: PageCursor | null }) {
  const { query, events, total, next } = props;
  const older = next ? `/events${eventsQueryString(query, { before: next })}` : null;
  const newest = query.before ? `/events${eventsQueryString(query, { before: null })}` : null;
  return (
    <>
      <div class="list-head">
        <p class="count" data-total={total}>
          {total === 0
            ? 'No events'
            : total > events.length || query.before
              ? `${formatCount(events.length)} of ${formatCount(total)} events, ${query.before ? 'older' : 'the newest'}`
              : `${formatCount(total)} events`}
        </p>
        <nav class="pager" aria-label="Older and newer events">
          {newest ? (
            <a class="button" href={newest}>
              Newest
            </a>
          ) : null}
          {older ? (
            <a class="button" href={older} rel="next">
              Older
            </a>
          ) : null}
        </nav>
      </div>
      {events.length === 0 ? (
        <Empty>No events match these filters.</Empty>
      ) : (
        <ol class="events" aria-label="Events, newest first">
          {events.map((event) => (
            <EventItem event={event} query={props.query} />
          ))}
        </ol>
      )}
    </>
  );
}

function Filters(props: { query: EventsQuery }) {
  const { query } = props;
  const local = (iso: string | null) => (iso ? iso.slice(0, 16) : '');
  return (
    <form method="get" action="/events" class="filters" aria-label="Filter events">
      <label>
        Event name starts with
        <input name="prefix" value={query.prefix ?? ''} placeholder="prefect.flow-run." autocomplete="off" />
      </label>
      <label>
        Resource id
        <input
          name="resource"
          value={query.resource ?? ''}
          placeholder="prefect.flow-run.* or an exact id"
          autocomplete="off"
        />
      </label>
      <label>
        Time range
        <select name="range">
          {(Object.keys(EVENT_RANGES) as EventRange[]).map((range) => (
            <option value={range} selected={range === query.range}>
              {EVENT_RANGES[range].label}
            </option>
          ))}
        </select>
      </label>
      <label>
        From (UTC)
        <input type="datetime-local" name="from" value={local(query.from)} />
      </label>
      <label>
        To (UTC)
        <input type="datetime-local" name="to" value={local(query.to)} />
      </label>
      <div class="filter-buttons">
        <button type="submit" class="button primary">
          Apply
        </button>
        <a class="button" href="/events">
          Clear
        </a>
      </div>
    </form>
  );
}

export async function eventsPage(c: DashboardContext): Promise<Response> {
  const now = new Date();
  const query = readEventsQuery(c.req.queries());
  const data = await loadEvents(c, query, now);
  const follow = streamFilter(query, now);
  const stream = follow
    ? `/api/events/stream?filter=${encodeURIComponent(JSON.stringify(follow))}`
    : undefined;
  return page(
    c,
    { title: 'Events', current: 'events', scripts: ['events-live.js'], styles: ['events.css'] },
    <>
      <h1>Events</h1>
      <Filters query={query} />
      <p class="feed-status muted" id="feed-status" data-stream={stream}>
        {stream
          ? 'Live: new events appear as they are stored.'
          : 'This range has ended: nothing new can match.'}
      </p>
      <Live src={`/events/live${eventsQueryString(query)}`} label="Events" class="events-region" push>
        <Feed query={query} events={data.events} total={data.total} next={data.next} />
      </Live>
    </>,
  );
}

export async function eventsLive(c: DashboardContext): Promise<Response> {
  const query = readEventsQuery(c.req.queries());
  const data = await loadEvents(c, query, new Date());
  return liveHtml(c, <Feed query={query} events={data.events} total={data.total} next={data.next} />);
}
