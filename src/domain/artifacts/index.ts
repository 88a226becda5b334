// Artifact rules, pure: what each type's data must be, what a new version and a progress update
// look like, and when data goes to R2 (docs/artifacts.md).
import type { Artifact, ArtifactCreate, ArtifactType, ArtifactUpdate } from 'edgeflow/protocol';

/** Data past this many characters of JSON is kept in R2, so D1 rows and list pages stay small. */
export const INLINE_DATA_CHARS = 32_000;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isHttpUrl = (text: string) => /^https?:\/\/\S+$/i.test(text);

/**
 * Why `data` can't be an artifact of `type`, or null when it can. Tables are Prefect's three forms: a
 * list of rows (objects), an object of columns (lists), or a list of lists.
 */
export function artifactDataProblem(type: ArtifactType, data: unknown): string | null {
  switch (type) {
    case 'markdown':
    case 'link':
      return typeof data === 'string' ? null : `a ${type} artifact's data is a string of markdown`;
    case 'progress':
      return typeof data === 'number' && Number.isFinite(data) && data >= 0 && data <= 100
        ? null
        : "a progress artifact's data is a number from 0 to 100";
    case 'image':
      return typeof data === 'string' && isHttpUrl(data)
        ? null
        : "an image artifact's data is an http(s) URL of the image";
    case 'table': {
      // Prefect's client sends a table as its JSON text (`json.dumps(table)`): the same forms apply.
      if (typeof data === 'string') return artifactDataProblem('table', parsedJson(data) ?? 0);
      if (Array.isArray(data) && (data.every(isRecord) || data.every(Array.isArray))) return null;
      if (isRecord(data) && Object.values(data).every(Array.isArray)) return null;
      return "a table artifact's data is a list of rows (objects), an object of columns (lists) or a list of lists";
    }
  }
}

/** A new version: every create is a row of its own, the latest of its key the newest. */
export function newArtifact(input: ArtifactCreate, id: string, now: Date): Artifact {
  const at = now.toISOString();
  return {
    id,
    created: at,
    updated: at,
    key: input.key ?? null,
    type: input.type,
    description: input.description ?? null,
    data: input.data,
    metadata_: input.metadata_ ?? null,
    flow_run_id: input.flow_run_id ?? null,
    task_run_id: input.task_run_id ?? null,
  };
}

/** The artifact after an update; only progress artifacts change their data in place (as in Prefect). */
export function updatedArtifact(
  existing: Artifact,
  update: ArtifactUpdate,
  now: Date,
): { artifact: Artifact } | { problem: string; field: string } {
  if (update.data !== undefined) {
    if (existing.type !== 'progress')
      return {
        problem: `only progress artifacts are updated in place; this one is ${existing.type}`,
        field: 'data',
      };
    const problem = artifactDataProblem('progress', update.data);
    if (problem) return { problem, field: 'data' };
  }
  return {
    artifact: {
      ...existing,
      data: update.data === undefined ? existing.data : update.data,
      description: update.description === undefined ? existing.description : update.description,
      metadata_: update.metadata_ === undefined ? existing.metadata_ : update.metadata_,
      updated: now.toISOString(),
    },
  };
}

/** Whether the data's JSON text is kept in R2 rather than in its D1 row. */
export const keepsDataInR2 = (jsonText: string) => jsonText.length > INLINE_DATA_CHARS;

/** The value of a JSON text, or undefined when it is not JSON. */
export function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
