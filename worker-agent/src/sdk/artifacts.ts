// Prefect's artifact helpers: each makes an artifact linked to the current flow run and task run and
// queues it with the run's next report batch, never a request of its own (docs/artifacts.md).
import { randomUUID } from 'node:crypto';
import { type ArtifactCreate, ArtifactCreateSchema, ArtifactProgressSchema } from '../protocol/index.ts';
import { currentRun } from './context.ts';

export interface ArtifactOptions {
  /** Lowercase letters, numbers and dashes; each create under a key is a new version. */
  key?: string;
  description?: string;
}

function queue(name: string, fields: Omit<ArtifactCreate, 'id'>): string {
  const run = currentRun();
  if (!run?.taskRunner)
    throw new Error(`${name}() is called inside a flow run (it sends with the run’s reports).`);
  const parsed = ArtifactCreateSchema.safeParse({
    ...fields,
    id: randomUUID(),
    flow_run_id: run.flowRun.id,
    task_run_id: run.taskRun?.id ?? null,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TypeError(`${name}: invalid ${issue.path.join('.') || 'artifact'}: ${issue.message}`);
  }
  run.taskRunner.sendArtifact(parsed.data);
  return parsed.data.id!;
}

/** A markdown artifact; returns its id. */
export function createMarkdownArtifact(markdown: string, options: ArtifactOptions = {}): string {
  if (typeof markdown !== 'string') throw new TypeError('createMarkdownArtifact: markdown is a string');
  return queue('createMarkdownArtifact', { type: 'markdown', data: markdown, ...options });
}

/** A table: a list of rows (objects), an object of columns (lists), or a list of lists. */
export function createTableArtifact(
  table: Record<string, unknown>[] | Record<string, unknown[]> | unknown[][],
  options: ArtifactOptions = {},
): string {
  const rows = Array.isArray(table) && (table.every(isPlainObject) || table.every(Array.isArray));
  const columns = isPlainObject(table) && Object.values(table).every(Array.isArray);
  if (!rows && !columns)
    throw new TypeError(
      'createTableArtifact: a table is a list of rows, an object of columns or a list of lists',
    );
  return queue('createTableArtifact', { type: 'table', data: table, ...options });
}

/** A link, stored as Prefect stores it: markdown `[text](url)`. */
export function createLinkArtifact(
  url: string,
  options: ArtifactOptions & { linkText?: string } = {},
): string {
  const { linkText, ...rest } = options;
  if (!/^https?:\/\//i.test(url)) throw new TypeError('createLinkArtifact: url is an http(s) URL');
  return queue('createLinkArtifact', {
    type: 'link',
    data: linkText ? `[${linkText}](${url})` : url,
    ...rest,
  });
}

/** An image shown from its public http(s) URL. */
export function createImageArtifact(imageUrl: string, options: ArtifactOptions = {}): string {
  if (!/^https?:\/\//i.test(imageUrl)) throw new TypeError('createImageArtifact: imageUrl is an http(s) URL');
  return queue('createImageArtifact', { type: 'image', data: imageUrl, ...options });
}

/** A progress artifact (0 to 100); move it with `updateProgressArtifact(id, progress)`. */
export function createProgressArtifact(progress: number, options: ArtifactOptions = {}): string {
  checkProgress('createProgressArtifact', progress);
  return queue('createProgressArtifact', { type: 'progress', data: progress, ...options });
}

/** Moves a progress artifact of this flow run; sent with the run's next report batch. */
export function updateProgressArtifact(artifactId: string, progress: number): void {
  checkProgress('updateProgressArtifact', progress);
  const run = currentRun();
  if (!run?.taskRunner) throw new Error('updateProgressArtifact() is called inside a flow run.');
  run.taskRunner.sendArtifactProgress(ArtifactProgressSchema.parse({ id: artifactId, progress }));
}

function checkProgress(name: string, progress: number): void {
  if (typeof progress !== 'number' || !Number.isFinite(progress) || progress < 0 || progress > 100)
    throw new TypeError(`${name}: progress is a number from 0 to 100`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
