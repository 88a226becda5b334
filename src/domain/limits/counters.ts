// A named limit's slot arithmetic, as Prefect's global concurrency limits have it (docs/concurrency.md):
// lazy decay at an injected instant, taking and giving back slots, denied slots and the average
// occupancy that the Retry-After estimate reads. Pure: the limit's object loads, calls, saves.

/** What an administrator sets on a limit. */
export interface LimitSettings {
  limit: number;
  active: boolean;
  /** 0: a concurrency limit (slots come back on release); above 0: a rate limit (slots decay). */
  slot_decay_per_second: number;
}

/**
 * The counters a limit keeps. Each counter carries the instant its decay is counted from; only whole
 * slots decay, and the fraction left over carries on (the anchor moves by the whole slots only), so
 * frequent reads never stop a slow decay.
 */
export interface LimitCounters {
  active_slots: number;
  active_anchor: number;
  denied_slots: number;
  denied_anchor: number;
  avg_slot_occupancy_seconds: number;
}

/** Prefect's default for a new limit. */
export const DEFAULT_AVG_SLOT_OCCUPANCY_SECONDS = 2;
/** Prefect's floor on one slot's occupancy: keeps the average, and what divides by it, above zero. */
export const MINIMUM_OCCUPANCY_SECONDS_PER_SLOT = 0.1;
/** The average occupancy weighs the last `limit × this` releases. */
export const OCCUPANCY_SAMPLES_MULTIPLIER = 2;
/** A concurrency limit's Retry-After is capped here (a rate limit's is exact). */
export const MAX_CONCURRENCY_RETRY_AFTER_SECONDS = 30;

export function newCounters(now: number): LimitCounters {
  return {
    active_slots: 0,
    active_anchor: now,
    denied_slots: 0,
    denied_anchor: now,
    avg_slot_occupancy_seconds: DEFAULT_AVG_SLOT_OCCUPANCY_SECONDS,
  };
}

/** Decays `count` at `perSecond` from `anchor` to `now`: whole slots only, the remainder carried. */
function decay(count: number, anchor: number, perSecond: number, now: number): [number, number] {
  if (perSecond <= 0 || count === 0 || now <= anchor) return [count, count === 0 ? now : anchor];
  const whole = Math.floor((perSecond * (now - anchor)) / 1000);
  if (whole >= count) return [0, now];
  return [count - whole, anchor + (whole / perSecond) * 1000];
}

/**
 * The counters as they stand at `now`. Active slots decay at the limit's rate; denied slots at the
 * same rate, or for a concurrency limit at one per average occupancy (Prefect's backpressure signal).
 */
export function countersAt(counters: LimitCounters, settings: LimitSettings, now: number): LimitCounters {
  const [active_slots, active_anchor] = decay(
    counters.active_slots,
    counters.active_anchor,
    settings.slot_decay_per_second,
    now,
  );
  const deniedRate =
    settings.slot_decay_per_second > 0
      ? settings.slot_decay_per_second
      : 1 / counters.avg_slot_occupancy_seconds;
  const [denied_slots, denied_anchor] = decay(counters.denied_slots, counters.denied_anchor, deniedRate, now);
  return { ...counters, active_slots, active_anchor, denied_slots, denied_anchor };
}

export type TakeOutcome =
  | { granted: true; counters: LimitCounters }
  | { granted: false; counters: LimitCounters; retry_after_seconds: number };

/**
 * Takes `slots` if they fit, else counts them as denied and says when to try again. An inactive
 * limit enforces nothing: it grants without counting.
 */
export function takeSlots(
  counters: LimitCounters,
  settings: LimitSettings,
  slots: number,
  now: number,
): TakeOutcome {
  const current = countersAt(counters, settings, now);
  if (!settings.active) return { granted: true, counters: current };
  if (fits(current, settings, slots)) {
    const anchor = current.active_slots === 0 ? now : current.active_anchor;
    return {
      granted: true,
      counters: { ...current, active_slots: current.active_slots + slots, active_anchor: anchor },
    };
  }
  return { granted: false, ...denySlots(current, settings, slots, now) };
}

/**
 * Counts `slots` as denied (Prefect's backpressure signal) and estimates when to try again, from the
 * denied slots before these are added. Also for a request refused because others wait ahead of it.
 */
export function denySlots(
  counters: LimitCounters,
  settings: LimitSettings,
  slots: number,
  now: number,
): { counters: LimitCounters; retry_after_seconds: number } {
  const current = countersAt(counters, settings, now);
  const denied = {
    ...current,
    denied_slots: current.denied_slots + slots,
    denied_anchor: current.denied_slots === 0 ? now : current.denied_anchor,
  };
  return { counters: denied, retry_after_seconds: retryAfterSeconds(current, settings, slots) };
}

/** Whether `slots` more fit under the limit now (counters already brought to now). */
export function fits(current: LimitCounters, settings: LimitSettings, slots: number): boolean {
  return !settings.active || current.active_slots + slots <= settings.limit;
}

/**
 * Gives back slots a holder took (release, expiry, a rollback). `occupancySeconds` is how long they
 * were held; a release folds it into the average occupancy as Prefect does, a rollback passes null.
 */
export function giveBackSlots(
  counters: LimitCounters,
  settings: LimitSettings,
  slots: number,
  occupancySeconds: number | null,
  now: number,
): LimitCounters {
  const current = countersAt(counters, settings, now);
  const active_slots = Math.max(0, current.active_slots - slots);
  let avg = current.avg_slot_occupancy_seconds;
  if (occupancySeconds !== null && occupancySeconds > 0 && slots > 0 && settings.limit > 0) {
    const perSlot = Math.max(occupancySeconds / slots, MINIMUM_OCCUPANCY_SECONDS_PER_SLOT);
    const samples = settings.limit * OCCUPANCY_SAMPLES_MULTIPLIER;
    avg = avg + perSlot / samples - avg / samples;
  }
  return { ...current, active_slots, avg_slot_occupancy_seconds: avg };
}

/**
 * Prefect's estimate of when `slots` could be had: a rate limit frees one slot per 1/decay seconds,
 * and the denied slots queue ahead, so (slots + denied) / decay; a concurrency limit frees
 * `limit` slots per average occupancy, so avg × (slots + denied) / limit, capped at 30 s.
 */
export function retryAfterSeconds(current: LimitCounters, settings: LimitSettings, slots: number): number {
  const queued = slots + current.denied_slots;
  if (settings.slot_decay_per_second > 0) return queued / settings.slot_decay_per_second;
  const estimate = (current.avg_slot_occupancy_seconds * queued) / Math.max(settings.limit, 1);
  return Math.min(estimate, MAX_CONCURRENCY_RETRY_AFTER_SECONDS);
}

/**
 * Prefect's clamped Poisson jitter: an exponential draw around `average`, clamped to within ±30%, so
 * clients told the same estimate do not all come back at the same instant. `random` is uniform [0, 1).
 */
export function jitteredSeconds(average: number, random: number, clamping = 0.3): number {
  if (average <= 0) return 0;
  const cdf = (x: number) => 1 - Math.exp(-x / average);
  const lower = cdf(average * (1 - clamping));
  const upper = cdf(average * (1 + clamping));
  const u = lower + random * (upper - lower);
  return -Math.log(Math.max(1 - u, 1e-10)) * average;
}

/** The instant the next whole active slot decays (a held waiter may fit then); null when none will. */
export function nextDecayAt(counters: LimitCounters, settings: LimitSettings): number | null {
  if (settings.slot_decay_per_second <= 0 || counters.active_slots === 0) return null;
  return counters.active_anchor + 1000 / settings.slot_decay_per_second;
}
