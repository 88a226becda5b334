// Variables: each with its value and tags (docs/variables.md).
import { filterVariables } from '../../db/variables';
import { Empty, Time } from '../components';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';

export async function variablesPage(c: DashboardContext): Promise<Response> {
  const variables = await filterVariables(c.env.DB, { sort: 'NAME_ASC', limit: 200 });
  return page(
    c,
    { title: 'Variables', current: 'variables' },
    <>
      <h1>Variables</h1>
      {variables.length === 0 ? (
        <Empty>No variables yet: `edgeflow variable set NAME VALUE` or setVariable() creates one.</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              <th scope="col">Tags</th>
              <th scope="col" class="col-time">
                Updated
              </th>
            </tr>
          </thead>
          <tbody>
            {variables.map((variable) => (
              <tr>
                <td class="name">{variable.name}</td>
                <td>
                  <code>{JSON.stringify(variable.value)}</code>
                </td>
                <td>{variable.tags.join(', ')}</td>
                <td>
                  <Time iso={variable.updated} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
}
