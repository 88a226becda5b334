import { clampedPoissonInterval, exponentialBackoff, taskRetryDelaySeconds } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';

describe('exponentialBackoff', () => {
  it('doubles the factor for each retry', () => {
    expect(exponentialBackoff(3)(4)).toEqual([3, 6, 12, 24]);
  });

  it('gives no delays for no retries', () => {
    expect(exponentialBackoff(3)(0)).toEqual([]);
  });

  it('caps the list at 50 delays', () => {
    expect(exponentialBackoff(1)(80)).toHaveLength(50);
  });
});

describe('clampedPoissonInterval', () => {
  const upperBound = 10 * 1.5;
  const lowerBound = 10 * Math.log2(2 ** 1.5 / (2 ** 1.5 - 1));

  it('never exceeds average · (1 + clamping factor)', () => {
    expect(clampedPoissonInterval(10, 0.5, () => 0.999_999_999)).toBeCloseTo(upperBound, 5);
  });

  it("never goes below Prefect's lower clamp", () => {
    expect(clampedPoissonInterval(10, 0.5, () => 0)).toBeCloseTo(lowerBound, 9);
  });

  it('stays within the bounds for every draw', () => {
    for (let u = 0; u < 1; u += 0.01) {
      const interval = clampedPoissonInterval(10, 0.5, () => u);
      expect(interval).toBeGreaterThanOrEqual(lowerBound - 1e-9);
      expect(interval).toBeLessThanOrEqual(upperBound + 1e-9);
    }
  });

  it('keeps the mean near the average', () => {
    const draws = Array.from({ length: 10_000 }, (_, i) => clampedPoissonInterval(10, 0.5, () => i / 10_000));
    const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
    expect(mean).toBeGreaterThan(9);
    expect(mean).toBeLessThan(11);
  });

  it('refuses a clamping factor that is not positive', () => {
    expect(() => clampedPoissonInterval(10, 0, () => 0.5)).toThrow(RangeError);
  });
});

describe('taskRetryDelaySeconds', () => {
  const random = () => 0.5;

  it('uses a scalar delay for every retry', () => {
    expect(taskRetryDelaySeconds({ retry_delay: 7, retry_jitter_factor: null }, 3, random)).toBe(7);
  });

  it('indexes a delay list by attempt', () => {
    const policy = { retry_delay: [1, 10, 100], retry_jitter_factor: null };
    expect(taskRetryDelaySeconds(policy, 1, random)).toBe(1);
    expect(taskRetryDelaySeconds(policy, 2, random)).toBe(10);
  });

  it('repeats the last delay of the list once attempts outnumber it', () => {
    expect(taskRetryDelaySeconds({ retry_delay: [1, 10], retry_jitter_factor: null }, 5, random)).toBe(10);
  });

  it('treats an empty list as no delay', () => {
    expect(taskRetryDelaySeconds({ retry_delay: [], retry_jitter_factor: null }, 1, random)).toBe(0);
  });

  it('jitters the delay when a factor is set', () => {
    const policy = { retry_delay: 10, retry_jitter_factor: 0.5 };
    expect(taskRetryDelaySeconds(policy, 1, () => 0)).toBeCloseTo(clampedPoissonInterval(10, 0.5, () => 0));
    expect(taskRetryDelaySeconds(policy, 1, () => 0)).not.toBe(10);
  });

  it('does not jitter a zero delay', () => {
    expect(taskRetryDelaySeconds({ retry_delay: 0, retry_jitter_factor: 0.5 }, 1, () => 0)).toBe(0);
  });
});
