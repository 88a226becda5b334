// The bound on one schedule computation: a count of the candidates it examines, not a clock, so a
// rule (however hostile, and however old its DTSTART) costs the same on every machine and every tick.

/**
 * Candidates one computation (the dates of one window) may examine: each date produced, and for
 * rrules each period stepped through (weighted by its BYSETPOS positions). About 50 ms at worst.
 */
export const MAX_SCHEDULE_WORK = 5_000;

/** A schedule that cannot be computed within the bound, or at all; the message says why. */
export class UnplannableSchedule extends Error {
  override name = 'UnplannableSchedule';
}

export class WorkBudget {
  private used = 0;

  constructor(private readonly limit: number = MAX_SCHEDULE_WORK) {}

  /** Charges `units`; throws once the bound is passed, which stops the computation where it is. */
  spend(units = 1): void {
    this.used += units;
    if (this.used > this.limit) {
      throw new UnplannableSchedule(
        `it needs more than ${this.limit.toLocaleString('en-US')} candidates examined to plan`,
      );
    }
  }
}
