// Retention: events older than the configured days (7 by default) are deleted by the Cron Trigger,
// in bounded batches beside the tick, never in its way (docs/events.md, "Retention"), and the
// automations evaluator's firings of them with them.
import { pruneEvents } from '../db/events';
import { retentionCutoff } from '../domain/events';
import { automationsObject } from '../durable/objects';
import type { Env } from '../env';

/** Deletes up to one tick's share of expired events; a backlog goes on at the next tick. */
export async function pruneExpiredEvents(
  env: Pick<Env, 'DB' | 'EDGEFLOW_EVENTS_RETENTION_DAYS'>,
  now: Date,
  bounds: { batchSize?: number; batches?: number } = {},
): Promise<number> {
  try {
    return await pruneEvents(env.DB, retentionCutoff(now, env.EDGEFLOW_EVENTS_RETENTION_DAYS), bounds);
  } catch (error) {
    console.error('pruning expired events failed; the next tick tries again', error);
    return 0;
  }
}

/**
 * The automations evaluator's firings of events past retention go too (automations-object.ts
 * `pruneFirings`): one call a tick, which commits only when there is something to delete.
 */
export async function pruneExpiredFirings(env: Env): Promise<void> {
  try {
    await automationsObject(env).pruneFirings();
  } catch (error) {
    console.error('pruning automation firings failed; the next tick tries again', error);
  }
}
