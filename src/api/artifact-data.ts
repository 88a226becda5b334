// Artifacts between the API and storage: checks each create against its type, keeps large data in
// R2 and reads it back (docs/artifacts.md). Shared by the artifact routes and the report batches.
import type { Artifact, ArtifactCreate, ArtifactProgress } from 'edgeflow/protocol';
import { type ArtifactRow, artifactOf, type NewArtifactRow, writeArtifactRows } from '../db/artifacts';
import { artifactDataProblem, keepsDataInR2, newArtifact } from '../domain/artifacts';
import type { Env } from '../env';
import { ApiError } from './errors';

const dataKeyOf = (id: string) => `artifacts/${id}.json`;

/** The row for `artifact`, its data put in R2 first when it is large. */
export async function artifactRow(env: Env, artifact: Artifact): Promise<NewArtifactRow> {
  const text = JSON.stringify(artifact.data);
  const inR2 = keepsDataInR2(text);
  if (inR2) await env.RESULTS.put(dataKeyOf(artifact.id), text);
  return {
    id: artifact.id,
    key: artifact.key,
    type: artifact.type,
    description: artifact.description,
    data: inR2 ? null : text,
    dataKey: inR2 ? dataKeyOf(artifact.id) : null,
    metadata: artifact.metadata_,
    flowRunId: artifact.flow_run_id,
    taskRunId: artifact.task_run_id,
    created: artifact.created,
    updated: artifact.updated,
  };
}

/** The artifact a row holds, its data read from R2 when it went there. */
export async function artifactFromRow(env: Env, row: ArtifactRow): Promise<Artifact> {
  if (row.dataKey === null) return artifactOf(row, row.data === null ? null : JSON.parse(row.data));
  const object = await env.RESULTS.get(row.dataKey);
  return artifactOf(row, object ? JSON.parse(await object.text()) : null);
}

export async function deleteArtifactData(env: Env, row: ArtifactRow): Promise<void> {
  if (row.dataKey) await env.RESULTS.delete(row.dataKey);
}

/**
 * Every create checked against its type and made an artifact, before anything is written: a refused
 * one throws the 422 naming it (`<fieldPrefix>data`), so a batch is stored whole or not at all.
 */
export function checkedArtifacts(
  creates: ArtifactCreate[],
  { now, fieldPrefix, flowRunId }: { now: Date; fieldPrefix: (index: number) => string; flowRunId?: string },
): Artifact[] {
  return creates.map((input, index) => {
    const problem = artifactDataProblem(input.type, input.data);
    if (problem) throw new ApiError(422, 'artifact.invalid_data', problem, `${fieldPrefix(index)}data`);
    const linked = flowRunId ? { ...input, flow_run_id: flowRunId } : input;
    return newArtifact(linked, input.id ?? crypto.randomUUID(), now);
  });
}

/** Stores new versions and a run's progress updates in one D1 batch (large data to R2 first). */
export async function saveArtifacts(
  env: Env,
  artifacts: Artifact[],
  progress: { flowRunId: string; updates: ArtifactProgress[]; now: Date } | null = null,
): Promise<void> {
  const rows = await Promise.all(artifacts.map((artifact) => artifactRow(env, artifact)));
  await writeArtifactRows(env.DB, rows, progress);
}
