// Retry delay arithmetic shared by the Worker's task rules and the SDK, so both pick the same delay.

/** Prefect caps a task's configured retry delays at 50. */
export const MAX_RETRY_DELAYS = 50;

/** Delays that double each retry: `factor · 2^r` for r in 0..retries-1 (Prefect's `exponential_backoff`). */
export function exponentialBackoff(factor: number): (retries: number) => number[] {
  return (retries) => {
    const count = Math.max(0, Math.min(Math.floor(retries), MAX_RETRY_DELAYS));
    return Array.from({ length: count }, (_, r) => factor * 2 ** r);
  };
}

function exponentialCdf(x: number, average: number): number {
  return 1 - Math.exp(-x / average);
}

/**
 * The lower clamp multiple `c` for an upper multiple `k`: the probability mass between c·average and
 * the median equals the mass between the median and k·average, so clamping keeps the mean near average.
 */
function lowerClampMultiple(k: number): number {
  // 2^k overflows the ratio towards 1 for large k; Prefect returns 0 there too.
  if (k >= 50) return 0;
  return Math.log2(Math.max(2 ** k / (2 ** k - 1), 1e-10));
}

/**
 * An exponentially distributed interval around `averageSeconds`, clamped as Prefect's
 * `clamped_poisson_interval`: the upper bound is average·(1 + clampingFactor) and the lower bound
 * average·log2(2^k / (2^k − 1)) with k = 1 + clampingFactor. `random` is uniform in [0, 1).
 */
export function clampedPoissonInterval(
  averageSeconds: number,
  clampingFactor: number,
  random: () => number,
): number {
  if (clampingFactor <= 0) throw new RangeError('clampingFactor must be > 0');
  if (averageSeconds <= 0) return 0;
  const upperMultiple = 1 + clampingFactor;
  const upperBound = averageSeconds * upperMultiple;
  const lowerBound = Math.max(0, averageSeconds * lowerClampMultiple(upperMultiple));
  const lowerRv = exponentialCdf(lowerBound, averageSeconds);
  const upperRv = exponentialCdf(upperBound, averageSeconds);
  const uniform = lowerRv + (upperRv - lowerRv) * random();
  // Inverse CDF of the exponential distribution; the floor keeps log() away from 0.
  return -Math.log(Math.max(1 - uniform, 1e-10)) * averageSeconds;
}

export interface RetryDelayPolicy {
  retry_delay: number | number[];
  retry_jitter_factor: number | null;
}

/**
 * Seconds to wait before the retry that follows attempt `runCount` (1-based): a delay list is
 * indexed by attempt and its last entry repeats; jitter applies only when set and the base is > 0.
 */
export function taskRetryDelaySeconds(
  policy: RetryDelayPolicy,
  runCount: number,
  random: () => number,
): number {
  const delays = policy.retry_delay;
  const base = Array.isArray(delays)
    ? (delays[Math.max(0, Math.min(runCount - 1, delays.length - 1))] ?? 0)
    : delays;
  if (policy.retry_jitter_factor && base > 0) {
    return clampedPoissonInterval(base, policy.retry_jitter_factor, random);
  }
  return base;
}
