// Automations: the list (enabled or paused, the trigger in a sentence, the last firing) and one
// automation with its history of firings, read from the outcome events its actions left
// (docs/automations.md). Pause, resume, delete and edit are shown only to keys whose scope the
// routes take (admin): a read-only dashboard shows no write buttons at all.
import type { Event } from 'edgeflow/protocol';
import { type LastFiring, lastFirings } from '../../db/automation-firings';
import { filterAutomations, readAutomation } from '../../db/automations';
import { filterEvents } from '../../db/event-queries';
import type { Automation } from '../../domain/automations';
import { FIRING_EVENT_PREFIX, firingHistory, triggerSummary } from '../../domain/dashboard';
import { ApiButton, Empty, Live, Time } from '../components';
import { formatJson } from '../format';
import { liveHtml } from '../live';
import { page } from '../shell';
import type { DashboardContext, Viewer } from '../viewer';
import { Firings } from './automation-firings';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Outcome events read for one automation's history: the newest firings. */
const HISTORY_EVENTS = 200;

export const WRITE_ROUTES = {
  create: 'POST /api/automations',
  replace: 'PUT /api/automations/{id}',
  patch: 'PATCH /api/automations/{id}',
  remove: 'DELETE /api/automations/{id}',
} as const;

function Status(props: { enabled: boolean }) {
  return props.enabled ? <span class="badge on">Enabled</span> : <span class="badge off">Paused</span>;
}

/** Pause or Resume, and Delete: rendered only for a key the routes accept. */
function WriteButtons(props: { automation: Automation; viewer: Viewer; afterDelete?: string }) {
  const { automation, viewer } = props;
  return (
    <>
      {viewer.may(WRITE_ROUTES.patch) ? (
        <ApiButton
          viewer={viewer}
          route={WRITE_ROUTES.patch}
          call={{
            method: 'PATCH',
            path: `/api/automations/${automation.id}`,
            body: { enabled: !automation.enabled },
          }}
          label={automation.enabled ? 'Pause' : 'Resume'}
        />
      ) : null}{' '}
      {viewer.may(WRITE_ROUTES.remove) ? (
        <ApiButton
          viewer={viewer}
          route={WRITE_ROUTES.remove}
          call={{ method: 'DELETE', path: `/api/automations/${automation.id}` }}
          label="Delete"
          confirm={`Delete the automation ${automation.name}?`}
          variant="danger"
          open={props.afterDelete}
        />
      ) : null}
    </>
  );
}

function LastFiringCell(props: { last: LastFiring | undefined }) {
  if (!props.last) return <span class="muted">never</span>;
  return (
    <>
      <Time iso={props.last.occurred} />{' '}
      <span class={props.last.outcome === 'failed' ? 'error-text' : 'muted'}>({props.last.outcome})</span>
    </>
  );
}

