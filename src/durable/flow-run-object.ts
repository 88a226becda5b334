// One Durable Object per flow run: the single writer of the run's state, its history, its task runs
// and its timers. It answers only after the D1 index has the change (docs/orchestration.md).
import { DurableObject } from 'cloudflare:workers';
import type {
  FlowRun,
  FlowRunInput,
  FlowRunInputCreate,
  FlowRunInputFilter,
  FlowRunUpdate,
  OrchestrationResult,
  SetStateBody,
  State,
  StateCreate,
  TaskRun,
  TaskRunBatchItem,
} from 'edgeflow/protocol';
import { defaultPolicy, type RunConcurrencyLimit } from '../domain/orchestration';
import { applyFlowRunUpdate } from '../domain/runs/flow-run-docs';
import { expiryProposal } from '../domain/runs/state-timers';
import type { NewTaskRun } from '../domain/runs/task-run-docs';
import type { Env } from '../env';
import type { ClaimReply, FlowRunDispatchApi } from './dispatch';
import { transitionFlowRun } from './flow-transitions';
import { RunConcurrency } from './run-concurrency';
import { RunDispatch } from './run-dispatch';
import { RunInputCalls } from './run-inputs';
import { RunOutbox } from './run-outbox';
import { type RunParts, RunProposals, systemClock } from './run-proposals';
import { type ResultKeysReply, RunRemoval } from './run-removal';
import { type ResumeReply, resumeRun } from './run-resume';
import { RunStorage } from './run-storage';
import { RunTaskCalls, type TaskBatchOptions, type TaskBatchReply } from './run-task-calls';
import { RunHeldReads, RunWatchers } from './run-watchers';
import { readTaskRunSummaries, readTaskRunsFingerprint } from './task-run-summaries';
import { TaskTagSlots } from './task-tag-slots';

export type SetStateReply =
  | { kind: 'ok'; written: boolean; result: OrchestrationResult }
  | { kind: 'not_found' }
  | { kind: 'stale_lease' };

export type { TaskBatchOptions, TaskBatchReply } from './run-task-calls';

