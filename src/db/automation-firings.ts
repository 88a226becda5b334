// Reads the Automations pages make of the events automations leave: each automation's newest action
// outcome (its last firing), one indexed look-up per automation in one statement (docs/dashboard.md).
import { FIRING_EVENT_PREFIX } from '../domain/dashboard';

export interface LastFiring {
  automationId: string;
  occurred: string;
  /** `executed` or `failed`: the newest action outcome of the automation. */
  outcome: string;
}

/**
 * The newest `prefect.automation.action.*` event of each automation, read through the
 * `(resource_id, occurred)` index from the newest back, stopping at the first outcome.
 */
export async function lastFirings(db: D1Database, automationIds: readonly string[]): Promise<LastFiring[]> {
  if (automationIds.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT a.value AS automationId, e.occurred AS occurred, substr(e.event, ?2) AS outcome
       FROM json_each(?1) a
       JOIN events e ON e.seq = (
         SELECT seq FROM events
         WHERE resource_id = 'prefect.automation.' || a.value
           AND substr(event, 1, ?3) = ?4
         ORDER BY occurred DESC, seq DESC LIMIT 1)`,
    )
    .bind(
      JSON.stringify(automationIds),
      FIRING_EVENT_PREFIX.length + 1,
      FIRING_EVENT_PREFIX.length,
      FIRING_EVENT_PREFIX,
    )
    .all<LastFiring>();
  return results;
}
