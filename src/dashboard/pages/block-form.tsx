// A block document's form, one control per property of its block schema (src/domain/dashboard/
// block-form.ts), creating a document (POST) or changing one (PATCH, merged over the stored data).
// Secret fields are password boxes holding only the placeholder `********`: the page never receives a
// secret, and sending the placeholder back keeps the stored one (docs/dashboard.md, "Blocks").
import type { BlockSchema, BlockType } from 'edgeflow/protocol';
import { filterBlockSchemas, readBlockType } from '../../db/blocks';
import { type BlockField, blockFields } from '../../domain/dashboard';
import { Empty } from '../components';
import { page } from '../shell';
import type { DashboardContext } from '../viewer';
import { refused } from './api-keys';

export const BLOCK_ROUTES = {
  update: 'PATCH /api/block_documents/{id}',
  remove: 'DELETE /api/block_documents/{id}',
} as const;

function Control(props: { field: BlockField; id: string }) {
  const { field, id } = props;
  const common = {
    id,
    name: `data.${field.name}`,
    'data-kind': field.kind,
    'aria-describedby': `${id}-hint ${id}-error`,
    'aria-required': field.required ? 'true' : undefined,
  };
  if (field.secret)
    // The placeholder, never a value; a secret that may be an object reads typed `{…}` as JSON.
    return (
      <input
        type="password"
        autocomplete="new-password"
        {...common}
        data-kind={field.kind === 'json' ? 'json-or-text' : field.kind}
        value={field.initial}
      />
    );
  switch (field.kind) {
    case 'boolean':
      return <input type="checkbox" {...common} checked={field.initial === 'true'} />;
    case 'choice':
      return (
        <select {...common}>
          {field.required ? null : <option value="">(none)</option>}
          {field.choices.map((choice) => (
            <option value={choice} selected={choice === field.initial}>
              {choice}
            </option>
          ))}
        </select>
      );
    case 'json':
      return (
        <textarea {...common} class="json-editor" rows={4}>
          {field.initial}
        </textarea>
      );
    default:
      return <input type="text" autocomplete="off" {...common} value={field.initial} />;
  }
}

function hint(field: BlockField, editing: boolean): string {
  const kind = {
    string: 'text',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'yes or no',
    choice: 'one of the choices',
    json: 'JSON',
  }[field.kind];
  const secret = field.secret
    ? editing
      ? ' Secret: it reads as ******** here; leave it so to keep the stored value.'
      : ' Secret: stored encrypted and never shown again.'
    : '';
  return `${field.required ? 'Required' : 'Optional'}: ${kind}.${secret}${field.description ? ` ${field.description}` : ''}`;
}

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
      {fields.map((field, index) => {
        const id = `block-field-${index}`;
        return (
          <div class="field">
            <label for={id}>{field.label}</label>
            <Control field={field} id={id} />
            <span id={`${id}-hint`} class="hint">
              {hint(field, editing)}
            </span>
            <span id={`${id}-error`} class="field-error" />
          </div>
        );
      })}
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
