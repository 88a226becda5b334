// The reporter's queue of task-run items (reporter.ts), by task run in order of each run's first queued
// item: taking a batch costs the batch, not the queue (a flow of 10,000 quick tasks queues 30,000
// items faster than they go out), and a task run's items stay together and in order.
import type { TaskRunBatchItem, TaskRunBatchResult } from '../protocol/index.ts';

export interface Queued {
  item: TaskRunBatchItem;
  answer?: { resolve(result: TaskRunBatchResult): void; reject(error: unknown): void };
  /** Arrival order, across task runs (set by `push`). */
  seq: number;
}

export const taskRunIdOf = (item: TaskRunBatchItem) =>
  item.op === 'create' ? item.task_run.id : item.task_run_id;

export class ReportQueue {
  #groups = new Map<string, Queued[]>();
  #seq = 0;
  /** Queued items whose caller waits for the answer. */
  #waiters = 0;

  get waiters(): number {
    return this.#waiters;
  }

  push(queued: Queued): void {
    queued.seq = this.#seq++;
    if (queued.answer) this.#waiters++;
    const id = taskRunIdOf(queued.item);
    const group = this.#groups.get(id);
    if (group) group.push(queued);
    else this.#groups.set(id, [queued]);
  }

  /** Whether task run `id` has items queued. */
  holds(id: string): boolean {
    return this.#groups.has(id);
  }

  /**
   * Up to `max` items, a task run's queued items kept together: the server then reads and writes each
   * run once per batch instead of once per item (`task.map` queues every create before any RUNNING).
   * Order is kept within each task run, which is all the rules depend on; a run `busy` says has items
   * in flight is left for a later batch. When everything fits, the batch keeps arrival order.
   */
  take(max: number, busy: (id: string) => boolean): Queued[] {
    const groups: Queued[][] = [];
    let count = 0;
    let everything = true;
    for (const [id, group] of this.#groups) {
      if (busy(id)) {
        everything = false;
        continue;
      }
      if (count > 0 && count + group.length > max) {
        everything = false;
        break;
      }
      groups.push(group);
      count += group.length;
      this.#groups.delete(id);
    }
    const batch = groups.flat();
    if (everything) batch.sort((a, b) => a.seq - b.seq);
    for (const queued of batch) if (queued.answer) this.#waiters--;
    return batch;
  }
}
