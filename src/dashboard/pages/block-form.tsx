// A block document's form, one control per property of its block schema (src/domain/dashboard/
// block-form.ts), creating a document (POST) or changing one (PATCH, merged over the stored data).
// Secret fields are password boxes holding only the placeholder `********`: the page never receives a
// secret, and sending the placeholder back keeps the stored one (docs/dashboard.md, "Blocks").
import type { BlockSchema, BlockType } from 'edgeflow/protocol';
import { filterBlockSchemas, readBlockType } from '../../db/blocks';
import { blockFields } from '../../domain/dashboard';
import { Empty } from '../components';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';
import { refused } from './api-keys';
import { type FormField, FormFields } from './form-fields';

export const BLOCK_ROUTES = {
  update: 'PATCH /api/block_documents/{id}',
  remove: 'DELETE /api/block_documents/{id}',
} as const;

/** What a secret field's hint says: the placeholder keeps the stored value, which is never shown. */
const secretNote = (editing: boolean) => (field: FormField) =>
  !field.secret
    ? ''
    : editing
      ? 'Secret: it reads as ******** here; leave it so to keep the stored value.'
      : 'Secret: stored encrypted and never shown again.';

/** The form; `document` is the document being edited (its data as the API reads it, secrets hidden). */
export function BlockForm(props: {
  schema: BlockSchema;
  document?: { id: string; name: string; data: Record<string, unknown> };
}) {
  const { schema, document } = props;
  const fields = blockFields(schema.fields, document?.data ?? {});
  const editing = document !== undefined;
  return (
    <form
      class="fields block-form"
      data-method={editing ? 'PATCH' : 'POST'}
      data-path={editing ? `/api/block_documents/${document.id}` : '/api/block_documents'}
      data-body={JSON.stringify(
        editing ? {} : { block_type_id: schema.block_type_id, block_schema_id: schema.id },
      )}
      data-open={editing ? `/blocks/${document.id}` : '/blocks/{id}'}
      novalidate
    >
      {editing ? null : (
        <div class="field">
          <label for="block-name">Name</label>
          <input
            id="block-name"
            name="name"
            autocomplete="off"
            aria-describedby="block-name-hint block-name-error"
          />
          <span id="block-name-hint" class="hint">
            Lowercase letters, digits and dashes: code loads it as {schema.block_type?.slug ?? 'type'}/name.
          </span>
          <span id="block-name-error" class="field-error" />
        </div>
      )}
      {fields.length === 0 ? <p class="note">This block type has no fields.</p> : null}
      <FormFields
        fields={fields}
        idPrefix="block-field"
        prefix="data"
        emptyChoice="(none)"
        noteOf={secretNote(editing)}
      />
      <p class="form-error field-error" />
      <div>
        <button type="submit" class="button primary">
          {editing ? 'Save' : 'Create block'}
        </button>
      </div>
    </form>
  );
}

/** The newest schema of a block type: what a new document is made with. */
export async function newestSchema(db: D1Database, type: BlockType): Promise<BlockSchema | null> {
  const [schema] = await filterBlockSchemas(db, {
    block_schemas: { block_type_id: { any_: [type.id] } },
    limit: 1,
  });
  return schema ?? null;
}

export async function newBlockPage(c: DashboardContext): Promise<Response> {
  // The create route takes an agent key, but a named document an admin one: as the PATCH route.
  if (!c.get('viewer').may(BLOCK_ROUTES.update)) return refused(c, 'New block', BLOCK_ROUTES.update);
  const slug = c.req.param('slug')!;
  const type = /^[a-z0-9-]{1,200}$/.test(slug) ? await readBlockType(c.env.DB, { slug }) : null;
  const schema = type ? await newestSchema(c.env.DB, type) : null;
  return page(
    c,
    { title: `New ${type?.name ?? 'block'}`, current: 'blocks', styles: ['events.css'] },
    <>
      <p class="crumbs">
        <a href="/blocks">Blocks</a> /
      </p>
      <h1>New {type?.name ?? 'block'}</h1>
      {type?.description ? <p class="muted">{type.description}</p> : null}
      {schema ? <BlockForm schema={schema} /> : <Empty>No block type with this slug has a schema.</Empty>}
    </>,
  );
}
