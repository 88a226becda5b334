// Block types, schemas and documents in D1. Document data arrives and leaves sealed: the caller
// encrypts and decrypts it (src/api/block-data.ts), so no plain secret is written here.
import { and, asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type {
  BlockDocumentFilterBody,
  BlockSchema,
  BlockSchemaCreate,
  BlockSchemaFilterBody,
  BlockType,
  BlockTypeCreate,
  BlockTypeFilterBody,
  BlockTypeUpdate,
} from 'edgeflow/protocol';
import { likeSubstring } from './filters';
import { blockDocuments, blockSchemas, blockTypes } from './schema';

type BlockTypeRow = typeof blockTypes.$inferSelect;
type BlockSchemaRow = typeof blockSchemas.$inferSelect;
export type BlockDocumentRow = typeof blockDocuments.$inferSelect;

const toBlockType = (row: BlockTypeRow): BlockType => ({
  id: row.id,
  created: row.created,
  updated: row.updated,
  name: row.name,
  slug: row.slug,
  logo_url: row.logoUrl,
  documentation_url: row.documentationUrl,
  description: row.description,
  code_example: row.codeExample,
  is_protected: row.isProtected,
});

const toBlockSchema = (row: BlockSchemaRow, type: BlockType | null): BlockSchema => ({
  id: row.id,
  created: row.created,
  updated: row.updated,
  checksum: row.checksum,
  fields: row.fields,
  block_type_id: row.blockTypeId,
  block_type: type,
  capabilities: row.capabilities,
  version: row.version,
});

const page = (body: { limit?: number | null; offset?: number | null }) => ({
  limit: body.limit ?? 200,
  offset: body.offset ?? 0,
});

/** Creates the block type; null when its slug is taken. */
export async function insertBlockType(
  database: D1Database,
  input: BlockTypeCreate,
  now: Date,
): Promise<BlockType | null> {
  const at = now.toISOString();
  const [row] = await drizzle(database)
    .insert(blockTypes)
    .values({
      id: crypto.randomUUID(),
      name: input.name,
      slug: input.slug,
      logoUrl: input.logo_url ?? null,
      documentationUrl: input.documentation_url ?? null,
      description: input.description ?? null,
      codeExample: input.code_example ?? null,
      created: at,
      updated: at,
    })
    .onConflictDoNothing({ target: blockTypes.slug })
    .returning();
  return row ? toBlockType(row) : null;
}

export async function readBlockType(
  database: D1Database,
  by: { id: string } | { slug: string },
): Promise<BlockType | null> {
  const where = 'id' in by ? eq(blockTypes.id, by.id) : eq(blockTypes.slug, by.slug);
  const [row] = await drizzle(database).select().from(blockTypes).where(where).limit(1);
  return row ? toBlockType(row) : null;
}

/** Changes the descriptive fields sent; false when there is no such type. */
export async function updateBlockType(
  database: D1Database,
  id: string,
  input: BlockTypeUpdate,
  now: Date,
): Promise<boolean> {
  const changes = {
    ...(input.logo_url !== undefined ? { logoUrl: input.logo_url } : {}),
    ...(input.documentation_url !== undefined ? { documentationUrl: input.documentation_url } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.code_example !== undefined ? { codeExample: input.code_example } : {}),
  };
  const rows = await drizzle(database)
    .update(blockTypes)
    .set({ ...changes, updated: now.toISOString() })
    .where(eq(blockTypes.id, id))
    .returning({ id: blockTypes.id });
  return rows.length > 0;
}

export async function filterBlockTypes(
  database: D1Database,
  body: BlockTypeFilterBody,
): Promise<BlockType[]> {
  const conditions: SQL[] = [];
  const filter = body.block_types;
  if (filter?.name?.like_) conditions.push(likeSubstring(sql`${blockTypes.name}`, filter.name.like_));
  if (filter?.slug?.any_) conditions.push(inArray(blockTypes.slug, filter.slug.any_));
  const { limit, offset } = page(body);
  const rows = await drizzle(database)
    .select()
    .from(blockTypes)
    .where(and(...conditions))
    .orderBy(asc(blockTypes.name))
    .limit(limit)
    .offset(offset);
  return rows.map(toBlockType);
}

/** Creates the schema, or returns the one with the same (checksum, version). */
export async function upsertBlockSchema(
  database: D1Database,
  input: BlockSchemaCreate & { checksum: string },
  type: BlockType,
  now: Date,
): Promise<{ created: boolean; schema: BlockSchema }> {
  const db = drizzle(database);
  const at = now.toISOString();
  const [row] = await db
    .insert(blockSchemas)
    .values({
      id: crypto.randomUUID(),
      checksum: input.checksum,
      fields: input.fields,
      blockTypeId: input.block_type_id,
      capabilities: input.capabilities,
      version: input.version,
      created: at,
      updated: at,
    })
    .onConflictDoNothing({ target: [blockSchemas.checksum, blockSchemas.version] })
    .returning();
  if (row) return { created: true, schema: toBlockSchema(row, type) };
  const existing = await readBlockSchema(database, { checksum: input.checksum, version: input.version });
  return { created: false, schema: existing! };
}

/** By id, or by checksum (the newest schema with it, or the one of `version`). */
export async function readBlockSchema(
  database: D1Database,
  by: { id: string } | { checksum: string; version?: string | undefined },
): Promise<BlockSchema | null> {
  const where =
    'id' in by
      ? eq(blockSchemas.id, by.id)
      : and(
          eq(blockSchemas.checksum, by.checksum),
          by.version === undefined ? undefined : eq(blockSchemas.version, by.version),
        );
  const [row] = await drizzle(database)
    .select()
    .from(blockSchemas)
    .where(where)
    .orderBy(desc(blockSchemas.created))
    .limit(1);
  if (!row) return null;
  return toBlockSchema(row, await readBlockType(database, { id: row.blockTypeId }));
}

export async function filterBlockSchemas(
  database: D1Database,
  body: BlockSchemaFilterBody,
): Promise<BlockSchema[]> {
  const conditions: SQL[] = [];
  const filter = body.block_schemas;
  if (filter?.block_type_id?.any_)
    conditions.push(inArray(blockSchemas.blockTypeId, filter.block_type_id.any_));
  if (filter?.version?.any_) conditions.push(inArray(blockSchemas.version, filter.version.any_));
  const { limit, offset } = page(body);
  const rows = await drizzle(database)
    .select({ schema: blockSchemas, type: blockTypes })
    .from(blockSchemas)
    .leftJoin(blockTypes, eq(blockTypes.id, blockSchemas.blockTypeId))
    .where(and(...conditions))
    .orderBy(desc(blockSchemas.created))
    .limit(limit)
    .offset(offset);
  return rows.map(({ schema, type }) => toBlockSchema(schema, type && toBlockType(type)));
}

/** Stores the document; null when its type already has a document of that name. */
export async function insertBlockDocument(
  database: D1Database,
  row: BlockDocumentRow,
): Promise<BlockDocumentRow | null> {
  const [inserted] = await drizzle(database)
    .insert(blockDocuments)
    .values(row)
    .onConflictDoNothing({ target: [blockDocuments.blockTypeId, blockDocuments.name] })
    .returning();
  return inserted ?? null;
}

export async function readBlockDocumentRow(
  database: D1Database,
  id: string,
): Promise<BlockDocumentRow | null> {
  const [row] = await drizzle(database)
    .select()
    .from(blockDocuments)
    .where(eq(blockDocuments.id, id))
    .limit(1);
  return row ?? null;
}

export async function readBlockDocumentRowByName(
  database: D1Database,
  typeSlug: string,
  name: string,
): Promise<BlockDocumentRow | null> {
  const [row] = await drizzle(database)
    .select({ document: blockDocuments })
    .from(blockDocuments)
    .innerJoin(blockTypes, eq(blockTypes.id, blockDocuments.blockTypeId))
    .where(and(eq(blockTypes.slug, typeSlug), eq(blockDocuments.name, name)))
    .limit(1);
  return row?.document ?? null;
}

export async function updateBlockDocumentRow(
  database: D1Database,
  id: string,
  changes: Pick<BlockDocumentRow, 'dataCipher' | 'blockSchemaId' | 'updated'>,
): Promise<void> {
  await drizzle(database).update(blockDocuments).set(changes).where(eq(blockDocuments.id, id));
}

export async function deleteBlockDocumentRow(database: D1Database, id: string): Promise<boolean> {
  const rows = await drizzle(database)
    .delete(blockDocuments)
    .where(eq(blockDocuments.id, id))
    .returning({ id: blockDocuments.id });
  return rows.length > 0;
}

export async function filterBlockDocumentRows(
  database: D1Database,
  body: BlockDocumentFilterBody,
): Promise<BlockDocumentRow[]> {
  const conditions: SQL[] = [];
  const filter = body.block_documents;
  if (filter?.id?.any_) conditions.push(inArray(blockDocuments.id, filter.id.any_));
  if (filter?.name?.any_) conditions.push(inArray(blockDocuments.name, filter.name.any_));
  if (filter?.block_type_id?.any_)
    conditions.push(inArray(blockDocuments.blockTypeId, filter.block_type_id.any_));
  // Prefect lists named documents unless asked for anonymous ones.
  conditions.push(eq(blockDocuments.isAnonymous, filter?.is_anonymous?.eq_ ?? false));
  if (body.block_types?.slug?.any_) conditions.push(inArray(blockTypes.slug, body.block_types.slug.any_));
  const { limit, offset } = page(body);
  const rows = await drizzle(database)
    .select({ document: blockDocuments })
    .from(blockDocuments)
    .innerJoin(blockTypes, eq(blockTypes.id, blockDocuments.blockTypeId))
    .where(and(...conditions))
    .orderBy(asc(blockDocuments.name))
    .limit(limit)
    .offset(offset);
  return rows.map((row) => row.document);
}
