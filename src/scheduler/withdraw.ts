// Taking back the runs a deployment's schedules made that have not started, through their run
// objects (which refuse if the run started meanwhile): on update (future ones), pause and delete (all).

import { unstartedAutoScheduledRuns } from '../db/scheduler';
import { flowRunObject } from '../durable/objects';
import type { Env } from '../env';
import { settleAll } from './concurrently';

export async function withdrawScheduledRuns(
  env: Env,
  deploymentId: string,
  options: { futureOf: Date | null; scheduleId?: string },
): Promise<number> {
  const ids = await unstartedAutoScheduledRuns(env.DB, deploymentId, {
    after: options.futureOf?.toISOString() ?? null,
    scheduleId: options.scheduleId ?? null,
  });
  const results = await settleAll(
    ids.map((id) => () => flowRunObject(env, id).removeUnstarted()),
    32,
  );
  return results.filter((r) => r.status === 'fulfilled' && r.value).length;
}
