// Capped exponential backoff with full jitter: pure, so the schedule is testable without waiting.

export interface BackoffPolicy {
  /** The first delay's upper bound. */
  baseMs: number;
  /** No delay exceeds this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 5_000 };

/** Delay before retry number `attempt` (1-based): uniform in [cap/2, cap], cap = min(max, base·2^(attempt-1)). */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
