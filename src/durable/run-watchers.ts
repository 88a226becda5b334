// Held reads of a flow run object: a request waits here until what it asks for is true (the run's
// state moved on, an input arrived) or its wait runs out, instead of the client polling on a timer.

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
