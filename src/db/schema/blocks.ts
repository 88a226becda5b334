// Prefect's block types, schemas and documents (docs/blocks.md).
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Prefect's block types: one per block class, found by slug (docs/prefect-compat.md, "Blocks"). */
export const blockTypes = sqliteTable('block_types', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  logoUrl: text('logo_url'),
  documentationUrl: text('documentation_url'),
  description: text('description'),
  codeExample: text('code_example'),
  isProtected: integer('is_protected', { mode: 'boolean' }).notNull().default(false),
  created: text('created').notNull(),
  updated: text('updated').notNull(),
});

/** A block type's JSON schemas, one per (checksum, version). */
export const blockSchemas = sqliteTable(
  'block_schemas',
  {
    id: text('id').primaryKey(),
    checksum: text('checksum').notNull(),
    fields: text('fields', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    blockTypeId: text('block_type_id').notNull(),
    capabilities: text('capabilities', { mode: 'json' }).$type<string[]>().notNull(),
    version: text('version').notNull(),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [
    uniqueIndex('block_schemas_checksum_version').on(t.checksum, t.version),
    index('block_schemas_type').on(t.blockTypeId),
  ],
);

/** Block documents; `data` is kept AES-GCM encrypted whole, as Prefect encrypts it at rest. */
export const blockDocuments = sqliteTable(
  'block_documents',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    blockSchemaId: text('block_schema_id').notNull(),
    blockTypeId: text('block_type_id').notNull(),
    isAnonymous: integer('is_anonymous', { mode: 'boolean' }).notNull(),
    dataCipher: text('data_cipher').notNull(),
    created: text('created').notNull(),
    updated: text('updated').notNull(),
  },
  (t) => [uniqueIndex('block_documents_type_name').on(t.blockTypeId, t.name)],
);
