// Reports a flow run's task runs to `POST /api/flow_runs/{id}/task_runs/batch` (docs/sdk.md), with
// the custom events the flow emits (docs/events.md): queued items go every 50 ms or 500 items, in
// order within each task run; two batches may be in flight when
// they hold different task runs. A proposal whose answer matters is sent with the queue ahead of it,
// once nothing else is in flight, and its caller waits. The flow run's final state takes the last
// reports with it, in one request.
import { randomUUID } from 'node:crypto';
import { type EdgeflowClient, StaleLeaseError } from '../client/index.ts';
import type {
  ArtifactCreate,
  ArtifactProgress,
  EventCreate,
  OrchestrationResult,
  StateCreate,
  TaskRunBatchItem,
  TaskRunBatchResult,
} from '../protocol/index.ts';
import { type Queued, ReportQueue, taskRunIdOf } from './report-queue.ts';
import { failureError, type ReporterFailure } from './reporter-failure.ts';
import { type Beside, countBeside, nothingBeside, ReportsBeside } from './reports-beside.ts';

export { failureError, type ReporterFailure } from './reporter-failure.ts';

export interface ReporterOptions {
  intervalMs?: number;
  maxBatch?: number;
}

/**
 * Requests in flight at once. A second one lets the server apply a batch while this process sends
 * the next and reads the last answer; they never hold items of the same task run.
 */
const MAX_IN_FLIGHT = 2;

/** What one request carries: task-run items, and what rides beside them (reports-beside.ts). */
interface Batch extends Beside {
  items: Queued[];
}

