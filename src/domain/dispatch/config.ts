// A work pool's dispatch configuration as its object holds it: limits, pause flags and queue priorities.

export interface QueueConfig {
  id: string;
  name: string;
  /** Lower is served first (Prefect's rule). */
  priority: number;
  concurrency_limit: number | null;
  paused: boolean;
}

export interface PoolConfig {
  id: string;
  name: string;
  /** Newer versions replace older ones; a late copy of an old configuration is ignored. */
  version: number;
  concurrency_limit: number | null;
  paused: boolean;
  queues: QueueConfig[];
}

/** The queue every pool has, created with it and never deleted. */
export const DEFAULT_QUEUE_NAME = 'default';

/** A queue created without a priority goes after every existing one, so it never jumps the line. */
export function nextQueuePriority(existing: readonly { priority: number }[]): number {
  return existing.reduce((max, queue) => Math.max(max, queue.priority), 0) + 1;
}
