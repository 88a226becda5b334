// The flow run object's task-run writes: a batch of task reports, or one task run created on its own.
// Cache look-ups and tag limits are settled around one transaction (docs/orchestration.md).
import type {
  OrchestrationResult,
  State,
  StateCreate,
  TaskRun,
  TaskRunBatchItem,
  TaskRunBatchResult,
} from 'edgeflow/protocol';
import { type CacheRecord, readCachedStates } from '../db/run-index';
import type { NewTaskRun } from '../domain/runs/task-run-docs';
import type { Env } from '../env';
import { type RunParts, type RunProposals, systemClock } from './run-proposals';
import { applyTaskBatch, cacheKeysToLookUp, toCacheRecord } from './task-batch';

export interface TaskBatchOptions {
  /** The caller's lease: a stale one is refused. */
  leaseId?: string;
  /** Answer once the object has committed, writing the D1 index in the background. */
  deferIndex?: boolean;
  /** Answer every item with `state: null`. */
  omitStates?: boolean;
  /** Custom events sent with the batch: committed with it, delivered with its index write. */
  events?: unknown[];
  /**
   * The flow run's own proposal, made once the items are applied: one request, one index write (the
   * SDK's last reports with the run's final state). Not made when an item was aborted.
   */
  flowRunState?: { state: StateCreate; force?: boolean };
}

export type TaskBatchReply =
  | {
      kind: 'ok';
      results: TaskRunBatchResult[];
      written: boolean[];
      /** The answer to `flowRunState`, when there was one. */
      flowRun?: { result: OrchestrationResult; written: boolean };
    }
  | { kind: 'not_found' }
  | { kind: 'stale_lease' };

export class RunTaskCalls {
  constructor(
    private readonly env: Env,
    private readonly run: RunParts,
    private readonly proposals: RunProposals,
  ) {}

  /**
   * Applies a task-run batch. With `deferIndex` the answer does not wait for D1: the index is written
   * in the background, one write at a time, each carrying every row changed since the last. With
   * `omitStates` the results carry `state: null` (the recorded answers keep their states).
   */
  async applyBatch(
    items: TaskRunBatchItem[],
    { leaseId, deferIndex = false, omitStates = false, events = [], flowRunState }: TaskBatchOptions = {},
  ): Promise<TaskBatchReply> {
    const storage = this.run.storage();
    const { outbox } = this.run;
    const stored = storage.readRun();
    if (!stored) return { kind: 'not_found' };
    if (leaseId && leaseId !== stored.leaseId) return { kind: 'stale_lease' };

    // CacheRetrieval needs D1: look the keys up first (after any cache records still being written),
    // then decide everything in one transaction.
    const keys = cacheKeysToLookUp(storage, items);
    if (keys.length > 0) await outbox.backgroundDone();
    const cached = (await readCachedStates(this.env.DB, keys, new Date())) as Map<string, State>;
    // Tag limits: RUNNING proposals of tagged tasks take their slots first, held while limits are full.
    const tagSlots = this.run.tagSlots();
    const tags = await tagSlots.secureAll(stored.doc.id, storage, items);
    const clock = systemClock();
    const outcome = storage.atomically(() => {
      storage.events.append(events);
      return applyTaskBatch(storage, storage.readRun()!.doc, items, cached, clock, tags.answers);
    });
    await tagSlots.settle(tags.granted, (id) => storage.readTaskRun(id)?.doc.state_type ?? null, items);
    const cacheRecords = outcome.cacheInserts.map(toCacheRecord);
    const results = omitStates
      ? outcome.results.map((result) => ({ ...result, state: null }))
      : outcome.results;
    if (flowRunState) {
      const flowRun = await this.proposeAfter(outcome.results, flowRunState, cacheRecords);
      // Deleted meanwhile (a delete that came in while this batch waited on D1 or a tag limit).
      if (!flowRun) return { kind: 'not_found' };
      return { kind: 'ok', results, written: outcome.written, flowRun };
    }
    if (deferIndex) outbox.flushInBackground(cacheRecords);
    else await outbox.flush(cacheRecords);
    return { kind: 'ok', results, written: outcome.written };
  }

  /**
   * The flow run's proposal after its batch: the items' changes and the run's go to the index in one
   * write. An aborted item (the run no longer takes task runs: cancelled, paused) answers the flow
   * run's proposal with its ABORT instead, as the SDK would have stopped on it before proposing.
   */
  private async proposeAfter(
    results: TaskRunBatchResult[],
    { state, force = false }: { state: StateCreate; force?: boolean },
    cacheRecords: CacheRecord[],
  ): Promise<{ result: OrchestrationResult; written: boolean } | null> {
    const aborted = results.find((result) => result.status === 'ABORT');
    if (aborted) {
      await this.proposals.settle(false, cacheRecords);
      return { result: { status: 'ABORT', state: null, details: aborted.details }, written: false };
    }
    const answer = await this.proposals.propose(state, { force });
    if (!answer) return null;
    await this.proposals.settle(answer.written, cacheRecords);
    return { result: answer.result, written: answer.written };
  }

  /** Creates one task run, or returns the existing one with the same id or (task_key, dynamic_key). */
  async create(input: NewTaskRun): Promise<{ created: boolean; run: TaskRun } | null> {
    const storage = this.run.storage();
    if (!storage.readRun()) return null;
    const existing =
      storage.readTaskRun(input.id) ?? storage.readTaskRunByKey(input.task_key, input.dynamic_key);
    if (existing) return { created: false, run: existing.doc };
    const reply = await this.applyBatch([{ op: 'create', task_run: input }]);
    if (reply.kind !== 'ok') return null;
    return { created: true, run: this.run.storage().readTaskRun(input.id)!.doc };
  }
}
