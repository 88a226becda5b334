// Artifacts in D1: one row per version; a key's latest is its highest seq. A row holds its data's
// JSON text, or the R2 key it went to (the caller moves the data; docs/artifacts.md).
import {
  and,
  asc,
  count,
  desc,
  eq,
  inArray,
  isNotNull,
  isNull,
  notInArray,
  type SQL,
  sql,
} from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { Artifact, ArtifactFilterBody } from 'edgeflow/protocol';
import { likeSubstring } from './filters';
import { artifacts } from './schema';

export type ArtifactRow = typeof artifacts.$inferSelect;
export type NewArtifactRow = typeof artifacts.$inferInsert;

/** The row's fields but its data: the caller reads the data from the row or from R2. */
export const artifactOf = (row: ArtifactRow, data: unknown): Artifact => ({
  id: row.id,
  created: row.created,
  updated: row.updated,
  key: row.key,
  type: row.type,
  description: row.description,
  data,
  metadata_: row.metadata ?? null,
  flow_run_id: row.flowRunId,
  task_run_id: row.taskRunId,
});

/**
 * Stores versions and moves a run's progress artifacts, in one D1 batch. An id already stored (a
 * resent report batch) is left as it is; a progress update for an artifact that is not one of the
 * run's progress artifacts changes nothing.
 */
export async function writeArtifactRows(
  database: D1Database,
  rows: NewArtifactRow[],
  progress: { flowRunId: string; updates: { id: string; progress: number }[]; now: Date } | null,
): Promise<void> {
  const db = drizzle(database);
  const statements = [
    ...rows.map((row) => db.insert(artifacts).values(row).onConflictDoNothing()),
    ...(progress?.updates ?? []).map(({ id, progress: value }) =>
      db
        .update(artifacts)
        .set({ data: JSON.stringify(value), updated: progress!.now.toISOString() })
        .where(
          and(
            eq(artifacts.id, id),
            eq(artifacts.type, 'progress'),
            eq(artifacts.flowRunId, progress!.flowRunId),
          ),
        ),
    ),
  ];
  if (statements.length === 0) return;
  await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
}

export async function readArtifactRow(database: D1Database, id: string): Promise<ArtifactRow | null> {
  const [row] = await drizzle(database).select().from(artifacts).where(eq(artifacts.id, id)).limit(1);
  return row ?? null;
}

export async function readLatestArtifactRow(database: D1Database, key: string): Promise<ArtifactRow | null> {
  const [row] = await drizzle(database)
    .select()
    .from(artifacts)
    .where(eq(artifacts.key, key))
    .orderBy(desc(artifacts.seq))
    .limit(1);
  return row ?? null;
}

export async function updateArtifactRow(
  database: D1Database,
  id: string,
  fields: Pick<ArtifactRow, 'data' | 'dataKey' | 'description' | 'metadata' | 'updated'>,
): Promise<void> {
  await drizzle(database).update(artifacts).set(fields).where(eq(artifacts.id, id));
}

/** Deletes the version; returns its row (for its R2 data), or null when there was none. */
export async function deleteArtifactRow(database: D1Database, id: string): Promise<ArtifactRow | null> {
  const [row] = await drizzle(database).delete(artifacts).where(eq(artifacts.id, id)).returning();
  return row ?? null;
}

function conditions(body: ArtifactFilterBody): SQL[] {
  const filter = body.artifacts;
  const out: SQL[] = [];
  if (filter?.id?.any_) out.push(inArray(artifacts.id, filter.id.any_));
  if (filter?.key?.any_) out.push(inArray(artifacts.key, filter.key.any_));
  if (filter?.key?.like_) out.push(likeSubstring(sql`${artifacts.key}`, filter.key.like_));
  if (filter?.key?.exists_ === true) out.push(isNotNull(artifacts.key));
  if (filter?.key?.exists_ === false) out.push(isNull(artifacts.key));
  if (filter?.type?.any_) out.push(inArray(artifacts.type, filter.type.any_));
  if (filter?.type?.not_any_) out.push(notInArray(artifacts.type, filter.type.not_any_));
  if (filter?.flow_run_id?.any_) out.push(inArray(artifacts.flowRunId, filter.flow_run_id.any_));
  if (filter?.task_run_id?.any_) out.push(inArray(artifacts.taskRunId, filter.task_run_id.any_));
  if (body.flow_runs?.id?.any_) out.push(inArray(artifacts.flowRunId, body.flow_runs.id.any_));
  if (body.task_runs?.id?.any_) out.push(inArray(artifacts.taskRunId, body.task_runs.id.any_));
  return out;
}

const ORDER = {
  CREATED_DESC: [desc(artifacts.seq)],
  UPDATED_DESC: [desc(artifacts.updated), desc(artifacts.seq)],
  ID_DESC: [desc(artifacts.id)],
  KEY_DESC: [desc(artifacts.key), desc(artifacts.seq)],
  KEY_ASC: [asc(artifacts.key), desc(artifacts.seq)],
} as const;

/** Only each key's newest version (keyless artifacts have no collection). */
const latestOnly = sql`${artifacts.seq} IN (SELECT max(seq) FROM artifacts WHERE key IS NOT NULL GROUP BY key)`;

export async function filterArtifactRows(
  database: D1Database,
  body: ArtifactFilterBody,
  { latest = false }: { latest?: boolean } = {},
): Promise<ArtifactRow[]> {
  const where = [...conditions(body), ...(latest ? [latestOnly] : [])];
  return drizzle(database)
    .select()
    .from(artifacts)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(...ORDER[body.sort])
    .limit(body.limit ?? 200)
    .offset(body.offset ?? 0);
}

export async function countArtifactRows(
  database: D1Database,
  body: ArtifactFilterBody,
  { latest = false }: { latest?: boolean } = {},
): Promise<number> {
  const where = [...conditions(body), ...(latest ? [latestOnly] : [])];
  const [row] = await drizzle(database)
    .select({ n: count() })
    .from(artifacts)
    .where(where.length > 0 ? and(...where) : undefined);
  return row?.n ?? 0;
}
