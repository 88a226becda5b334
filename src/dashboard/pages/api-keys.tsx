// API keys (admin): the keys with their scope and use, a form that creates one and shows its secret
// once, and revoke. Reading them takes what `GET /api/api_keys` takes, so a lower key gets a 403 page.
import type { ApiKey } from 'edgeflow/protocol';
import { listApiKeys } from '../../db/api-keys';
import { ApiButton, Empty, Live, SubmitShowingSecretOnce, Time } from '../components';
import { liveHtml } from '../live';
import { page } from '../shell';
import type { DashboardContext, Viewer } from '../viewer';

const LIST_ROUTE = 'GET /api/api_keys';

/** The page a key below `route`'s scope gets instead of what the route would show. */
export async function refused(c: DashboardContext, title: string, route: string): Promise<Response> {
  const viewer = c.get('viewer');
  const response = await page(
    c,
    { title, current: null },
    <>
      <h1>{title}</h1>
      <p>
        This page needs a key with the <strong>{viewer.needs(route)}</strong> scope; this key is{' '}
        <strong>{viewer.scope}</strong>.
      </p>
    </>,
  );
  return new Response(response.body, { status: 403, headers: response.headers });
}

function Keys(props: { keys: ApiKey[]; viewer: Viewer }) {
  if (props.keys.length === 0) return <Empty>No keys but the configured admin key.</Empty>;
  return (
    <table>
      <caption class="visually-hidden">API keys, oldest first</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Scope</th>
          <th scope="col">Key starts</th>
          <th scope="col" class="col-time">
            Last used
          </th>
          <th scope="col" class="col-time">
            Expires
          </th>
          <th scope="col" class="col-duration">
            Status
          </th>
        </tr>
      </thead>
      <tbody>
        {props.keys.map((key) => (
          <tr>
            <td class="name">{key.name}</td>
            <td>{key.scope}</td>
            <td>
              <code>{key.prefix}…</code>
            </td>
            <td>
              <Time iso={key.last_used_at} />
            </td>
            <td>
              <Time iso={key.expires_at} />
            </td>
            <td>
              {key.revoked_at ? (
                'Revoked'
              ) : (
                <ApiButton
                  viewer={props.viewer}
                  route="DELETE /api/api_keys/{id}"
                  call={{ method: 'DELETE', path: `/api/api_keys/${key.id}` }}
                  label="Revoke"
                  confirm={`Revoke ${key.name}? Anything using it stops working at once.`}
                  variant="danger"
                />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export async function apiKeysPage(c: DashboardContext): Promise<Response> {
  const viewer = c.get('viewer');
  if (!viewer.may(LIST_ROUTE)) return refused(c, 'API keys', LIST_ROUTE);
  const keys = await listApiKeys(c.env.DB);
  return page(
    c,
    { title: 'API keys', current: 'api-keys' },
    <>
      <h1>API keys</h1>
      <Live src="/api-keys/live" label="API keys">
        <Keys keys={keys} viewer={viewer} />
      </Live>
      <section aria-labelledby="new-key-title">
        <h2 id="new-key-title">New key</h2>
        <form class="fields" data-method="POST" data-path="/api/api_keys" data-secret="key" novalidate>
          <div class="field">
            <label for="key-name">Name</label>
            <input id="key-name" name="name" autocomplete="off" aria-describedby="key-name-error" />
            <span id="key-name-error" class="field-error" />
          </div>
          <div class="field">
            <label for="key-scope">Scope</label>
            <select id="key-scope" name="scope" aria-describedby="key-scope-hint key-scope-error">
              <option value="read">read: sees everything, changes nothing</option>
              <option value="agent">agent: what an agent and its flows do</option>
              <option value="admin">admin: everything</option>
            </select>
            <span id="key-scope-hint" class="hint">
              docs/api-scopes.md lists what each scope may call.
            </span>
            <span id="key-scope-error" class="field-error" />
          </div>
          <div class="field">
            <label for="key-expires">Expires (optional, your local time)</label>
            <input
              id="key-expires"
              name="expires_at"
              type="datetime-local"
              data-kind="datetime"
              aria-describedby="key-expires-error"
            />
            <span id="key-expires-error" class="field-error" />
          </div>
          <SubmitShowingSecretOnce label="Create key" secret="key" />
        </form>
      </section>
    </>,
  );
}

export async function apiKeysLive(c: DashboardContext): Promise<Response> {
  const viewer = c.get('viewer');
  if (!viewer.may(LIST_ROUTE)) return c.body(null, 403);
  return liveHtml(c, <Keys keys={await listApiKeys(c.env.DB)} viewer={viewer} />);
}
