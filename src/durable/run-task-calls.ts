// The flow run object's task-run writes: a batch of task reports, or one task run created on its own.
// Cache look-ups and tag limits are settled around one transaction (docs/orchestration.md).
import type { State, TaskRun, TaskRunBatchItem, TaskRunBatchResult } from 'edgeflow/protocol';
import { readCachedStates } from '../db/run-index';
import type { NewTaskRun } from '../domain/runs/task-run-docs';
import type { Env } from '../env';
import { type RunParts, systemClock } from './run-proposals';
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
}

export type TaskBatchReply =
  | { kind: 'ok'; results: TaskRunBatchResult[]; written: boolean[] }
  | { kind: 'not_found' }
  | { kind: 'stale_lease' };

export class RunTaskCalls {
  constructor(
    private readonly env: Env,
    private readonly run: RunParts,
  ) {}

  /**
   * Applies a task-run batch. With `deferIndex` the answer does not wait for D1: the index is written
   * in the background, one write at a time, each carrying every row changed since the last. With
   * `omitStates` the results carry `state: null` (the recorded answers keep their states).
   */
  async applyBatch(
    items: TaskRunBatchItem[],
    { leaseId, deferIndex = false, omitStates = false, events = [] }: TaskBatchOptions = {},
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
    if (deferIndex) outbox.flushInBackground(cacheRecords);
    else await outbox.flush(cacheRecords);
    const results = omitStates
      ? outcome.results.map((result) => ({ ...result, state: null }))
      : outcome.results;
    return { kind: 'ok', results, written: outcome.written };
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
