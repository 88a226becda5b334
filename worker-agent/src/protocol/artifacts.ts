// Artifacts in Prefect's shapes: outputs a flow run publishes (markdown, tables, links, progress,
// images), versioned by key (docs/artifacts.md).
import { z } from 'zod';
import { IsoDateTimeSchema, UuidSchema } from './common.ts';
import { AndOperatorSchema } from './flows.ts';

export const ARTIFACT_TYPES = ['markdown', 'table', 'link', 'progress', 'image'] as const;
export const ArtifactTypeSchema = z.enum(ARTIFACT_TYPES);
export type ArtifactType = z.infer<typeof ArtifactTypeSchema>;

/** The most JSON one artifact's data may hold; past 32 KB it is kept in R2 (docs/artifacts.md). */
export const MAX_ARTIFACT_DATA_CHARS = 1_000_000;

/** Prefect's artifact keys: lowercase letters, numbers and dashes. */
export const ArtifactKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-z0-9-]+$/, 'may hold only lowercase letters, numbers and dashes');

const ArtifactDataSchema = z
  .unknown()
  .refine((data): boolean => data !== undefined, 'is required')
  .refine((data): boolean => {
    const text = JSON.stringify(data);
    return text !== undefined && text.length <= MAX_ARTIFACT_DATA_CHARS;
  }, `must be JSON of at most ${MAX_ARTIFACT_DATA_CHARS} characters`);

const MetadataSchema = z.record(z.string().max(255), z.string().max(5_000)).nullish();
const DescriptionSchema = z.string().max(50_000).nullish();

export const ArtifactCreateSchema = z.object({
  /** Chosen by the SDK, so a resent report batch stores it once. */
  id: UuidSchema.optional(),
  key: ArtifactKeySchema.nullish(),
  type: ArtifactTypeSchema,
  description: DescriptionSchema,
  data: ArtifactDataSchema,
  metadata_: MetadataSchema,
  flow_run_id: UuidSchema.nullish(),
  task_run_id: UuidSchema.nullish(),
});
export type ArtifactCreate = z.infer<typeof ArtifactCreateSchema>;

/** Prefect's `ArtifactUpdate`: how a progress artifact moves. */
export const ArtifactUpdateSchema = z.object({
  data: ArtifactDataSchema.optional(),
  description: DescriptionSchema,
  metadata_: MetadataSchema,
});
export type ArtifactUpdate = z.infer<typeof ArtifactUpdateSchema>;

/** A progress artifact's new value, sent in a report batch. */
export const ArtifactProgressSchema = z.object({
  id: UuidSchema,
  progress: z.number().min(0).max(100),
});
export type ArtifactProgress = z.infer<typeof ArtifactProgressSchema>;

export const ArtifactSchema = z.object({
  id: UuidSchema,
  created: IsoDateTimeSchema,
  updated: IsoDateTimeSchema,
  key: z.string().nullable(),
  type: z.string(),
  description: z.string().nullable(),
  data: z.unknown(),
  metadata_: z.record(z.string(), z.string()).nullable(),
  flow_run_id: z.string().nullable(),
  task_run_id: z.string().nullable(),
});
export type Artifact = z.infer<typeof ArtifactSchema>;

/** Prefect's `ArtifactCollection`: a key's latest version (`latest_id`). */
export const ArtifactCollectionSchema = ArtifactSchema.extend({ latest_id: UuidSchema, key: z.string() });
export type ArtifactCollection = z.infer<typeof ArtifactCollectionSchema>;

const AnyOf = <T extends z.ZodType>(item: T) => z.array(item).max(200).nullish();

/**
 * Prefect's `read_artifacts(flow_run_filter=…, task_run_filter=…)`: the runs' ids narrow the artifacts to
 * theirs. Any other run field is refused rather than ignored, which would answer every artifact.
 */
const RunIdFilterSchema = z
  .object({
    operator: AndOperatorSchema,
    id: z
      .object({ any_: AnyOf(UuidSchema) })
      .strict()
      .nullish(),
  })
  .strict()
  .nullish();

export const ArtifactFilterBodySchema = z.object({
  artifacts: z
    .object({
      id: z.object({ any_: AnyOf(UuidSchema) }).nullish(),
      key: z
        .object({
          any_: AnyOf(z.string().max(255)),
          like_: z.string().max(255).nullish(),
          exists_: z.boolean().nullish(),
        })
        .nullish(),
      type: z.object({ any_: AnyOf(z.string().max(50)), not_any_: AnyOf(z.string().max(50)) }).nullish(),
      flow_run_id: z.object({ any_: AnyOf(UuidSchema) }).nullish(),
      task_run_id: z.object({ any_: AnyOf(UuidSchema) }).nullish(),
    })
    .nullish(),
  flow_runs: RunIdFilterSchema,
  task_runs: RunIdFilterSchema,
  sort: z.enum(['CREATED_DESC', 'UPDATED_DESC', 'ID_DESC', 'KEY_DESC', 'KEY_ASC']).default('CREATED_DESC'),
  offset: z.number().int().min(0).max(1_000_000).nullish(),
  limit: z.number().int().min(1).max(200).nullish(),
});
export type ArtifactFilterBody = z.infer<typeof ArtifactFilterBodySchema>;
