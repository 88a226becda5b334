// Requests held open on a flow run object until the run changes the way they wait for (its end), or
// their time is up: how `GET /api/flow_runs/{id}/wait` answers without polling.

export class RunWatchers {
  private readonly waiting = new Set<() => void>();

  /** Resolves once `done()` is true at a `changed()` call, or after `ms`. */
  wait(ms: number, done: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.waiting.delete(check);
        resolve();
      };
      const check = () => {
        if (done()) finish();
      };
      const timer = setTimeout(finish, ms);
      this.waiting.add(check);
    });
  }

  /** The run changed (a state was published, the run was deleted): each waiter checks again. */
  changed(): void {
    for (const check of [...this.waiting]) check();
  }
}
