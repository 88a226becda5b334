// Catch-up on each tick: the auto-scheduled runs still waiting 15 s after they were due (no agent took
// them) are read from the D1 index, grouped by schedule, and each schedule's policy (all, latest,
// none; max_active_runs) cancels what it must, through the run objects and their rules.

import type { Catchup } from 'edgeflow/protocol';
import { catchupSettings, lateAutoScheduledRuns } from '../db/scheduler';
import { scheduleLimitKey } from '../domain/orchestration';
import { type CatchupCancel, catchupCancellations, type LateRun } from '../domain/schedules';
import { concurrencyLimitObject, flowRunObject } from '../durable/objects';
import type { Env } from '../env';
import { settleAll } from './concurrently';
import { parseScheduledRunKey } from './runs';

/** Prefect's PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS. */
export const LATE_AFTER_MS = 15_000;
/** Late runs looked at per tick, newest first. */
const LATE_RUNS_PER_TICK = 1000;

export async function applyCatchup(env: Env, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - LATE_AFTER_MS).toISOString();
  const late = await lateAutoScheduledRuns(env.DB, cutoff, LATE_RUNS_PER_TICK);
  const bySchedule = new Map<string, LateRun[]>();
  for (const run of late) {
    const key = parseScheduledRunKey(run.idempotency_key);
    if (!key) continue;
    const runs = bySchedule.get(key.scheduleId) ?? [];
    runs.push({ id: run.id, due: Date.parse(run.due) });
    bySchedule.set(key.scheduleId, runs);
  }
  const settings = await catchupSettings(env.DB, [...bySchedule.keys()]);
  const cancels: CatchupCancel[] = [];
  for (const schedule of settings) {
    const cap = schedule.max_active_runs;
    const active =
      cap === null ? 0 : await concurrencyLimitObject(env, scheduleLimitKey(schedule.id)).holders();
    cancels.push(
      ...catchupCancellations({
        catchup: schedule.catchup as Catchup,
        max_active_runs: cap,
        active,
        late: bySchedule.get(schedule.id) ?? [],
      }),
    );
  }
  const results = await settleAll(
    cancels.map(
      ({ id, message }) =>
        () =>
          flowRunObject(env, id).cancelScheduled(message),
    ),
    32,
  );
  return results.filter((r) => r.status === 'fulfilled' && r.value).length;
}
