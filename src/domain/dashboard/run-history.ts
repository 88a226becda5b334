// The overview's chart: flow runs by state per hour (over a day) or per day (over weeks), by expected
// start time. The index counts rows per UTC bucket prefix; this names the buckets and fills the gaps.
import { STATE_TYPES, type StateType } from 'edgeflow/protocol';

export const HISTORY_SPANS = {
  day: { label: 'Past 24 hours', bucket: 'hour', buckets: 24 },
  week: { label: 'Past 7 days', bucket: 'day', buckets: 7 },
  month: { label: 'Past 30 days', bucket: 'day', buckets: 30 },
} as const;
export type HistorySpan = keyof typeof HISTORY_SPANS;

/** Characters of an ISO timestamp that name a bucket: `2026-01-02T03` (hour), `2026-01-02` (day). */
export const BUCKET_PREFIX = { hour: 13, day: 10 } as const;

export interface HistoryWindow {
  /** ISO prefix length the index groups by. */
  prefix: number;
  /** Inclusive start and exclusive end, ISO. */
  from: string;
  to: string;
  /** Every bucket's prefix, oldest first. */
  buckets: string[];
}

export function historyWindow(span: HistorySpan, now: Date): HistoryWindow {
  const { bucket, buckets } = HISTORY_SPANS[span];
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000;
  // The current bucket is the last one, so the chart ends at now.
  const end = Math.floor(now.getTime() / step) * step + step;
  const start = end - buckets * step;
  const prefix = BUCKET_PREFIX[bucket];
  return {
    prefix,
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
    buckets: Array.from({ length: buckets }, (_, i) =>
      new Date(start + i * step).toISOString().slice(0, prefix),
    ),
  };
}

export interface BucketCount {
  bucket: string;
  state_type: StateType | null;
  n: number;
}

export interface HistoryBar {
  bucket: string;
  total: number;
  /** Counts per state in `STATE_TYPES` order; runs without a state are left out. */
  counts: { state: StateType; n: number }[];
}

export function runHistory(window: HistoryWindow, rows: readonly BucketCount[]): HistoryBar[] {
  const byBucket = new Map<string, Map<StateType, number>>();
  for (const row of rows) {
    if (!row.state_type) continue;
    const counts = byBucket.get(row.bucket) ?? new Map<StateType, number>();
    counts.set(row.state_type, (counts.get(row.state_type) ?? 0) + row.n);
    byBucket.set(row.bucket, counts);
  }
  return window.buckets.map((bucket) => {
    const counts = byBucket.get(bucket);
    const list = STATE_TYPES.filter((state) => counts?.has(state)).map((state) => ({
      state,
      n: counts!.get(state)!,
    }));
    return { bucket, total: list.reduce((sum, item) => sum + item.n, 0), counts: list };
  });
}