const isEmpty = (batch: Batch) => batch.items.length + countBeside(batch) === 0;

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
  readonly #queue = new ReportQueue();
  /** Events, artifacts and progress not sent yet; counted in `#size` with the items. */
  readonly #beside = new ReportsBeside();
  #size = 0;
  #oldest = 0;
  #urgent = false;
  /** Held for the flow run's final state (`holdForFinalState`): queued reports no longer go on a timer. */
  #held = false;
  #timer: NodeJS.Timeout | undefined;
  /** A start due once the current turn of the event loop ends (`#startSoon`). */
  #soon: NodeJS.Immediate | undefined;
  /** The send loop, while it runs (until the queue is not due and nothing is in flight). */
  #sending: Promise<void> | null = null;
  /** Task runs with items in a request in flight: their next items wait for its answer. */
  readonly #busy = new Set<string>();
  #inFlight = 0;
  /** Told each time a batch's answer comes (or it fails): `proposeHeld` waits for its run's items. */
  readonly #onLanded = new Set<() => void>();
  /** Wakes the send loop when it waits: an answer came, or more became due. */
  #wake: (() => void) | undefined;
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
    this.#push({ item, seq: 0 });
    this.#sendWhenDue();
  }

  /** Queues a custom event: it goes with the next batch, with whatever items are due then. */
  enqueueEvent(event: EventCreate): void {
    if (this.failure) return;
    this.#beside.add('event', event);
    this.#queuedBeside();
  }

  /** Queues an artifact (docs/artifacts.md): it goes with the next batch, like an event. */
  enqueueArtifact(artifact: ArtifactCreate): void {
    if (this.failure) return;
    this.#beside.add('artifact', artifact);
    this.#queuedBeside();
  }

  /** Queues a progress artifact's new value; it is applied after the creates of its batch. */
  enqueueArtifactProgress(progress: ArtifactProgress): void {
    if (this.failure) return;
    this.#beside.add('progress', progress);
    this.#queuedBeside();
  }

  /** Something that rides beside the task-run items was queued: count it and make sure it goes. */
  #queuedBeside(): void {
    if (this.#size === 0) this.#oldest = Date.now();
    this.#size++;
    this.#sendWhenDue();
  }

  /** Queues a task run's new state, with a fresh transition id. */
  enqueueState(taskRunId: string, state: StateCreate): void {
    this.enqueue({ op: 'set_state', task_run_id: taskRunId, state: withTransitionId(state), force: false });
  }

  /** Sends `item` now, after everything queued before it, and resolves with the server's answer. */
  propose(item: TaskRunBatchItem): Promise<TaskRunBatchResult> {
    if (this.failure) return Promise.reject(failureError(this.failure));
    return new Promise((resolve, reject) => {
      this.#push({ item, answer: { resolve, reject }, seq: 0 });
      this.#urgent = true;
      this.#start();
    });
  }

  /**
   * Sends `item` in a request of its own, once its task run's earlier items have gone: the server may
   * hold it in a tag limit's line until a slot frees, and meanwhile the other reports (the COMPLETED
   * that frees that slot among them) keep going out beside it.
   */
  async proposeHeld(item: TaskRunBatchItem): Promise<TaskRunBatchResult> {
    const id = taskRunIdOf(item);
    // Only this task run's earlier items (its create, its PENDING) must land first, not everyone's.
    while (!this.failure && (this.#queue.holds(id) || this.#busy.has(id))) {
      const landed = new Promise<void>((resolve) => this.#onLanded.add(resolve));
      this.#urgent = true;
      this.#start();
      await landed;
    }
    if (this.failure) throw failureError(this.failure);
    try {
      const { results } = await this.#client.applyTaskRunBatch(
        this.#flowRunId,
        { items: [item], lease_id: this.#leaseId },
        { held: true },
      );
      return results[0]!;
    } catch (error) {
      this.failure ??= error instanceof StaleLeaseError ? { kind: 'stale_lease' } : { kind: 'error', error };
      throw error;
    }
  }

  /**
   * The flow function has returned: requests in flight land, and what is still queued waits to go with
   * the flow run's final state (`proposeFlowRunState`) instead of on its own. A flush, a waited
   * proposal or a full queue still sends at once. `release` undoes it (a flow run retried in place).
   */
  async holdForFinalState(): Promise<void> {
    this.#held = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#sending) await this.#sending;
  }

  release(): void {
    this.#held = false;
    if (this.#size > 0) this.#schedule();
  }

  /**
   * Proposes the flow run's state (with its transition id) together with the queued reports, which
   * the server applies first: one request where there would be two. Null when it did not: nothing was
   * queued, or more than one batch holds, or the server answered the items only (an older server), or
   * the reporter failed (`failure` says how); otherwise the caller proposes through `set_state`, with
   * everything queued sent by then.
   */
  async proposeFlowRunState(state: StateCreate): Promise<OrchestrationResult | null> {
    await this.holdForFinalState();
    if (this.failure || this.#size === 0) return null;
    if (this.#size > this.#maxBatch || !this.#beside.fitsBesideFinalState()) {
      await this.flush();
      return null;
    }
    // A failed request leaves `failure` set (and no answer): the caller stops as it says.
    return (await this.#dispatch(this.#takeBatch(false), state)) ?? null;
  }

  /** Resolves once everything queued so far has been sent (or the reporter has failed). */
  async flush(): Promise<void> {
    while (this.#size > 0 || this.#sending) {
      this.#urgent = true;
      this.#start();
      await this.#sending;
    }
  }

  #start(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#sending) {
      this.#nudge();
      return;
    }
    this.#sending = this.#drain().finally(() => {
      this.#sending = null;
      if (this.#size > 0) this.#schedule();
    });
  }

  /** After an item was queued: a full queue goes soon, else the interval's timer sends it (unless a send runs). */
  #sendWhenDue(): void {
    if (this.#size >= this.#maxBatch) this.#startSoon();
    else if (!this.#sending && !this.#held) this.#timer ??= setTimeout(() => this.#start(), this.#intervalMs);
  }

  /**
   * A full queue goes once the code filling it yields to the event loop, not in the middle: a
   * `task.map` queues every create in one call and each task's RUNNING and COMPLETED just after, so
   * its batches then carry whole task runs, which the server reads and writes once each, instead of
   * 500 creates alone followed by their runs' other items. (A request cannot go out before then.)
   */
  #startSoon(): void {
    this.#soon ??= setImmediate(() => {
      this.#soon = undefined;
      this.#start();
    });
  }

  #nudge(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #push(queued: Queued): void {
    if (this.#size === 0) this.#oldest = Date.now();
    this.#size++;
    this.#queue.push(queued);
  }

  #schedule(): void {
    if (this.#held && !this.#due()) return;
    const wait = this.#due() ? 0 : Math.max(0, this.#oldest + this.#intervalMs - Date.now());
    if (wait === 0) this.#start();
    else this.#timer ??= setTimeout(() => this.#start(), wait);
  }

  /** Something must go now: a waiter, a full batch, or items older than the interval (unless held). */
  #due(): boolean {
    if (this.#urgent || this.#size >= this.#maxBatch) return true;
    return !this.#held && Date.now() - this.#oldest >= this.#intervalMs;
  }

  async #drain(): Promise<void> {
    for (;;) {
      const due = this.#size > 0 && this.#due();
      if (!due && this.#inFlight === 0) return;
      // A waiter's batch must not overtake anything in flight: it goes once the line is clear.
      const waiting = this.#queue.waiters > 0;
      const batch =
        due && this.#inFlight < (waiting ? 1 : MAX_IN_FLIGHT)
          ? this.#takeBatch(!waiting)
          : { items: [], ...nothingBeside() };
      if (isEmpty(batch)) {
        await new Promise<void>((wake) => {
          this.#wake = wake;
        });
        continue;
      }
      if (this.#queue.waiters === 0 && !batch.items.some((queued) => queued.answer)) this.#urgent = false;
      this.#oldest = Date.now();
      void this.#dispatch(batch);
    }
  }

  /** Sends `batch` (with the flow run's state when given: its answer is returned). */
  async #dispatch(batch: Batch, flowRunState?: StateCreate): Promise<OrchestrationResult | undefined> {
    this.#inFlight++;
    const besideLanded = this.#beside.sending(batch);
    const ids = new Set(batch.items.map((queued) => taskRunIdOf(queued.item)));
    for (const id of ids) this.#busy.add(id);
    try {
      return await this.#send(batch, flowRunState);
    } finally {
      for (const id of ids) this.#busy.delete(id);
      this.#inFlight--;
      besideLanded();
      this.#nudge();
      for (const landed of this.#onLanded) landed();
      this.#onLanded.clear();
    }
  }

  /** Up to `maxBatch` items (report-queue.ts), and whatever rides beside them. */
  #takeBatch(skipBusy: boolean): Batch {
    const items = this.#queue.take(this.#maxBatch, (id) => skipBusy && this.#busy.has(id));
    this.#size -= items.length;
    const beside = this.#beside.take();
    this.#size -= countBeside(beside);
    return { items, ...beside };
  }

  async #send(
    { items: batch, events, artifacts, progress }: Batch,
    flowRunState?: StateCreate,
  ): Promise<OrchestrationResult | undefined> {
    if (this.failure) {
      for (const queued of batch) queued.answer?.reject(failureError(this.failure));
      return;
    }
    const waited = flowRunState !== undefined || batch.some((queued) => queued.answer);
    try {
      const { results, flow_run_result } = await this.#client.applyTaskRunBatch(this.#flowRunId, {
        items: batch.map((queued) => queued.item),
        ...(events.length > 0 ? { events } : {}),
        ...(artifacts.length > 0 ? { artifacts } : {}),
        ...(progress.length > 0 ? { artifact_progress: progress } : {}),
        lease_id: this.#leaseId,
        // Nobody waits on the index or the states for plain reports; the flow run's final state
        // catches the index up, and an ABORT still says why in its details.
        defer_index: !waited,
        omit_states: !batch.some((queued) => queued.answer),
        ...(flowRunState ? { flow_run_state: { state: flowRunState, force: false } } : {}),
      });
      batch.forEach((queued, index) => {
        const result = results[index]!;
        if (queued.answer) queued.answer.resolve(result);
        else if (result.status === 'ABORT') this.#abortedBy(result);
      });
      return flow_run_result;
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
