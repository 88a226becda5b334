// Reports a flow run's task runs to `POST /api/flow_runs/{id}/task_runs/batch` (docs/sdk.md): queued
// items go every 50 ms or 500 items, one request at a time, in order within each task run; a proposal
// whose answer matters is sent at once with the queue ahead of it, and its caller waits.
import { randomUUID } from 'node:crypto';
import { type EdgeflowClient, StaleLeaseError } from '../client/index.ts';
import type { StateCreate, TaskRunBatchItem, TaskRunBatchResult } from '../protocol/index.ts';
import { FlowRunAbortedError } from './errors.ts';

export interface ReporterOptions {
  intervalMs?: number;
  maxBatch?: number;
}

/** Why the run can take no more reports: the server aborted it, the lease moved, or it is unreachable. */
export type ReporterFailure =
  | { kind: 'aborted'; reason: string }
  | { kind: 'stale_lease' }
  | { kind: 'error'; error: unknown };

interface Queued {
  item: TaskRunBatchItem;
  answer?: { resolve(result: TaskRunBatchResult): void; reject(error: unknown): void };
}

/** A state with a fresh transition id, so a resent batch is answered, not applied twice. */
export function withTransitionId(state: StateCreate): StateCreate {
  return { ...state, state_details: { ...state.state_details, transition_id: randomUUID() } };
}

export class TaskRunReporter {
  readonly #client: EdgeflowClient;
  readonly #flowRunId: string;
  readonly #leaseId: string | undefined;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  #queue: Queued[] = [];
  #oldest = 0;
  #urgent = false;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | null = null;
  failure: ReporterFailure | null = null;

  constructor(
    client: EdgeflowClient,
    flowRunId: string,
    leaseId: string | undefined,
    options: ReporterOptions = {},
  ) {
    this.#client = client;
    this.#flowRunId = flowRunId;
    this.#leaseId = leaseId;
    this.#intervalMs = options.intervalMs ?? 50;
    this.#maxBatch = options.maxBatch ?? 500;
  }

  /** Queues a report whose answer changes nothing here (create, PENDING, plain RUNNING, COMPLETED, FAILED). */
  enqueue(item: TaskRunBatchItem): void {
    if (this.failure) return;
    if (this.#queue.length === 0) this.#oldest = Date.now();
    this.#queue.push({ item });
    if (this.#queue.length >= this.#maxBatch) this.#start();
    else if (!this.#sending) this.#timer ??= setTimeout(() => this.#start(), this.#intervalMs);
  }

  /** Queues a task run's new state, with a fresh transition id. */
  enqueueState(taskRunId: string, state: StateCreate): void {
    this.enqueue({ op: 'set_state', task_run_id: taskRunId, state: withTransitionId(state), force: false });
  }

  /** Sends `item` now, after everything queued before it, and resolves with the server's answer. */
  propose(item: TaskRunBatchItem): Promise<TaskRunBatchResult> {
    if (this.failure) return Promise.reject(failureError(this.failure));
    return new Promise((resolve, reject) => {
      if (this.#queue.length === 0) this.#oldest = Date.now();
      this.#queue.push({ item, answer: { resolve, reject } });
      this.#urgent = true;
      this.#start();
    });
  }

  /** Resolves once everything queued so far has been sent (or the reporter has failed). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#sending) {
      this.#urgent = true;
      this.#start();
      await this.#sending;
    }
  }

  #start(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#sending ??= this.#drain().finally(() => {
      this.#sending = null;
      if (this.#queue.length > 0) this.#schedule();
    });
  }

  #schedule(): void {
    const due = this.#urgent || this.#queue.length >= this.#maxBatch;
    const wait = due ? 0 : Math.max(0, this.#oldest + this.#intervalMs - Date.now());
    if (wait === 0) this.#start();
    else this.#timer ??= setTimeout(() => this.#start(), wait);
  }

  async #drain(): Promise<void> {
    // Keep going while something is due: a waiter, a full batch, or items older than the interval.
    while (
      this.#queue.length > 0 &&
      (this.#urgent || this.#queue.length >= this.#maxBatch || Date.now() - this.#oldest >= this.#intervalMs)
    ) {
      const batch = this.#takeBatch();
      if (!batch.some((queued) => queued.answer) && !this.#queue.some((queued) => queued.answer)) {
        this.#urgent = false;
      }
      this.#oldest = Date.now();
      await this.#send(batch);
    }
  }

  /**
   * Up to `maxBatch` items, a task run's queued items kept together: the server then reads and
   * writes each run once per batch instead of once per item (`task.map` queues every create before
   * any RUNNING). Order is kept within each task run, which is all the rules depend on.
   */
  #takeBatch(): Queued[] {
    if (this.#queue.length <= this.#maxBatch) return this.#queue.splice(0);
    const groups = new Map<string, Queued[]>();
    for (const queued of this.#queue) {
      const id = queued.item.op === 'create' ? queued.item.task_run.id : queued.item.task_run_id;
      const group = groups.get(id);
      if (group) group.push(queued);
      else groups.set(id, [queued]);
    }
    const batch: Queued[] = [];
    const taken = new Set<Queued>();
    for (const group of groups.values()) {
      if (batch.length > 0 && batch.length + group.length > this.#maxBatch) break;
      for (const queued of group) {
        batch.push(queued);
        taken.add(queued);
      }
    }
    this.#queue = this.#queue.filter((queued) => !taken.has(queued));
    return batch;
  }

  async #send(batch: Queued[]): Promise<void> {
    if (this.failure) {
      for (const queued of batch) queued.answer?.reject(failureError(this.failure));
      return;
    }
    try {
      const { results } = await this.#client.applyTaskRunBatch(this.#flowRunId, {
        items: batch.map((queued) => queued.item),
        lease_id: this.#leaseId,
        // Nobody waits on the index for plain reports; the flow run's final state catches it up.
        defer_index: !batch.some((queued) => queued.answer),
      });
      batch.forEach((queued, index) => {
        const result = results[index]!;
        if (queued.answer) queued.answer.resolve(result);
        else if (result.status === 'ABORT') this.#abortedBy(result);
      });
    } catch (error) {
      this.failure = error instanceof StaleLeaseError ? { kind: 'stale_lease' } : { kind: 'error', error };
      for (const queued of batch) queued.answer?.reject(error);
    }
  }

  /** An ABORT of a queued report: the run no longer takes task runs (it was cancelled, paused, …). */
  #abortedBy(result: TaskRunBatchResult): void {
    const reason = result.details.type === 'abort_details' ? result.details.reason : null;
    // A missing task run after a failed create is the create's failure, already recorded.
    this.failure ??= { kind: 'aborted', reason: reason ?? 'The server aborted the task run.' };
  }
}

export function failureError(failure: ReporterFailure): Error {
  switch (failure.kind) {
    case 'aborted':
      return new FlowRunAbortedError(failure.reason);
    case 'stale_lease':
      return new FlowRunAbortedError('The flow run is leased to another process now.');
    case 'error':
      return failure.error instanceof Error ? failure.error : new Error(String(failure.error));
  }
}