function AutomationsTable(props: { automations: Automation[]; last: LastFiring[]; viewer: Viewer }) {
  if (props.automations.length === 0)
    return <Empty>No automations yet: `edgeflow automation` or the API creates them.</Empty>;
  const last = new Map(props.last.map((firing) => [firing.automationId, firing]));
  const writes = props.viewer.may(WRITE_ROUTES.patch) || props.viewer.may(WRITE_ROUTES.remove);
  return (
    <table class="automations">
      <caption class="visually-hidden">Automations by name</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col" class="col-duration">
            Status
          </th>
          <th scope="col">Trigger</th>
          <th scope="col">Actions</th>
          <th scope="col" class="col-time">
            Last firing
          </th>
          {writes ? <th scope="col" class="col-actions" /> : null}
        </tr>
      </thead>
      <tbody>
        {props.automations.map((automation) => (
          <tr data-automation-id={automation.id}>
            <td class="name">
              <a href={`/automations/${automation.id}`}>{automation.name}</a>
            </td>
            <td>
              <Status enabled={automation.enabled} />
            </td>
            <td class="wrap">{triggerSummary(automation.trigger)}</td>
            <td class="wrap">{automation.actions.map((action) => action.type).join(', ') || '—'}</td>
            <td class="wrap">
              <LastFiringCell last={last.get(automation.id)} />
            </td>
            {writes ? (
              <td class="row-actions">
                <WriteButtons automation={automation} viewer={props.viewer} />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function loadList(c: DashboardContext) {
  const automations = await filterAutomations(c.env.DB, { sort: 'NAME_ASC', limit: 200, offset: 0 });
  const last = await lastFirings(
    c.env.DB,
    automations.map((automation) => automation.id),
  );
  return { automations, last };
}

export async function automationsPage(c: DashboardContext): Promise<Response> {
  const viewer = c.get('viewer');
  const data = await loadList(c);
  return page(
    c,
    { title: 'Automations', current: 'automations', styles: ['events.css'] },
    <>
      <div class="title-row">
        <h1>Automations</h1>
        {viewer.may(WRITE_ROUTES.create) ? (
          <a class="button primary" href="/automations/new">
            New automation
          </a>
        ) : null}
      </div>
      {viewer.may(WRITE_ROUTES.create) ? null : (
        <p class="note">This key is {viewer.scope}: changing automations needs an admin key.</p>
      )}
      <Live src="/automations/live" label="Automations">
        <AutomationsTable {...data} viewer={viewer} />
      </Live>
    </>,
  );
}

export async function automationsLive(c: DashboardContext): Promise<Response> {
  return liveHtml(c, <AutomationsTable {...(await loadList(c))} viewer={c.get('viewer')} />);
}

function AutomationView(props: { automation: Automation; events: Event[]; viewer: Viewer }) {
  const { automation, viewer } = props;
  return (
    <>
      <div class="title-row">
        <h1>{automation.name}</h1>
        <Status enabled={automation.enabled} />
        <span class="row-actions">
          {viewer.may(WRITE_ROUTES.replace) ? (
            <a class="button" href={`/automations/${automation.id}/edit`}>
              Edit
            </a>
          ) : null}{' '}
          <WriteButtons automation={automation} viewer={viewer} afterDelete="/automations" />
        </span>
      </div>
      {automation.description ? <p>{automation.description}</p> : null}
      <p>
        <strong>Trigger:</strong> {triggerSummary(automation.trigger)}
      </p>
      <p>
        <strong>Actions:</strong> {automation.actions.map((action) => action.type).join(', ') || 'none'}
      </p>
      <details>
        <summary>Trigger and actions as JSON</summary>
        <pre class="json">
          {formatJson({
            trigger: automation.trigger,
            actions: automation.actions,
            actions_on_trigger: automation.actions_on_trigger,
            actions_on_resolve: automation.actions_on_resolve,
          })}
        </pre>
      </details>
      <h2>Firings</h2>
      <p class="muted">
        From its actions' outcome events;{' '}
        <a href={`/events?range=all&resource=prefect.automation.${automation.id}`}>all its events</a> include
        its changes too.
      </p>
      <Firings firings={firingHistory(props.events)} />
    </>
  );
}

async function loadOne(c: DashboardContext, id: string) {
  if (!UUID.test(id)) return null;
  const automation = await readAutomation(c.env.DB, id.toLowerCase());
  if (!automation) return null;
  const { events } = await filterEvents(
    c.env.DB,
    {
      resource: { id: [`prefect.automation.${automation.id}`] },
      event: { prefix: [FIRING_EVENT_PREFIX] },
      order: 'DESC',
    },
    HISTORY_EVENTS,
    null,
  );
  return { automation, events };
}

export async function automationPage(c: DashboardContext): Promise<Response> {
  const id = c.req.param('id')!;
  const data = await loadOne(c, id);
  const crumbs = (
    <p class="crumbs">
      <a href="/automations">Automations</a> /
    </p>
  );
  if (!data) {
    const response = await page(
      c,
      { title: 'Automation', current: 'automations', styles: ['events.css'] },
      <>
        {crumbs}
        <Empty>No automation has this id.</Empty>
      </>,
    );
    return new Response(response.body, { status: 404, headers: response.headers });
  }
  return page(
    c,
    { title: data.automation.name, current: 'automations', styles: ['events.css'] },
    <>
      {crumbs}
      <Live src={`/automations/${data.automation.id}/live`} label="Automation">
        <AutomationView {...data} viewer={c.get('viewer')} />
      </Live>
    </>,
  );
}

export async function automationLive(c: DashboardContext): Promise<Response> {
  const data = await loadOne(c, c.req.param('id')!);
  if (!data) return c.body(null, 404);
  return liveHtml(c, <AutomationView {...data} viewer={c.get('viewer')} />);
}