export class FlowRunObject extends DurableObject<Env> implements FlowRunDispatchApi {
  private storage: RunStorage;
  private readonly concurrency: RunConcurrency;
  private readonly outbox: RunOutbox;
  private readonly proposals: RunProposals;
  private readonly dispatch: RunDispatch;
  private readonly tagSlots: TaskTagSlots;
  private readonly watchers = new RunWatchers();
  private readonly inputs: RunInputCalls;
  private readonly heldReads: RunHeldReads;
  private readonly taskCalls: RunTaskCalls;
  private readonly removal: RunRemoval;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = new RunStorage(ctx.storage);
    this.concurrency = new RunConcurrency(() => this.storage, env);
    this.tagSlots = new TaskTagSlots(() => ctx.storage.sql, env);
    this.outbox = new RunOutbox(
      env,
      () => this.storage,
      () => this.armAlarm(),
    );
    const parts: RunParts = {
      storage: () => this.storage,
      concurrency: () => this.concurrency,
      tagSlots: () => this.tagSlots,
      outbox: this.outbox,
      armAlarm: () => this.armAlarm(),
      stateWritten: () => this.watchers.wake(),
    };
    this.proposals = new RunProposals(parts);
    this.dispatch = new RunDispatch(parts, this.proposals);
    this.inputs = new RunInputCalls(() => this.storage, this.watchers);
    this.heldReads = new RunHeldReads(() => this.storage, this.watchers);
    this.taskCalls = new RunTaskCalls(env, parts, this.proposals);
    this.removal = new RunRemoval(env, parts, ctx.storage.sql, () => this.wipe());
  }

  /**
   * Creates the run, or returns the one this object already holds (idempotent creation). `limits`
   * are the concurrency limits the run is subject to (its deployment's, its schedule's), copied now.
   */
  async create(
    doc: FlowRun,
    initial: StateCreate | null,
    limits: RunConcurrencyLimit[] = [],
  ): Promise<{ created: boolean; run: FlowRun }> {
    const existing = this.storage.readRun();
    if (existing) return { created: false, run: existing.doc };
    const clock = systemClock();
    this.storage.atomically(() => {
      this.storage.writeRun(doc, 0);
      this.concurrency.write(limits);
      // Prefect writes a new run's first state with force: the minimal policy, plus bookkeeping.
      if (initial) {
        transitionFlowRun(this.storage, {
          proposed: initial,
          force: true,
          policy: defaultPolicy(true),
          clock,
        });
      }
    });
    // The pool first: an agent waiting for a due run claims it before the pool answers, and then one
    // index write (the claim's, or the one below) carries the run as it is now, PENDING.
    await this.outbox.deliverNewRun(async () => {
      await this.outbox.syncPool('when_it_matters');
      await this.outbox.flush([]);
    });
    return { created: true, run: this.storage.readRun()!.doc };
  }

  /** The run; an index write still in flight, or one that failed, lands first, so a filter issued next agrees. */
  async read(): Promise<FlowRun | null> {
    await this.outbox.caughtUp();
    return this.storage.readRun()?.doc ?? null;
  }

  /**
   * The run once it has ended (a terminal state, published) or after `ms`, whichever is first: a
   * request held open instead of polled (runDeployment waits this way). Null when there is no run.
   */
  async waitForEnd(ms: number): Promise<FlowRun | null> {
    await this.heldReads.end(ms);
    return this.read();
  }

  async readStates(): Promise<State[] | null> {
    await this.outbox.caughtUp();
    return this.storage.readRun() ? this.storage.readStates(null) : null;
  }

  async setState(body: SetStateBody): Promise<SetStateReply> {
    const stored = this.storage.readRun();
    if (!stored) return { kind: 'not_found' };
    if (body.lease_id && body.lease_id !== stored.leaseId) return { kind: 'stale_lease' };
    const answer = await this.proposals.propose(body.state, { force: body.force });
    if (!answer) return { kind: 'not_found' };
    await this.proposals.settle(answer.written);
    return { kind: 'ok', ...answer };
  }

  /** Resumes a paused run; a pause waiting for typed input checks `runInput` (run-resume.ts). */
  resume(runInput?: Record<string, unknown>): Promise<ResumeReply> {
    return resumeRun(this.storage, this.proposals, runInput);
  }

  /** The run once its state is no longer `afterStateId` (at once if it is not), or as it is after `waitMs`. */
  nextState(afterStateId: string | undefined, waitMs: number): Promise<FlowRun | null> {
    return this.heldReads.nextState(afterStateId, waitMs);
  }

  addInput(input: FlowRunInputCreate): FlowRunInput | 'exists' | null {
    return this.inputs.add(input);
  }

  readInput(key: string): FlowRunInput | 'absent' | null {
    return this.inputs.read(key);
  }

  filterInputs(filter: FlowRunInputFilter): Promise<FlowRunInput[] | null> {
    return this.inputs.filter(filter);
  }

  removeInput(key: string): 'removed' | 'absent' | null {
    return this.inputs.remove(key);
  }

  async update(patch: FlowRunUpdate): Promise<FlowRun | null> {
    const stored = this.storage.readRun();
    if (!stored) return null;
    const doc = applyFlowRunUpdate(stored.doc, patch, new Date());
    this.storage.writeRun(doc, stored.version);
    await this.outbox.flush([]);
    return doc;
  }

  /** Deletes the run, its history and task runs, here and in the index. */
  remove(): Promise<boolean> {
    return this.removal.remove();
  }

  /** The R2 results this run wrote (docs/retention.md); only of a final run unless `anyState`. */
  async resultKeys({ anyState = false }: { anyState?: boolean } = {}): Promise<ResultKeysReply> {
    return this.removal.resultKeys(anyState);
  }

  /** Retention's delete-everything, refused unless the run is final (run-removal.ts). */
  purge(): Promise<'purged' | 'not_final' | 'absent'> {
    return this.removal.purge();
  }

  /** Deletes the run only if its deployment's schedules made it and it has not started. */
  removeUnstarted(): Promise<'removed' | 'kept' | 'absent'> {
    return this.removal.removeUnstarted();
  }

  /** Applies a task-run batch (run-task-calls.ts). */
  applyTaskBatch(items: TaskRunBatchItem[], options: TaskBatchOptions = {}): Promise<TaskBatchReply> {
    return this.taskCalls.applyBatch(items, options);
  }

  /** Creates one task run, or returns the existing one with the same id or (task_key, dynamic_key). */
  createTaskRun(input: NewTaskRun): Promise<{ created: boolean; run: TaskRun } | null> {
    return this.taskCalls.create(input);
  }

  async readTaskRun(id: string): Promise<TaskRun | null> {
    return this.storage.readTaskRun(id)?.doc ?? null;
  }

  async listTaskRuns(offset: number, limit: number): Promise<TaskRun[] | null> {
    return this.storage.readRun() ? this.storage.listTaskRuns(offset, limit) : null;
  }

  /**
   * Every task run summarised for the run graph (JSON text of a TaskRunSummary[]), with their
   * fingerprint; only the fingerprint when it is still `unchanged`. Null when there is no run.
   */
  async summariseTaskRuns(unchanged?: string): Promise<{ fingerprint: string; tasks: string | null } | null> {
    if (!this.storage.readRun()) return null;
    const fingerprint = readTaskRunsFingerprint(this.ctx.storage.sql);
    return {
      fingerprint,
      tasks: fingerprint === unchanged ? null : readTaskRunSummaries(this.ctx.storage.sql),
    };
  }

  async readTaskRunStates(id: string): Promise<State[] | null> {
    return this.storage.readTaskRun(id) ? this.storage.readStates(id) : null;
  }

  override async alarm(): Promise<void> {
    this.armedAt = undefined;
    const { due } = this.storage.timers.takeDue(Date.now());
    for (const timer of due) {
      if (timer === 'index_retry') {
        await this.outbox.flush([], 'always');
        continue;
      }
      const proposal = expiryProposal(timer, this.storage.readRun()?.doc.state_type ?? null);
      if (proposal) await this.proposals.proposeAndPublish(proposal);
    }
    await this.armAlarm();
  }

  // --- Dispatch: called by the run's work pool object (see run-dispatch.ts) ---

  claim(leaseId: string, agentName: string, options?: { handOverIndex?: boolean }): Promise<ClaimReply> {
    return this.dispatch.claim(leaseId, agentName, options);
  }

  unclaim(leaseId: string, reason: string): Promise<void> {
    return this.dispatch.unclaim(leaseId, reason);
  }

  crash(leaseId: string, reason: string): Promise<void> {
    return this.dispatch.crash(leaseId, reason);
  }

  markLate(): Promise<void> {
    return this.dispatch.markLate();
  }

  /** Cancels the run through the rules if the scheduler made it and it is still waiting to start: catch-up. */
  async cancelScheduled(message: string): Promise<boolean> {
    const doc = this.storage.readRun()?.doc;
    if (doc?.state_type !== 'SCHEDULED' || !doc.auto_scheduled) return false;
    const answer = await this.proposals.proposeAndPublish({ type: 'CANCELLED', name: 'Cancelled', message });
    return answer?.result.state?.type === 'CANCELLED';
  }

  /** Asked by a concurrency limit whose lease for this run lapsed: does the run still hold that slot? */
  async holdsConcurrencySlot(leaseId: string): Promise<boolean> {
    return this.concurrency.holds(this.storage.readRun()?.doc ?? null, leaseId);
  }

  /** Empties the object: storage, alarm and what it keeps in memory. */
  private async wipe(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.armedAt = null;
    this.outbox.forgetPool();
    this.storage = new RunStorage(this.ctx.storage);
    this.tagSlots.forget();
    // Held reads (a run's end, its next state, an input) answer now: the run is gone.
    this.watchers.wake();
  }

  /** The alarm this object last set (null: none); undefined when unknown (just loaded, or it fired). */
  private armedAt: number | null | undefined;

  private async armAlarm(): Promise<void> {
    const next = this.storage.timers.next();
    if (next === this.armedAt) return;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
    this.armedAt = next;
  }
}
