// Deployments: the list (flow, pool, schedules, paused), and one deployment's page: its schedules and
// next runs, pause and resume, the Run form generated from its parameter schema, and its recent runs.
import type { Deployment, FlowRun } from 'edgeflow/protocol';
import { filterDeployments, readDeployment } from '../../db/deployments';
import { filterFlowRuns } from '../../db/flow-run-queries';
import { filterFlows, readFlow } from '../../db/flows';
import type { Env } from '../../env';
import { ApiButton, Empty, Live, ScopeNote, StateBadge, Time } from '../components';
import { describeSchedule } from '../format';
import { liveHtml } from '../live';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';
import { RunForm } from './run-form';
import { flowNames, RunRows } from './runs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function deploymentsPage(c: DashboardContext): Promise<Response> {
  const [deployments, flows] = await Promise.all([
    filterDeployments(c.env.DB, { sort: 'NAME_ASC', limit: 200, offset: 0 }),
    filterFlows(c.env.DB, { sort: 'NAME_ASC', limit: 200, offset: 0 }),
  ]);
  const flowName = new Map(flows.map((flow) => [flow.id, flow.name]));
  return page(
    c,
    { title: 'Deployments', current: 'deployments' },
    <>
      <h1>Deployments</h1>
      {deployments.length === 0 ? (
        <Empty>No deployments yet: `edgeflow deploy` or `flow.serve()` makes them.</Empty>
      ) : (
        <table>
          <caption class="visually-hidden">Deployments by name</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Flow</th>
              <th scope="col">Work pool</th>
              <th scope="col">Schedules</th>
              <th scope="col" class="col-duration">
                Status
              </th>
            </tr>
          </thead>
          <tbody>
            {deployments.map((deployment) => (
              <tr>
                <td class="name">
                  <a href={`/deployments/${deployment.id}`}>{deployment.name}</a>
                </td>
                <td>{flowName.get(deployment.flow_id) ?? deployment.flow_id}</td>
                <td>{deployment.work_pool_name ?? '—'}</td>
                <td>
                  {deployment.schedules.length === 0
                    ? '—'
                    : deployment.schedules.map((s) => describeSchedule(s.schedule)).join('; ')}
                </td>
                <td>{deployment.paused ? 'Paused' : 'Active'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
}

interface DeploymentView {
  deployment: Deployment;
  flowName: string | null;
  upcoming: FlowRun[];
  recent: FlowRun[];
  flows: Map<string, string>;
}

async function loadDeployment(env: Env, id: string): Promise<DeploymentView | null> {
  if (!UUID.test(id)) return null;
  const deployment = await readDeployment(env.DB, id.toLowerCase());
  if (!deployment) return null;
  const mine = { deployment_id: { any_: [deployment.id] } };
  const [flow, upcoming, recent] = await Promise.all([
    readFlow(env.DB, deployment.flow_id),
    filterFlowRuns(env.DB, {
      flow_runs: { operator: 'and_', ...mine, state: { type: { any_: ['SCHEDULED'] } } },
      sort: 'EXPECTED_START_TIME_ASC',
      limit: 10,
      offset: 0,
    }),
    filterFlowRuns(env.DB, {
      flow_runs: { operator: 'and_', ...mine, state: { type: { not_any_: ['SCHEDULED'] } } },
      sort: 'EXPECTED_START_TIME_DESC',
      limit: 20,
      offset: 0,
    }),
  ]);
  return { deployment, flowName: flow?.name ?? null, upcoming, recent, flows: await flowNames(env, recent) };
}

function DeploymentStatus(props: { view: DeploymentView; c: DashboardContext }) {
  const { deployment } = props.view;
  const viewer = props.c.get('viewer');
  const route = deployment.paused
    ? 'POST /api/deployments/{id}/resume_deployment'
    : 'POST /api/deployments/{id}/pause_deployment';
  const action = deployment.paused ? 'resume_deployment' : 'pause_deployment';
  return (
    <>
      <div class="title-row">
        <h1>
          <span class="visually-hidden">Deployment </span>
          {deployment.name}
        </h1>
        <span class={deployment.paused ? 'state state-paused' : 'state state-completed'}>
          <span class="dot" aria-hidden="true" />
          {deployment.paused ? 'Paused' : 'Active'}
        </span>
        <div class="actions">
          <ApiButton
            viewer={viewer}
            id="deployment-pause"
            route={route}
            call={{ method: 'POST', path: `/api/deployments/${deployment.id}/${action}` }}
            label={deployment.paused ? 'Resume' : 'Pause'}
          />
        </div>
      </div>
      <ScopeNote viewer={viewer} show={!viewer.may(route)} />
      {deployment.description ? <p>{deployment.description}</p> : null}
      <dl class="facts">
        <div>
          <dt>Flow</dt>
          <dd>{props.view.flowName ?? deployment.flow_id}</dd>
        </div>
        <div>
          <dt>Entrypoint</dt>
          <dd>
            <code>{deployment.entrypoint ?? '—'}</code>
          </dd>
        </div>
        <div>
          <dt>Work pool</dt>
          <dd>{deployment.work_pool_name ?? '—'}</dd>
        </div>
        <div>
          <dt>Concurrency limit</dt>
          <dd>{deployment.concurrency_limit ?? 'none'}</dd>
        </div>
        <div>
          <dt>Tags</dt>
          <dd>{deployment.tags.join(', ') || '—'}</dd>
        </div>
      </dl>
    </>
  );
}

/** Schedules and the runs they will start next: beside the Run form, so its growth moves nothing. */
function DeploymentSchedules(props: { view: DeploymentView }) {
  const { deployment } = props.view;
  return (
    <>
      <h2>Schedules</h2>
      {deployment.schedules.length === 0 ? (
        <Empty>No schedules: runs start from the Run form, the API or webhooks.</Empty>
      ) : (
        <ul class="plain">
          {deployment.schedules.map((s) => (
            <li>
              {describeSchedule(s.schedule)} {s.active ? '' : '(inactive)'}{' '}
              <span class="muted">
                catch-up {s.catchup}
                {s.max_active_runs ? `, at most ${s.max_active_runs} active` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h2>Next runs</h2>
      {props.view.upcoming.length === 0 ? (
        <Empty>None scheduled.</Empty>
      ) : (
        <ul class="plain">
          {props.view.upcoming.map((run) => (
            <li>
              <Time iso={run.expected_start_time} /> <a href={`/runs/${run.id}`}>{run.name}</a>{' '}
              <StateBadge type={run.state_type} name={run.state_name} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export async function deploymentPage(c: DashboardContext): Promise<Response> {
  const id = c.req.param('id')!;
  const view = await loadDeployment(c.env, id);
  if (!view) {
    const response = await page(
      c,
      { title: 'Deployment not found', current: 'deployments' },
      <h1>Deployment not found</h1>,
    );
    return new Response(response.body, { status: 404, headers: response.headers });
  }
  const base = `/deployments/${view.deployment.id}`;
  return page(
    c,
    { title: view.deployment.name, current: 'deployments' },
    <>
      <p class="crumbs">
        <a href="/deployments">Deployments</a> /
      </p>
      <Live src={`${base}/live?part=status`} label="Deployment" class="deployment-header">
        <DeploymentStatus view={view} c={c} />
      </Live>
      <div class="split">
        <section aria-labelledby="run-form-title">
          <h2 id="run-form-title">Run</h2>
          <RunForm deployment={view.deployment} viewer={c.get('viewer')} />
        </section>
        <Live src={`${base}/live?part=schedules`} label="Schedules and next runs">
          <DeploymentSchedules view={view} />
        </Live>
      </div>
      <section aria-labelledby="recent-title">
        <h2 id="recent-title">Recent runs</h2>
        <Live src={`${base}/live?part=runs`} label="Recent runs">
          <RunRows runs={view.recent} flows={view.flows} caption="Recent runs of this deployment" />
        </Live>
      </section>
    </>,
  );
}

export async function deploymentLive(c: DashboardContext): Promise<Response> {
  const view = await loadDeployment(c.env, c.req.param('id')!);
  if (!view) return c.body(null, 404);
  if (c.req.query('part') === 'runs') {
    return liveHtml(
      c,
      <RunRows runs={view.recent} flows={view.flows} caption="Recent runs of this deployment" />,
    );
  }
  if (c.req.query('part') === 'schedules') return liveHtml(c, <DeploymentSchedules view={view} />);
  return liveHtml(c, <DeploymentStatus view={view} c={c} />);
}
