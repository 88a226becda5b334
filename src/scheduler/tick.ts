// The Cron Trigger's work: finish the withdrawals a deployment change left open, top up every schedule
// whose horizon got short (read through the next_check_at index, so the cost follows what is due, not
// how many schedules exist), then apply each schedule's catch-up policy to its runs that went Late.
import { type DueSchedule, dueSchedules, type Watermark, writeWatermarks } from '../db/scheduler';
import { planSchedule, type StoredSchedule, type WriteRunBudget } from '../domain/schedules';
import type { Env } from '../env';
import { applyCatchup } from './catchup';
import { settleAll } from './concurrently';
import { createScheduledRun } from './runs';
import { finishOpenWithdrawals } from './withdraw';

/** Schedules read per D1 query. */
const PAGE = 200;
/** Run objects created at once. */
const PARALLEL_CREATES = 32;
/** A tick stops taking new pages after this long; what is left is due again at the next tick. */
const TICK_BUDGET_MS = 45_000;

export interface TickReport {
  schedules: number;
  runs_created: number;
  runs_cancelled: number;
}

/**
 * Plans and creates one page of due schedules' runs, then advances their watermarks in one batch.
 * On behalf of a write, only what its `budget` allows; schedules past it are left due, unread.
 */
async function schedulePage(
  env: Env,
  page: DueSchedule[],
  now: Date,
  budget: WriteRunBudget | null,
): Promise<number> {
  const plans = page.flatMap((due) => {
    if (budget?.spent) return [];
    const plan = planSchedule(JSON.parse(due.schedule) as StoredSchedule, now.getTime(), due.scheduled_until);
    return [{ due, plan: budget ? budget.take(plan, due.scheduled_until) : plan }];
  });
  for (const { due, plan } of plans) {
    if (plan.unplannable) {
      console.warn(
        `schedule ${due.id} of deployment ${due.deployment_id} can't be planned; skipped for a day: ${plan.unplannable}`,
      );
    }
  }
  const jobs = plans.flatMap(({ due, plan }) =>
    plan.toCreate.map((at) => ({ due, run: () => createScheduledRun(env, due, at, now) })),
  );
  const results = await settleAll(
    jobs.map((job) => job.run),
    PARALLEL_CREATES,
  );
  const failed = new Set<string>();
  results.forEach((result, i) => {
    if (result.status === 'rejected') {
      failed.add(jobs[i]!.due.id);
      console.error('scheduled run creation failed; the schedule is retried next tick', result.reason);
    }
  });
  // A schedule with a failed run keeps its watermark: the next tick plans the same dates again.
  const marks: Watermark[] = plans
    .filter(({ due }) => !failed.has(due.id))
    .map(({ due, plan }) => ({
      id: due.id,
      updated: due.updated,
      scheduled_until: plan.scheduledUntil,
      next_check_at: plan.nextCheckAt,
    }));
  await writeWatermarks(env.DB, marks);
  return results.filter((r) => r.status === 'fulfilled' && r.value).length;
}

export interface DueRunsScope {
  /** That deployment's schedules only. */
  deploymentId?: string;
  /** On behalf of a write: the runs its request may create; the next tick creates the rest. */
  budget?: WriteRunBudget;
}

/** Tops up the schedules due by `now` (within `scope`). */
export async function scheduleDueRuns(
  env: Env,
  now: Date,
  { deploymentId, budget }: DueRunsScope = {},
): Promise<Omit<TickReport, 'runs_cancelled'>> {
  const started = Date.now();
  let after: { at: number; id: string } | null = null;
  const report = { schedules: 0, runs_created: 0 };
  while (Date.now() - started < TICK_BUDGET_MS && !budget?.spent) {
    const page = await dueSchedules(env.DB, now.getTime(), after, PAGE, deploymentId ?? null);
    if (page.length === 0) break;
    report.schedules += page.length;
    report.runs_created += await schedulePage(env, page, now, budget ?? null);
    const last = page[page.length - 1]!;
    after = { at: last.next_check_at, id: last.id };
    if (page.length < PAGE) break;
  }
  return report;
}

export async function schedulerTick(env: Env, now: Date): Promise<TickReport> {
  // Before planning: a finished withdrawal starts its schedules over, so they are planned this tick.
  await finishOpenWithdrawals(env, now);
  const scheduled = await scheduleDueRuns(env, now);
  const runs_cancelled = await applyCatchup(env, now);
  return { ...scheduled, runs_cancelled };
}
