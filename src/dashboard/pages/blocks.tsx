// Blocks: the block types (with a New link for admin keys) and the named block documents, and one
// document with its data, secrets masked, its edit form and Delete (docs/prefect-compat.md "Blocks").
// The document is read as the API reads it without `include_secrets`, and masked once more here, so
// no page ever holds a secret; read-only keys see no write controls.
import type { BlockDocument, BlockType } from 'edgeflow/protocol';
import { blockDocumentOf } from '../../api/block-data';
import { filterBlockDocumentRows, filterBlockTypes, readBlockDocumentRow } from '../../db/blocks';
import { hideSecrets, secretFieldsOf } from '../../domain/blocks/secrets';
import { blockFields } from '../../domain/dashboard';
import { ApiButton, Empty, Time } from '../components';
import { formatJson } from '../format';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';
import { BLOCK_ROUTES, BlockForm } from './block-form';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function Types(props: { types: BlockType[]; counts: Map<string, number>; canCreate: boolean }) {
  if (props.types.length === 0) return <Empty>No block types yet.</Empty>;
  return (
    <table class="block-types">
      <caption class="visually-hidden">Block types by name</caption>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Slug</th>
          <th scope="col">Description</th>
          <th scope="col" class="col-duration">
            Documents
          </th>
          {props.canCreate ? <th scope="col" class="col-actions" /> : null}
        </tr>
      </thead>
      <tbody>
        {props.types.map((type) => (
          <tr data-block-type={type.slug}>
            <td class="name">{type.name}</td>
            <td>
              <code>{type.slug}</code>
            </td>
            <td class="wrap">{type.description ?? ''}</td>
            <td>{props.counts.get(type.id) ?? 0}</td>
            {props.canCreate ? (
              <td class="row-actions">
                <a class="button" href={`/blocks/new/${type.slug}`}>
                  New
                </a>
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export async function blocksPage(c: DashboardContext): Promise<Response> {
  const viewer = c.get('viewer');
  const [types, documents] = await Promise.all([
    filterBlockTypes(c.env.DB, { limit: 200 }),
    filterBlockDocumentRows(c.env.DB, { include_secrets: false, limit: 200 }),
  ]);
  const byId = new Map(types.map((type) => [type.id, type]));
  const counts = new Map<string, number>();
  for (const document of documents)
    counts.set(document.blockTypeId, (counts.get(document.blockTypeId) ?? 0) + 1);
  const canCreate = viewer.may(BLOCK_ROUTES.update);
  return page(
    c,
    { title: 'Blocks', current: 'blocks', styles: ['events.css'] },
    <>
      <h1>Blocks</h1>
      {canCreate ? null : <p class="note">This key is {viewer.scope}: changing blocks needs an admin key.</p>}
      <h2>Documents</h2>
      {documents.length === 0 ? (
        <Empty>No block documents yet.</Empty>
      ) : (
        <table class="block-documents">
          <caption class="visually-hidden">Block documents by name</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col" class="col-time">
                Updated
              </th>
            </tr>
          </thead>
          <tbody>
            {documents.map((document) => (
              <tr>
                <td class="name">
                  <a href={`/blocks/${document.id}`}>{document.name}</a>
                </td>
                <td>{byId.get(document.blockTypeId)?.name ?? '—'}</td>
                <td>
                  <Time iso={document.updated} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Block types</h2>
      <Types types={types} counts={counts} canCreate={canCreate} />
    </>,
  );
}

/** The data as the page may show it: secrets masked by the schema's `secret_fields`, whatever read it. */
function masked(document: BlockDocument): Record<string, unknown> {
  return hideSecrets(document.data, secretFieldsOf(document.block_schema?.fields ?? {}));
}

function Data(props: { document: BlockDocument; data: Record<string, unknown> }) {
  const fields = blockFields(props.document.block_schema?.fields ?? {}, props.data);
  const named = new Set(fields.map((field) => field.name));
  const others = Object.entries(props.data).filter(([key]) => !named.has(key));
  return (
    <dl class="block-data">
      {fields.map((field) => (
        <>
          <dt>{field.label}</dt>
          <dd>
            {field.secret ? (
              <code class="secret-mask">{field.initial || '—'}</code>
            ) : field.initial === '' ? (
              <span class="muted">—</span>
            ) : (
              <code>{field.initial}</code>
            )}
          </dd>
        </>
      ))}
      {others.map(([key, value]) => (
        <>
          <dt>{key}</dt>
          <dd>
            <pre class="json">{formatJson(value)}</pre>
          </dd>
        </>
      ))}
    </dl>
  );
}

export async function blockDocumentPage(c: DashboardContext): Promise<Response> {
  const viewer = c.get('viewer');
  const id = c.req.param('id')!;
  const row = UUID.test(id) ? await readBlockDocumentRow(c.env.DB, id.toLowerCase()) : null;
  const document = row ? await blockDocumentOf(c.env, row, { includeSecrets: false }) : null;
  const crumbs = (
    <p class="crumbs">
      <a href="/blocks">Blocks</a> /
    </p>
  );
  if (!document) {
    const response = await page(
      c,
      { title: 'Block', current: 'blocks', styles: ['events.css'] },
      <>
        {crumbs}
        <Empty>No block document has this id.</Empty>
      </>,
    );
    return new Response(response.body, { status: 404, headers: response.headers });
  }
  const data = masked(document);
  return page(
    c,
    { title: document.name, current: 'blocks', styles: ['events.css'] },
    <>
      {crumbs}
      <div class="title-row">
        <h1>{document.name}</h1>
        <span class="muted">{document.block_type_name ?? 'block'}</span>
        {viewer.may(BLOCK_ROUTES.remove) ? (
          <ApiButton
            viewer={viewer}
            route={BLOCK_ROUTES.remove}
            call={{ method: 'DELETE', path: `/api/block_documents/${document.id}` }}
            label="Delete"
            confirm={`Delete the block ${document.name}? Flows that load it will fail.`}
            variant="danger"
            open="/blocks"
          />
        ) : null}
      </div>
      <p class="muted">
        Load it as <code>{`${document.block_type?.slug ?? 'type'}/${document.name}`}</code>; created{' '}
        <Time iso={document.created} />, updated <Time iso={document.updated} />.
      </p>
      <Data document={document} data={data} />
      {viewer.may(BLOCK_ROUTES.update) && document.block_schema ? (
        <section aria-labelledby="edit-block-title">
          <h2 id="edit-block-title">Edit</h2>
          <BlockForm
            schema={document.block_schema}
            document={{ id: document.id, name: document.name, data }}
          />
        </section>
      ) : null}
    </>,
  );
}
