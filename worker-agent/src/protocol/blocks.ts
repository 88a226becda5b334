// Blocks, in Prefect's shapes: a block type, its schemas (JSON schema plus secret fields), and the
// documents that hold a block's data. Prefect's client needs them as soon as a task result is cached.
import { z } from 'zod';
import {
  IsoDateTimeSchema,
  JsonObjectInputSchema,
  JsonObjectSchema,
  NameSchema,
  UuidSchema,
} from './common.ts';

/** Prefect's `slug` and document names: lowercase letters, numbers and dashes. */
export const BlockSlugSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9-]+$/, 'may hold only lowercase letters, numbers and dashes');

const OptionalText = z.string().max(100_000).nullish();

export const BlockTypeCreateSchema = z.object({
  name: NameSchema,
  slug: BlockSlugSchema,
  logo_url: OptionalText,
  documentation_url: OptionalText,
  description: OptionalText,
  code_example: OptionalText,
});
export type BlockTypeCreate = z.infer<typeof BlockTypeCreateSchema>;

export const BlockTypeUpdateSchema = BlockTypeCreateSchema.omit({ name: true, slug: true });
export type BlockTypeUpdate = z.infer<typeof BlockTypeUpdateSchema>;

export const BlockTypeSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  name: z.string(),
  slug: z.string(),
  logo_url: z.string().nullable(),
  documentation_url: z.string().nullable(),
  description: z.string().nullable(),
  code_example: z.string().nullable(),
  is_protected: z.boolean(),
});
export type BlockType = z.infer<typeof BlockTypeSchema>;

/** Prefect's version for schemas registered without one. */
export const DEFAULT_BLOCK_SCHEMA_VERSION = 'non-versioned';

export const BlockSchemaCreateSchema = z.object({
  /** The block's JSON schema, with `block_type_slug`, `secret_fields` and `block_schema_references`. */
  fields: JsonObjectInputSchema,
  block_type_id: UuidSchema,
  capabilities: z.array(z.string().max(200)).max(100).default([]),
  version: z.string().min(1).max(100).default(DEFAULT_BLOCK_SCHEMA_VERSION),
});
export type BlockSchemaCreate = z.infer<typeof BlockSchemaCreateSchema>;

export const BlockSchemaSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  /** `sha256:<hex>`, computed as Prefect's client computes it, so its look-up by checksum finds it. */
  checksum: z.string(),
  fields: JsonObjectSchema,
  block_type_id: UuidSchema,
  block_type: BlockTypeSchema.nullable(),
  capabilities: z.array(z.string()),
  version: z.string(),
});
export type BlockSchema = z.infer<typeof BlockSchemaSchema>;

export const BlockDocumentCreateSchema = z.object({
  /** Null or absent for an anonymous document (the server names it `anonymous-<uuid>`). */
  name: BlockSlugSchema.nullish(),
  data: JsonObjectInputSchema.default({}),
  block_schema_id: UuidSchema,
  block_type_id: UuidSchema,
  is_anonymous: z.boolean().default(false),
});
export type BlockDocumentCreate = z.infer<typeof BlockDocumentCreateSchema>;

export const BlockDocumentUpdateSchema = z.object({
  data: JsonObjectInputSchema.default({}),
  /** Prefect's default: the new data is merged over the stored data, key by key. */
  merge_existing_data: z.boolean().default(true),
  block_schema_id: UuidSchema.nullish(),
});
export type BlockDocumentUpdate = z.infer<typeof BlockDocumentUpdateSchema>;

export const BlockDocumentSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  name: z.string(),
  /** Secret fields read `********` unless the reader asked for secrets and may see them. */
  data: JsonObjectSchema,
  block_schema_id: UuidSchema,
  block_schema: BlockSchemaSchema.nullable(),
  block_type_id: UuidSchema,
  block_type_name: z.string().nullable(),
  block_type: BlockTypeSchema.nullable(),
  block_document_references: JsonObjectSchema,
  is_anonymous: z.boolean(),
});
export type BlockDocument = z.infer<typeof BlockDocumentSchema>;

const Paging = {
  limit: z.number().int().min(1).max(200).nullish(),
  offset: z.number().int().min(0).nullish(),
};
const AnyOf = (item: z.ZodType<string>) => z.object({ any_: z.array(item).max(200).nullish() }).nullish();

/** Prefect's filter bodies, as its client sends them: unset fields arrive as null. */
export const BlockTypeFilterBodySchema = z.object({
  block_types: z
    .object({ name: z.object({ like_: z.string().max(200).nullish() }).nullish(), slug: AnyOf(z.string()) })
    .nullish(),
  ...Paging,
});
export type BlockTypeFilterBody = z.infer<typeof BlockTypeFilterBodySchema>;

export const BlockSchemaFilterBodySchema = z.object({
  block_schemas: z.object({ block_type_id: AnyOf(UuidSchema), version: AnyOf(z.string()) }).nullish(),
  ...Paging,
});
export type BlockSchemaFilterBody = z.infer<typeof BlockSchemaFilterBodySchema>;

export const BlockDocumentFilterBodySchema = z.object({
  block_documents: z
    .object({
      id: AnyOf(UuidSchema),
      name: AnyOf(z.string()),
      is_anonymous: z.object({ eq_: z.boolean().nullish() }).nullish(),
      block_type_id: AnyOf(UuidSchema),
    })
    .nullish(),
  block_types: z.object({ slug: AnyOf(z.string()) }).nullish(),
  include_secrets: z.boolean().default(false),
  ...Paging,
});
export type BlockDocumentFilterBody = z.infer<typeof BlockDocumentFilterBodySchema>;
