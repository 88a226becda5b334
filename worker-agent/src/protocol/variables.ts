// Variables in Prefect's shapes: a named JSON value with tags, read by flows at run time
// (docs/variables.md).
import { z } from 'zod';
import { IsoDateTimeSchema, UuidSchema } from './common.ts';

/** Prefect's limits: names up to 255 characters, values up to 5,000 characters of JSON. */
export const MAX_VARIABLE_NAME_LENGTH = 255;
export const MAX_VARIABLE_VALUE_CHARS = 5_000;

/** Prefect's variable names: lowercase letters, numbers, dashes and underscores. */
export const VariableNameSchema = z
  .string()
  .min(1)
  .max(MAX_VARIABLE_NAME_LENGTH)
  .regex(/^[a-z0-9_-]+$/, 'may hold only lowercase letters, numbers, dashes and underscores');

/** Any JSON value (a string, number, boolean, null, list or object) of at most 5,000 characters. */
export const VariableValueSchema = z
  .unknown()
  .refine((value): boolean => value !== undefined, 'is required')
  .refine((value) => {
    const text = JSON.stringify(value);
    return text !== undefined && text.length <= MAX_VARIABLE_VALUE_CHARS;
  }, `must be JSON of at most ${MAX_VARIABLE_VALUE_CHARS} characters`);

const TagsSchema = z.array(z.string().min(1).max(255)).max(100);

export const VariableCreateSchema = z.object({
  name: VariableNameSchema,
  value: VariableValueSchema,
  tags: TagsSchema.default([]),
});
export type VariableCreate = z.infer<typeof VariableCreateSchema>;

export const VariableUpdateSchema = z.object({
  name: VariableNameSchema.optional(),
  value: VariableValueSchema.optional(),
  tags: TagsSchema.optional(),
});
export type VariableUpdate = z.infer<typeof VariableUpdateSchema>;

export const VariableSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  name: z.string(),
  value: z.unknown(),
  tags: z.array(z.string()),
});
export type Variable = z.infer<typeof VariableSchema>;

export const VariableSortSchema = z.enum(['CREATED_DESC', 'UPDATED_DESC', 'NAME_DESC', 'NAME_ASC']);

export const VariableFilterBodySchema = z.object({
  variables: z
    .object({
      id: z.object({ any_: z.array(UuidSchema).max(200).nullish() }).nullish(),
      name: z
        .object({
          any_: z.array(z.string().max(255)).max(200).nullish(),
          like_: z.string().max(255).nullish(),
        })
        .nullish(),
      tags: z.object({ all_: z.array(z.string().max(255)).max(50).nullish() }).nullish(),
    })
    .nullish(),
  sort: VariableSortSchema.default('NAME_ASC'),
  offset: z.number().int().min(0).max(1_000_000).nullish(),
  limit: z.number().int().min(1).max(200).nullish(),
});
export type VariableFilterBody = z.infer<typeof VariableFilterBodySchema>;
