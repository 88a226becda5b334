// Which warm flow-run process may take a run (docs/agent.md, "Warm reuse"): one that ran the same
// entrypoint, from the same file content, with the edgeflow package still at the version it loaded.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseEntrypoint } from './entrypoint.ts';
import type { FlowRunChild, RunEnd } from './flow-run-child.ts';

/** How the agent runs flow runs: `warm` reuses processes, `process` starts one per run. */
export type Isolation = 'warm' | 'process';

export interface WarmReuse {
  /** A process is ended after this many runs, fit or not. */
  maxRunsPerProcess: number;
  /** A process whose resident memory is above this after a run is ended. */
  maxProcessMemoryBytes: number;
}

export const DEFAULT_MAX_RUNS_PER_PROCESS = 100;
export const DEFAULT_MAX_PROCESS_MEMORY_MB = 512;

/** The limits given, the defaults for the rest. */
export function warmReusePolicy(given: Partial<WarmReuse> = {}): WarmReuse {
  return {
    maxRunsPerProcess: given.maxRunsPerProcess ?? DEFAULT_MAX_RUNS_PER_PROCESS,
    maxProcessMemoryBytes: given.maxProcessMemoryBytes ?? DEFAULT_MAX_PROCESS_MEMORY_MB * 2 ** 20,
  };
}

/** What a warm process must match to take a run. */
export interface WarmKey {
  entrypoint: string;
  /** SHA-256 of the entrypoint's file. */
  digest: string;
  /** The edgeflow package installed now. */
  version: string;
}

export function sameWarmKey(a: WarmKey, b: WarmKey): boolean {
  return a.entrypoint === b.entrypoint && a.digest === b.digest && a.version === b.version;
}

/** The installed edgeflow package: the one a freshly started flow-run process loads. */
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

/**
 * The key for a run, read now from disk; null when the run cannot be matched (no entrypoint, a file
 * that does not read): it then goes to a fresh process, which reports the error as the run's.
 */
export async function warmKeyOf(entrypoint: string | null, cwd: string): Promise<WarmKey | null> {
  if (!entrypoint) return null;
  try {
    const { path } = parseEntrypoint(entrypoint);
    const [source, manifest] = await Promise.all([
      readFile(isAbsolute(path) ? path : resolve(cwd, path)),
      readFile(PACKAGE_JSON, 'utf8'),
    ]);
    return {
      entrypoint,
      digest: createHash('sha256').update(source).digest('base64url'),
      version: (JSON.parse(manifest) as { version: string }).version,
    };
  } catch {
    return null;
  }
}

/** Null when `child`, whose run of `key` just ended as `end`, may take the next run of `key`; else why not. */
export function whyNotKept(
  child: FlowRunChild,
  key: WarmKey | null,
  end: RunEnd,
  policy: WarmReuse,
): string | null {
  if (end.kind !== 'reported' || !end.stays) return end.kind === 'reported' ? end.unfit : 'it exited';
  if (!key) return 'its entrypoint could not be read';
  if (child.version !== key.version) return `edgeflow ${key.version} is installed now`;
  if (child.runs >= policy.maxRunsPerProcess) return `it ran ${child.runs} runs`;
  if (end.rssBytes > policy.maxProcessMemoryBytes) {
    return `it holds ${Math.round(end.rssBytes / 2 ** 20)} MB, above the ceiling`;
  }
  return null;
}
