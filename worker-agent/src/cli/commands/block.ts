// `edgeflow block …`: list, inspect, create and delete block documents (docs/blocks.md). Output never
// shows a secret: documents are read without include_secrets, so secret fields print as `********`.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiError, type EdgeflowClient } from '../../client/index.ts';
import { type BlockDocument, BlockSlugSchema } from '../../protocol/index.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, connect, UsageError } from '../connection.ts';
import { dateTime, table } from '../format.ts';
import type { Command } from '../main.ts';

const USAGE = `Usage: edgeflow block <action> [arguments] [options]

Blocks: typed configuration (credentials, webhooks, values) flows load with Block.load('<type>/<name>').
  ls                         block documents (type/name, updated, id)
  types                      block types (slug, name, secret fields)
  inspect <type>/<name>      one document as JSON, secret fields shown as ********
  create <type>/<name> [DATA]
                             store a document; DATA is a JSON object, or - (the default) to read
                             it from stdin, which keeps secrets out of the shell's history
  delete <type>/<name>       delete a document (takes an admin key)

Options:
  --type SLUG                only documents of this block type (ls; repeatable)
  --overwrite                replace the data of an existing document (create)
  --json                     print JSON (ls, types)
${CONNECTION_USAGE}`;

function reference(text: string | undefined, action: string): [string, string] {
  const [slug, name, ...rest] = (text ?? '').split('/');
  const valid =
    rest.length === 0 && BlockSlugSchema.safeParse(slug).success && BlockSlugSchema.safeParse(name).success;
  if (!valid) {
    throw new UsageError(
      `edgeflow block ${action} needs <type>/<name> (lowercase letters, digits and dashes), e.g. secret/db-password.\n\n${USAGE}`,
    );
  }
  return [slug!, name!];
}

function dataFrom(text: string | undefined): Record<string, unknown> {
  const source = text === undefined || text === '-' ? readFileSync(0, 'utf8') : text;
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch {
    throw new UsageError('edgeflow block create: DATA must be a JSON object, e.g. {"value": "..."}');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError('edgeflow block create: DATA must be a JSON object, e.g. {"value": "..."}');
  }
  return data as Record<string, unknown>;
}

async function create(
  client: EdgeflowClient,
  ref: [string, string],
  data: Record<string, unknown>,
  overwrite: boolean,
) {
  const [slug, name] = ref;
  const type = await client.blocks.readType(slug);
  const [schema] = await client.blocks.schemasOf(type.id);
  if (!schema) throw new UsageError(`Block type ${slug} has no schema to store a document with.`);
  try {
    await client.blocks.create({ name, data, block_type_id: type.id, block_schema_id: schema.id });
    return `created block ${slug}/${name}`;
  } catch (error) {
    if (!(overwrite && error instanceof ApiError && error.status === 409)) throw error;
  }
  const existing = await client.blocks.read(slug, name);
  await client.blocks.update(existing.id, { data, merge_existing_data: false, block_schema_id: schema.id });
  return `updated block ${slug}/${name}`;
}

const line = (document: BlockDocument) => [
  `${document.block_type?.slug ?? '?'}/${document.name}`,
  dateTime(document.updated),
  document.id,
];

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      type: { type: 'string', multiple: true },
      overwrite: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, target, data] = positionals;
  const client = connect(values);
  switch (action) {
    case 'ls': {
      const documents = await client.blocks.list(
        values.type ? { block_types: { slug: { any_: values.type } } } : {},
      );
      if (values.json) for (const document of documents) console.log(JSON.stringify(document));
      else console.log(table(['BLOCK', 'UPDATED', 'ID'], documents.map(line)));
      return 0;
    }
    case 'types': {
      const types = await client.blocks.listTypes();
      if (values.json) for (const type of types) console.log(JSON.stringify(type));
      else
        console.log(
          table(
            ['SLUG', 'NAME', 'SYSTEM'],
            types.map((type) => [type.slug, type.name, type.is_protected ? 'yes' : '-']),
          ),
        );
      return 0;
    }
    case 'inspect': {
      const [slug, name] = reference(target, 'inspect');
      console.log(JSON.stringify(await client.blocks.read(slug, name), null, 2));
      return 0;
    }
    case 'create':
      console.log(await create(client, reference(target, 'create'), dataFrom(data), values.overwrite));
      return 0;
    case 'delete': {
      const [slug, name] = reference(target, 'delete');
      await client.blocks.remove((await client.blocks.read(slug, name)).id);
      console.log(`deleted block ${slug}/${name}`);
      return 0;
    }
    default:
      throw new UsageError(USAGE);
  }
}

export const blockCommand: Command = {
  name: 'block',
  summary: 'list, inspect, create and delete block documents',
  usage: USAGE,
  run,
};
