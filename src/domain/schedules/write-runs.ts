// How many runs a deployment write creates in its own request: each schedule's first few, a few in
// all. The Cron Trigger tick creates the rest of each plan within a minute (docs/schedules.md).
import { MIN_RUNS, type SchedulePlan } from './planning';

/** A schedule's runs created by the request that wrote it: the waterfall's minimum count. */
export const WRITE_RUNS_PER_SCHEDULE = MIN_RUNS;
/**
 * Runs one request creates in all: two schedules' worth. Each run costs its object, its index row and
 * its pool notification, 15–65 ms of the local server's one thread (docs/schedules.md, "Changes
 * regenerate"), so a write stays well under a second even on a loaded machine.
 */
export const WRITE_RUNS_PER_REQUEST = 6;
/** `next_check_at` of a schedule any tick should plan: the value a write leaves. */
export const DUE_AT_ONCE = 0;

/** What one write's request has left to create, shared by every schedule it plans. */
export class WriteRunBudget {
  constructor(
    private left = WRITE_RUNS_PER_REQUEST,
    private readonly perSchedule = WRITE_RUNS_PER_SCHEDULE,
  ) {}

  /** Nothing left: the schedules not yet planned stay due for the next tick. */
  get spent(): boolean {
    return this.left === 0;
  }

  /**
   * The part of `plan` the request creates: its first dates, as many as the budget allows. With dates
   * left over, the watermark stops at the last date created and the schedule stays due, so the next
   * tick plans the rest (from that watermark: nothing is created twice or skipped).
   */
  take(plan: SchedulePlan, scheduledUntil: number | null): SchedulePlan {
    const runs = Math.min(this.perSchedule, this.left, plan.toCreate.length);
    this.left -= runs;
    if (runs === plan.toCreate.length) return plan;
    const toCreate = plan.toCreate.slice(0, runs);
    return {
      ...plan,
      toCreate,
      scheduledUntil: toCreate[toCreate.length - 1] ?? scheduledUntil,
      nextCheckAt: DUE_AT_ONCE,
    };
  }
}
