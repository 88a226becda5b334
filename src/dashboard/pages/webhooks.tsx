// Webhooks (admin): each inbound webhook with the deployment it runs and its public URL, turned on or
// off or deleted from here; a form creates one and shows its secret once.
import type { Webhook } from 'edgeflow/protocol';
import { filterDeployments } from '../../db/deployments';
import { listWebhooks, toWebhook } from '../../db/webhooks';
import type { Env } from '../../env';
import { ApiButton, Empty, Live, SubmitShowingSecretOnce } from '../components';
import { liveHtml } from '../live';
import { page } from '../shell';
import type { DashboardContext, Viewer } from '../viewer';
import { refused } from './api-keys';

const LIST_ROUTE = 'GET /api/webhooks';

async function loadWebhooks(env: Env) {
  const [rows, deployments] = await Promise.all([
    listWebhooks(env.DB, undefined),
    filterDeployments(env.DB, { sort: 'NAME_ASC', limit: 200, offset: 0 }),
  ]);
  return { webhooks: rows.map(toWebhook), deployments };
}

function Hooks(props: { webhooks: Webhook[]; names: Map<string, string>; viewer: Viewer }) {
  if (props.webhooks.length === 0) return <Empty>No webhooks yet.</Empty>;
  return (
    <table>
      <caption class="visually-hidden">Webhooks, oldest first</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Runs deployment</th>
          <th scope="col">URL (POST)</th>
          <th scope="col" class="col-duration">
            Auth
          </th>
          <th scope="col" class="col-actions">
            Status
          </th>
        </tr>
      </thead>
      <tbody>
        {props.webhooks.map((hook) => (
          <tr>
            <td class="name">{hook.name}</td>
            <td>
              {hook.deployment_id ? (
                <a href={`/deployments/${hook.deployment_id}`}>
                  {props.names.get(hook.deployment_id) ?? hook.deployment_id}
                </a>
              ) : (
                'none: emits its event'
              )}
            </td>
            <td>
              <code>/api/webhooks/{hook.slug}</code>
            </td>
            <td>{hook.auth}</td>
            <td class="row-actions">
              {hook.active ? 'On' : 'Off'}{' '}
              <ApiButton
                viewer={props.viewer}
                route="PATCH /api/webhooks/{id}"
                call={{ method: 'PATCH', path: `/api/webhooks/${hook.id}`, body: { active: !hook.active } }}
                label={hook.active ? 'Turn off' : 'Turn on'}
              />{' '}
              <ApiButton
                viewer={props.viewer}
                route="DELETE /api/webhooks/{id}"
                call={{ method: 'DELETE', path: `/api/webhooks/${hook.id}` }}
                label="Delete"
                confirm={`Delete the webhook ${hook.name}? Its URL stops working.`}
                variant="danger"
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export async function webhooksPage(c: DashboardContext): Promise<Response> {
  const viewer = c.get('viewer');
  if (!viewer.may(LIST_ROUTE)) return refused(c, 'Webhooks', LIST_ROUTE);
  const { webhooks, deployments } = await loadWebhooks(c.env);
  const names = new Map(deployments.map((deployment) => [deployment.id, deployment.name]));
  return page(
    c,
    { title: 'Webhooks', current: 'webhooks' },
    <>
      <h1>Webhooks</h1>
      <Live src="/webhooks/live" label="Webhooks">
        <Hooks webhooks={webhooks} names={names} viewer={viewer} />
      </Live>
      <section aria-labelledby="new-hook-title">
        <h2 id="new-hook-title">New webhook</h2>
        {deployments.length === 0 ? (
          <Empty>A webhook runs a deployment: make one first.</Empty>
        ) : (
          <form class="fields" data-method="POST" data-path="/api/webhooks" data-secret="secret" novalidate>
            <div class="field">
              <label for="hook-name">Name</label>
              <input id="hook-name" name="name" autocomplete="off" aria-describedby="hook-name-error" />
              <span id="hook-name-error" class="field-error" />
            </div>
            <div class="field">
              <label for="hook-deployment">Deployment</label>
              <select id="hook-deployment" name="deployment_id" aria-describedby="hook-deployment-error">
                {deployments.map((deployment) => (
                  <option value={deployment.id}>{deployment.name}</option>
                ))}
              </select>
              <span id="hook-deployment-error" class="field-error" />
            </div>
            <div class="field">
              <label for="hook-auth">Authentication</label>
              <select id="hook-auth" name="auth" aria-describedby="hook-auth-hint hook-auth-error">
                <option value="token">token: Authorization: Bearer &lt;secret&gt;</option>
                <option value="hmac">hmac: X-Edgeflow-Signature over the body</option>
              </select>
              <span id="hook-auth-hint" class="hint">
                docs/deployments.md describes both.
              </span>
              <span id="hook-auth-error" class="field-error" />
            </div>
            <SubmitShowingSecretOnce label="Create webhook" secret="secret" />
          </form>
        )}
      </section>
    </>,
  );
}

export async function webhooksLive(c: DashboardContext): Promise<Response> {
  const viewer = c.get('viewer');
  if (!viewer.may(LIST_ROUTE)) return c.body(null, 403);
  const { webhooks, deployments } = await loadWebhooks(c.env);
  const names = new Map(deployments.map((deployment) => [deployment.id, deployment.name]));
  return liveHtml(c, <Hooks webhooks={webhooks} names={names} viewer={viewer} />);
}
