// A work pool's presence in D1 (agents online until, queues last polled), coalesced so that heartbeats
// and claims cost no D1 write each: at most one write per pool every PRESENCE_WRITE_MS, except that a
// queue polled for the first time since the object started is written at once (it shows as polled
// as soon as an agent reaches it, instead of up to 10 s later).
import { writePresence } from '../db/work-pools';
import type { Clock } from './clock';

const PRESENCE_WRITE_MS = 10_000;

export class PoolPresence {
  private writtenAt = 0;
  private onlineUntil: number | null = null;
  private readonly polledQueues = new Set<string>();
  private readonly queuesWritten = new Set<string>();

  constructor(
    private readonly db: D1Database,
    private readonly clock: () => Clock,
  ) {}

  /** Notes an agent online until `onlineUntil` and queues just polled; writes them when the last write is old. */
  async note(poolName: string | null, onlineUntil: number | null, polledQueues: string[]): Promise<void> {
    if (onlineUntil !== null) this.onlineUntil = Math.max(this.onlineUntil ?? 0, onlineUntil);
    for (const queue of polledQueues) this.polledQueues.add(queue);
    const now = this.clock().now();
    const firstPoll = polledQueues.some((queue) => !this.queuesWritten.has(queue));
    if ((now - this.writtenAt < PRESENCE_WRITE_MS && !firstPoll) || !poolName) return;
    for (const queue of this.polledQueues) this.queuesWritten.add(queue);
    const pending = { onlineUntil: this.onlineUntil, polledQueues: [...this.polledQueues], polledAt: now };
    this.writtenAt = now;
    this.onlineUntil = null;
    this.polledQueues.clear();
    try {
      await writePresence(this.db, poolName, pending);
    } catch (error) {
      console.error('writing pool presence failed', error);
    }
  }
}
