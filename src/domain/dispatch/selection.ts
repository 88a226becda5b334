// Which due runs a claim takes: eligible queues only, lower queue priority first, then earliest due,
// within the pool's and each queue's concurrency limits (Prefect's get-runs-from-worker-queues).
import type { PoolConfig, QueueConfig } from './config';

export interface Candidate {
  id: string;
  queue: string;
  /** Epoch ms. */
  due_at: number;
}

/** Free slots left; `Infinity` where there is no limit. */
export interface Capacity {
  pool: number;
  queues: Map<string, number>;
}

/**
 * The queues a claim may draw from: none when the pool is paused; otherwise the pool's unpaused
 * queues, narrowed to the agent's list when it gave one.
 */
export function eligibleQueues(
  config: PoolConfig,
  agentQueues?: readonly string[],
): Map<string, QueueConfig> {
  const out = new Map<string, QueueConfig>();
  if (config.paused) return out;
  for (const queue of config.queues) {
    if (queue.paused) continue;
    if (agentQueues && !agentQueues.includes(queue.name)) continue;
    out.set(queue.name, queue);
  }
  return out;
}

/** Runs due by `now` in eligible queues, in dispatch order. Runs in unknown queues wait for their queue. */
export function orderCandidates<T extends Candidate>(
  due: readonly T[],
  queues: ReadonlyMap<string, QueueConfig>,
  now: number,
): T[] {
  return due
    .filter((run) => run.due_at <= now && queues.has(run.queue))
    .sort(
      (a, b) =>
        queues.get(a.queue)!.priority - queues.get(b.queue)!.priority ||
        a.due_at - b.due_at ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
}

/** Free slots given the runs active (PENDING, RUNNING, CANCELLING) per queue. */
export function capacity(config: PoolConfig, activeByQueue: ReadonlyMap<string, number>): Capacity {
  let total = 0;
  for (const count of activeByQueue.values()) total += count;
  const free = (limit: number | null, used: number) =>
    limit === null ? Infinity : Math.max(0, limit - used);
  return {
    pool: free(config.concurrency_limit, total),
    queues: new Map(
      config.queues.map((queue) => [
        queue.name,
        free(queue.concurrency_limit, activeByQueue.get(queue.name) ?? 0),
      ]),
    ),
  };
}

function hasRoom(free: Capacity, queue: string): boolean {
  return free.pool > 0 && (free.queues.get(queue) ?? 0) > 0;
}

/**
 * Takes up to `limit` candidates in order, skipping those whose queue is full, and reserves their
 * slots in `free`. A claim the run object refuses gives its slot back with `releaseSlot`.
 */
export function planClaims<T extends Candidate>(ordered: readonly T[], free: Capacity, limit: number): T[] {
  const picked: T[] = [];
  for (const run of ordered) {
    if (picked.length >= limit || free.pool <= 0) break;
    if (!hasRoom(free, run.queue)) continue;
    free.pool -= 1;
    free.queues.set(run.queue, free.queues.get(run.queue)! - 1);
    picked.push(run);
  }
  return picked;
}

export function releaseSlot(free: Capacity, queue: string): void {
  free.pool += 1;
  free.queues.set(queue, (free.queues.get(queue) ?? 0) + 1);
}
