// Time as a Durable Object reads it. An object keeps its clock in a field that tests replace (through
// `runInDurableObject`), so lease deadlines and expiries are tested by moving time, not by sleeping.
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
