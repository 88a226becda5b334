// Flows: a named function known to the server; runs and deployments hang off it.
import { z } from 'zod';
import {
  IsoDateTimeSchema,
  LikeTextSchema,
  LimitSchema,
  NameSchema,
  OffsetSchema,
  TagsSchema,
  UuidSchema,
} from './common.ts';

export const FlowCreateSchema = z.object({
  name: NameSchema,
  tags: TagsSchema.default([]),
});
export type FlowCreate = z.infer<typeof FlowCreateSchema>;

export const FlowSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  name: z.string(),
  tags: z.array(z.string()),
});
export type Flow = z.infer<typeof FlowSchema>;

/** Prefect's client always sends its filters' `operator`; these filters combine with and_ only. */
export const AndOperatorSchema = z.literal('and_').optional();

export const FlowFilterSchema = z
  .object({
    operator: AndOperatorSchema,
    id: z.object({ any_: z.array(UuidSchema).max(200).optional() }).optional(),
    name: z
      .object({ any_: z.array(z.string()).max(200).optional(), like_: LikeTextSchema.optional() })
      .optional(),
    tags: z.object({ all_: TagsSchema.optional() }).optional(),
  })
  .strict();
export type FlowFilter = z.infer<typeof FlowFilterSchema>;

export const FlowFilterBodySchema = z.object({
  flows: FlowFilterSchema.optional(),
  sort: z.enum(['NAME_ASC', 'NAME_DESC', 'CREATED_DESC']).default('NAME_ASC'),
  limit: LimitSchema.default(200),
  offset: OffsetSchema.default(0),
});
export type FlowFilterBody = z.infer<typeof FlowFilterBodySchema>;
