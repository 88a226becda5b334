// Artifacts: the latest version of each key, one key's version history, one artifact, and a run's
// artifacts (docs/artifacts.md).
import type { Artifact } from 'edgeflow/protocol';
import { artifactFromRow } from '../../api/artifact-data';
import { filterArtifactRows } from '../../db/artifacts';
import { ArtifactBody, Markdown } from '../artifact-view';
import { Empty, Time } from '../components';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY = /^[a-z0-9-]{1,255}$/;

async function load(c: DashboardContext, body: Parameters<typeof filterArtifactRows>[1], latest = false) {
  const rows = await filterArtifactRows(c.env.DB, body, { latest });
  return Promise.all(rows.map((row) => artifactFromRow(c.env, row)));
}

function ArtifactList(props: { artifacts: Artifact[]; byKey: boolean }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Type</th>
          <th scope="col">Description</th>
          <th scope="col" class="col-time">
            Created
          </th>
          <th scope="col">Flow run</th>
        </tr>
      </thead>
      <tbody>
        {props.artifacts.map((artifact) => (
          <tr>
            <td class="name">
              <a
                href={
                  props.byKey && artifact.key ? `/artifacts/key/${artifact.key}` : `/artifacts/${artifact.id}`
                }
              >
                {artifact.key ?? artifact.id.slice(0, 8)}
              </a>
            </td>
            <td>{artifact.type}</td>
            <td>{artifact.description ?? ''}</td>
            <td>
              <Time iso={artifact.created} />
            </td>
            <td>{artifact.flow_run_id ? <a href={`/runs/${artifact.flow_run_id}`}>Run</a> : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export async function artifactsPage(c: DashboardContext): Promise<Response> {
  const latest = await load(c, { sort: 'CREATED_DESC', limit: 200 }, true);
  return page(
    c,
    { title: 'Artifacts', current: 'artifacts' },
    <>
      <h1>Artifacts</h1>
      <p class="muted">The latest version of each key.</p>
      {latest.length === 0 ? (
        <Empty>No artifacts yet: a flow creates them with createMarkdownArtifact() and its siblings.</Empty>
      ) : (
        <ArtifactList artifacts={latest} byKey />
      )}
    </>,
  );
}

function sortOf(c: DashboardContext) {
  return { sort: c.req.query('sort'), descending: c.req.query('order') === 'desc' };
}

export async function artifactKeyPage(c: DashboardContext): Promise<Response> {
  const key = c.req.param('key')!;
  const versions = KEY.test(key)
    ? await load(c, { artifacts: { key: { any_: [key] } }, sort: 'CREATED_DESC', limit: 200 })
    : [];
  const [newest] = versions;
  return page(
    c,
    { title: `Artifact ${key}`, current: 'artifacts' },
    <>
      <p class="crumbs">
        <a href="/artifacts">Artifacts</a> /
      </p>
      <h1>{key}</h1>
      {newest ? (
        <>
          {newest.description ? <Markdown source={newest.description} /> : null}
          <ArtifactBody artifact={newest} base={`/artifacts/key/${key}`} {...sortOf(c)} />
          <h2>Versions</h2>
          <ArtifactList artifacts={versions} byKey={false} />
        </>
      ) : (
        <Empty>No artifact has this key.</Empty>
      )}
    </>,
  );
}

export async function artifactPage(c: DashboardContext): Promise<Response> {
  const id = c.req.param('id')!;
  const [artifact] = UUID.test(id)
    ? await load(c, { artifacts: { id: { any_: [id] } }, sort: 'CREATED_DESC' })
    : [];
  return page(
    c,
    { title: 'Artifact', current: 'artifacts' },
    <>
      <p class="crumbs">
        <a href="/artifacts">Artifacts</a> /
        {artifact?.key ? <a href={`/artifacts/key/${artifact.key}`}> {artifact.key}</a> : null}
      </p>
      {artifact ? (
        <>
          <h1>
            {artifact.key ?? 'Artifact'} <span class="muted">({artifact.type})</span>
          </h1>
          <p class="muted">
            Created <Time iso={artifact.created} />
            {artifact.flow_run_id ? (
              <>
                {' '}
                by <a href={`/runs/${artifact.flow_run_id}`}>its flow run</a>
              </>
            ) : null}
          </p>
          {artifact.description ? <Markdown source={artifact.description} /> : null}
          <ArtifactBody artifact={artifact} base={`/artifacts/${artifact.id}`} {...sortOf(c)} />
        </>
      ) : (
        <Empty>Artifact not found.</Empty>
      )}
    </>,
  );
}

export async function runArtifactsPage(c: DashboardContext): Promise<Response> {
  const id = c.req.param('id')!;
  const artifacts = UUID.test(id)
    ? await load(c, { artifacts: { flow_run_id: { any_: [id] } }, sort: 'CREATED_DESC', limit: 200 })
    : [];
  return page(
    c,
    { title: 'Run artifacts', current: 'runs' },
    <>
      <p class="crumbs">
        <a href="/runs">Runs</a> / <a href={`/runs/${id}`}>Run</a> /
      </p>
      <h1>Artifacts of the run</h1>
      {artifacts.length === 0 ? (
        <Empty>This run created no artifacts.</Empty>
      ) : (
        <ArtifactList artifacts={artifacts} byKey={false} />
      )}
    </>,
  );
}
