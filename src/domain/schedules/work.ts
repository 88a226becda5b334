// The bound on one schedule computation: a count of the candidates it examines, not a clock, so a
// rule (however hostile, and however old its DTSTART) costs the same on every machine and every tick.

/**
 * Candidates one computation (the dates of one window) may examine: each date produced, and for
 * rrules each period stepped through (weighted by its BYSETPOS positions); a cron date counts as ten
 * (it costs that much more to find). About 25–50 ms at worst.
 */
export const MAX_SCHEDULE_WORK = 5_000;

/** A schedule that cannot be computed within the bound, or at all; the message says why. */
export class UnplannableSchedule extends Error {
  override name = 'UnplannableSchedule';
}

/**
 * Candidates all the schedule computations of one API request may examine together (a deployment
 * with many schedules, a bulk write): about 0.25 s at worst, and about as much again to plan its runs
 * after the write, so no request keeps the server busy for a second (docs/schedules.md).
 */
export const MAX_REQUEST_SCHEDULE_WORK = 50_000;

export class WorkBudget {
  private used = 0;

  /** A `parent` (the request's budget) is charged too, and its bound stops the computation as well. */
  constructor(
    private readonly limit: number = MAX_SCHEDULE_WORK,
    private readonly parent?: WorkBudget,
    private readonly whose = 'it needs',
  ) {}

  /** Charges `units`; throws once the bound is passed, which stops the computation where it is. */
  spend(units = 1): void {
    this.parent?.spend(units);
    this.used += units;
    if (this.used > this.limit) {
      throw new UnplannableSchedule(
        `${this.whose} more than ${this.limit.toLocaleString('en-US')} candidates examined to plan`,
      );
    }
  }
}

/** The budget one request's schedules share; pass it to every schedule check of that request. */
export function requestScheduleBudget(): WorkBudget {
  return new WorkBudget(
    MAX_REQUEST_SCHEDULE_WORK,
    undefined,
    "this request's schedules together need (send them in smaller requests)",
  );
}
