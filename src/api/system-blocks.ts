// System block types are installed once per isolate, on its first block request or Cron tick: one D1
// read when they are there already, one batch when some are missing (docs/blocks.md).
import { installedSystemBlocks, installSystemBlocks } from '../db/system-blocks';
import { missingSystemBlocks, SYSTEM_BLOCK_SLUGS } from '../domain/blocks/system-types';
import type { Env } from '../env';

/**
 * Set once they are known to be in D1. A flag, not a shared promise: a promise doing one request's
 * I/O must not be awaited by another request (a cancelled first request would strand the others).
 */
let installed = false;

export async function ensureSystemBlocks(env: Pick<Env, 'DB'>, now: Date): Promise<void> {
  if (installed) return;
  const missing = missingSystemBlocks(await installedSystemBlocks(env.DB, SYSTEM_BLOCK_SLUGS));
  await installSystemBlocks(env.DB, missing, now);
  installed = true;
}

/** Requests that read or write blocks: the API's block routes and the dashboard's block pages. */
export function needsSystemBlocks(path: string): boolean {
  return path.startsWith('/api/block_') || path === '/blocks' || path.startsWith('/blocks/');
}
