// Held reads of a flow run object: a request waits here until what it asks for is true (the run's
// state moved on, an input arrived) or its wait runs out, instead of the client polling on a timer.
import { type FlowRun, isTerminal } from 'edgeflow/protocol';
import type { RunStorage } from './run-storage';

export class RunWatchers {
  private readonly waiting = new Set<() => void>();

  /** `ready()`'s first non-null answer, checked now and after each `wake()`; null once `waitMs` passes. */
  until<T>(ready: () => T | null, waitMs: number): Promise<T | null> {
    const now = ready();
    if (now !== null || waitMs <= 0) return Promise.resolve(now);
    return new Promise((resolve) => {
      const finish = (value: T | null) => {
        clearTimeout(timer);
        this.waiting.delete(check);
        resolve(value);
      };
      const check = () => {
        const value = ready();
        if (value !== null) finish(value);
      };
      const timer = setTimeout(() => finish(null), waitMs);
      this.waiting.add(check);
    });
  }

  /** Something changed: every waiter looks again. */
  wake(): void {
    for (const check of [...this.waiting]) check();
  }
}

/** The object's held reads of its run: its end, its next state (runDeployment and pauses wait so). */
export class RunHeldReads {
  constructor(
    private readonly storage: () => RunStorage,
    private readonly watchers: RunWatchers,
  ) {}

  /** Settles once the run has ended (a terminal state, published) or is gone, or after `ms`. */
  async end(ms: number): Promise<void> {
    await this.watchers.until(() => {
      const doc = this.storage().readRun()?.doc;
      return !doc || isTerminal(doc.state_type) ? true : null;
    }, ms);
  }

  /** The run once its state is no longer `afterStateId` (at once if it is not), or as it is after `waitMs`. */
  async nextState(afterStateId: string | undefined, waitMs: number): Promise<FlowRun | null> {
    const moved = await this.watchers.until(() => {
      const doc = this.storage().readRun()?.doc;
      return !doc || doc.state_id !== afterStateId ? (doc ?? 'gone') : null;
    }, waitMs);
    if (moved === 'gone') return null;
    return moved ?? this.storage().readRun()?.doc ?? null;
  }
}
