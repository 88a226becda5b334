// Flows: each flow with its deployments and a link to its runs.
import { filterDeployments } from '../../db/deployments';
import { filterFlows } from '../../db/flows';
import { Empty, Time } from '../components';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';

export async function flowsPage(c: DashboardContext): Promise<Response> {
  const all = { sort: 'NAME_ASC', limit: 200, offset: 0 } as const;
  const [flows, deployments] = await Promise.all([
    filterFlows(c.env.DB, all),
    filterDeployments(c.env.DB, all),
  ]);
  const byFlow = new Map<string, typeof deployments>();
  for (const deployment of deployments) {
    byFlow.set(deployment.flow_id, [...(byFlow.get(deployment.flow_id) ?? []), deployment]);
  }
  return page(
    c,
    { title: 'Flows', current: 'flows' },
    <>
      <h1>Flows</h1>
      {flows.length === 0 ? (
        <Empty>No flows yet: the first run of a flow, or a deployment, registers it.</Empty>
      ) : (
        <table>
          <caption class="visually-hidden">Flows by name</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Deployments</th>
              <th scope="col" class="col-time">
                Created
              </th>
              <th scope="col" class="col-duration">
                Runs
              </th>
            </tr>
          </thead>
          <tbody>
            {flows.map((flow) => (
              <tr>
                <td class="name">{flow.name}</td>
                <td>
                  {(byFlow.get(flow.id) ?? []).map((deployment, i) => (
                    <>
                      {i > 0 ? ', ' : ''}
                      <a href={`/deployments/${deployment.id}`}>{deployment.name}</a>
                    </>
                  ))}
                  {byFlow.has(flow.id) ? null : <span class="muted">—</span>}
                </td>
                <td>
                  <Time iso={flow.created} />
                </td>
                <td>
                  <a href={`/runs?flow=${flow.id}&range=all`}>Runs</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
}
