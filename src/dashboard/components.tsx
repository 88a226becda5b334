// Pieces every page uses: a state's badge, times and durations, buttons that call the API, page links.
import type { StateType } from 'edgeflow/protocol';
import type { Child } from 'hono/jsx';
import type { ApiCall } from '../domain/dashboard';
import { formatDuration, formatTime, secondsBetween } from './format';
import type { Viewer } from './viewer';

/** A state's name (Late, AwaitingRetry, Running…) coloured by its type. */
export function StateBadge(props: { type: StateType | null; name?: string | null }) {
  const type = props.type ?? 'NONE';
  const name =
    props.name ?? (props.type ? props.type.charAt(0) + props.type.slice(1).toLowerCase() : 'No state');
  return (
    <span class={`state state-${type.toLowerCase()}`}>
      <span class="dot" aria-hidden="true" />
      {name}
    </span>
  );
}

export function Time(props: { iso: string | null | undefined }) {
  if (!props.iso) return <span class="muted">—</span>;
  return <time datetime={props.iso}>{formatTime(props.iso)}</time>;
}

/**
 * How long something ran: from start to end, or, while it runs, ticking in the browser (data-since)
 * so a re-render of the page never differs just because a second passed.
 */
export function Duration(props: { start: string | null; end: string | null; running: boolean }) {
  if (props.start && !props.end && props.running) {
    return (
      <span class="duration" data-since={props.start}>
        …
      </span>
    );
  }
  return <span class="duration">{formatDuration(secondsBetween(props.start, props.end))}</span>;
}

/**
 * A button that makes an API call from the page (static/dashboard.js). Disabled, with the reason, when
 * the key's scope is below the route's, so a read-only key sees what it can't do; the server refuses
 * anyway.
 */
export function ApiButton(props: {
  viewer: Viewer;
  /** The route as the OpenAPI document writes it, whose scope decides. */
  route: string;
  call: ApiCall | { method: 'DELETE' | 'PATCH' | 'POST'; path: string; body?: unknown };
  label: string;
  confirm?: string;
  id?: string;
  variant?: 'danger' | 'primary';
  /** Where the page goes once the call succeeds (a delete leaves a page about nothing). */
  open?: string | undefined;
}) {
  const allowed = props.viewer.may(props.route);
  const needs = props.viewer.needs(props.route);
  const reason = allowed
    ? undefined
    : `Needs a key with the ${needs ?? 'right'} scope; this key is ${props.viewer.scope}.`;
  return (
    <button
      type="button"
      id={props.id}
      class={props.variant ? `button ${props.variant}` : 'button'}
      data-call={JSON.stringify(props.call)}
      data-confirm={props.confirm}
      data-open={props.open}
      disabled={!allowed}
      title={reason}
      aria-describedby={allowed ? undefined : 'scope-note'}
    >
      {props.label}
    </button>
  );
}

/** Shown once per page where buttons are disabled, so their reason is announced, not only hovered. */
export function ScopeNote(props: { viewer: Viewer; show: boolean }) {
  if (!props.show) return null;
  return (
    <p id="scope-note" class="note">
      This key is <strong>{props.viewer.scope}</strong>: actions that need a higher scope are disabled.
    </p>
  );
}

export function Pager(props: {
  label: string;
  previous: string | null;
  next: string | null;
  children?: Child;
}) {
  return (
    <nav class="pager" aria-label={props.label}>
      {props.previous === null ? (
        <span class="button disabled" aria-disabled="true">
          Previous
        </span>
      ) : (
        <a class="button" href={props.previous} rel="prev">
          Previous
        </a>
      )}
      <span class="pager-position">{props.children}</span>
      {props.next === null ? (
        <span class="button disabled" aria-disabled="true">
          Next
        </span>
      ) : (
        <a class="button" href={props.next} rel="next">
          Next
        </a>
      )}
    </nav>
  );
}

export function Empty(props: { children: Child }) {
  return <p class="empty">{props.children}</p>;
}

/**
 * A region the page refreshes in place (static/dashboard.js polls `src`; docs/dashboard.md). `push`:
 * a script of the page says when to refresh (the events page follows the event stream), so the
 * region only polls slowly, as a safety net.
 */
export function Live(props: {
  src: string;
  label: string;
  children: Child;
  class?: string;
  id?: string;
  push?: boolean;
}) {
  return (
    <section
      id={props.id}
      class={props.class ? `live ${props.class}` : 'live'}
      data-live={props.src}
      data-push={props.push ? 'true' : undefined}
      aria-label={props.label}
    >
      {props.children}
    </section>
  );
}

/**
 * The end of a create form whose answer holds a secret: its submit button, then the place the secret
 * is shown once (`data-secret-out`, filled by dashboard.js from the API's answer).
 */
export function SubmitShowingSecretOnce(props: { label: string; secret: string }) {
  return (
    <>
      <p class="form-error field-error" />
      <div>
        <button type="submit" class="button primary">
          {props.label}
        </button>
      </div>
      <div class="secret" data-secret-out hidden>
        <p>
          <strong>Copy the {props.secret} now:</strong> it is shown only this once.
        </p>
        <code />
      </div>
    </>
  );
}
