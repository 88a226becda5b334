// Delivers what a flow run object's outbox holds: the run's and its task runs' rows to the D1 index,
// with the events the object made (in the same D1 batch), the run's dispatch view to its work pool,
// and a subflow's state to its parent task run. A failed delivery stays in the outbox and the object's
// alarm retries it (`index_retry`); one the process died before making is made by the object's next
// call, a retried one that writes nothing included (run-proposals.ts `settle`). So nothing committed
// in the object is lost to D1.
import type { FlowRun } from 'edgeflow/protocol';
import { eventInsertStatements } from '../db/events';
import { flowRunIdOfTaskRun, indexedDelivery } from '../db/flow-run-queries';
import { type CacheRecord, type IndexedFlowRun, writeRunIndex } from '../db/run-index';
import { activeSubflowRuns } from '../db/subflow-queries';
import { type DispatchView, dispatchView, poolMayHearLater } from '../domain/dispatch';
import {
  CHILDREN_PER_DELIVERY,
  childProposal,
  type ParentEnd,
  parentTaskProposal,
} from '../domain/orchestration';
import type { Env } from '../env';
import { flowRunObject, nudgeAutomations, workPoolObject } from './objects';
import type { RunStorage } from './run-storage';

/** How soon a failed index write or pool notification is tried again. */
const INDEX_RETRY_MS = 5_000;

export type TellPool = 'when_it_matters' | 'always';

/**
 * What the run's next index write would carry, handed to its work pool, which writes the index rows of
 * every run one claim took in one D1 batch (run-claimer.ts). Plain data: it crosses an RPC.
 */
export interface HandedOverIndex {
  flowRun: IndexedFlowRun;
  /** The run's undelivered events, as their JSON texts. */
  events: string[];
}

export class RunOutbox {
  /** What the run's pool was last told or recorded itself (a claim); unknown after a restart. */
  private poolView: DispatchView | undefined;
  private indexWrite: Promise<void> | null = null;
  private background: Promise<void> | null = null;
  private backgroundAgain = false;
  private backgroundCacheRecords: CacheRecord[] = [];
  /** The tags (as JSON) the run's index row got in this object's last index write; unknown after a restart. */
  private indexedTags: string | undefined;
  /** The flow run that holds this subflow's parent task run, once looked up. */
  private parentFlowRunId: string | undefined;
  /** The run is being made and its first index write is still to come: nothing is handed over. */
  private creating = false;

  constructor(
    private readonly env: Env,
    /** The object's storage (replaced when the run is deleted). */
    private readonly storage: () => RunStorage,
    /** Arms the object's alarm for its earliest timer (a retry was just scheduled). */
    private readonly armAlarm: () => Promise<void>,
  ) {}

  /**
   * Brings the D1 index and the run's work pool up to date. Both go out at once: the caller waits for
   * the slower, not the sum.
   */
  async flush(
    cacheRecords: CacheRecord[],
    tellPool: TellPool = 'when_it_matters',
    { index = true }: { index?: boolean } = {},
  ): Promise<void> {
    await Promise.all([
      index ? this.writeIndex(cacheRecords) : undefined,
      this.syncPool(tellPool),
      this.tellParentTask(),
      this.tellChildren(),
    ]);
    // Caught up: a pending retry has nothing left to do.
    const storage = this.storage();
    const behind = ['flow_run', 'task_run', 'pool_sync', 'parent_task', 'children'] as const;
    if (!behind.some((kind) => storage.isDirty(kind)) && !storage.events.hasPending())
      storage.timers.clear('index_retry');
  }

  /** One background flush at a time; changes made meanwhile go in the next one. */
  flushInBackground(cacheRecords: CacheRecord[]): void {
    this.backgroundCacheRecords.push(...cacheRecords);
    if (this.background) {
      this.backgroundAgain = true;
      return;
    }
    this.background = (async () => {
      do {
        this.backgroundAgain = false;
        await this.flush(this.backgroundCacheRecords.splice(0));
      } while (this.backgroundAgain);
    })().finally(() => {
      this.background = null;
    });
  }

  /** Settles once no background flush is in flight (cache records it carries are then in D1). */
  async backgroundDone(): Promise<void> {
    await this.background;
  }

  /** The index holds the run as this object does (docs/orchestration.md, "The D1 index"), as far as D1 lets it. */
  async caughtUp(): Promise<void> {
    await this.background;
    const storage = this.storage();
    if (!storage.isDirty('flow_run')) return;
    if (await this.indexHoldsRun(storage)) return;
    await this.flush([]);
  }

  /**
   * Whether D1 already holds the run at this object's version and the newest event the object holds
   * (so every event before it), recorded as delivered if so. An object woken (evicted, restarted)
   * before the write that deletes its delivered rows cannot tell them from undelivered ones: a read
   * asks D1, a read, rather than deliver again, a write and a commit (docs/performance.md, "Commits
   * per write"). Task runs behind are delivered as before.
   */
  private async indexHoldsRun(storage: RunStorage): Promise<boolean> {
    const stored = storage.readRun();
    if (!stored || storage.isDirty('task_run')) return false;
    const newest = storage.events.newestPending();
    const indexed = await indexedDelivery(this.env.DB, stored.doc.id, newest?.id ?? null);
    // The object may have written meanwhile: only what was read is known delivered.
    if (indexed.version === null || indexed.version < stored.version) return false;
    if (newest && !indexed.eventStored) return false;
    storage.clearOutbox([{ kind: 'flow_run', id: stored.doc.id, version: stored.version }]);
    if (newest) storage.events.delivered(newest.seq);
    return !storage.isDirty('flow_run');
  }

  /**
   * The index rows the run is behind on, for its pool to write with other runs' (a claim): null when it
   * has task runs behind too, or nothing. The outbox keeps them: the object's next write delivers them
   * again, a versioned no-op for the row and an ignored duplicate for the events, unless a read finds
   * D1 holding them first. So a write the pool never makes loses nothing.
   */
  handOverIndex(): HandedOverIndex | null {
    const storage = this.storage();
    // A claim made while the run's create delivers (a held claim served by its pool sync) would hand
    // over a row the index does not have yet: the object writes that one itself.
    if (this.creating || storage.isDirty('task_run') || this.indexWrite || this.background) return null;
    const { flowRun } = storage.readOutbox();
    if (!flowRun) return null;
    return { flowRun: this.withTagsIndexed(flowRun), events: storage.events.readPending()?.jsonTexts ?? [] };
  }

  /**
   * Runs a new run's first deliveries (`deliver`): while they go, its index rows are never handed over.
   * The index holds no tags for a run just made (a deleted run's went with its delete), so a run made
   * without tags sends no tag statements.
   */
  async deliverNewRun(deliver: () => Promise<void>): Promise<void> {
    this.indexedTags = '[]';
    this.creating = true;
    try {
      await deliver();
    } finally {
      this.creating = false;
    }
  }

  /** The pool recorded this view itself (it made the claim): it need not hear it back. */
  poolRecorded(view: DispatchView | null): void {
    this.poolView = view ?? undefined;
  }

  /** The run was deleted: whatever the pool or the index knew is no basis for skipping a write. */
  forgetPool(): void {
    this.poolView = undefined;
    this.indexedTags = undefined;
  }

  async syncPool(tellPool: TellPool): Promise<void> {
    const storage = this.storage();
    if (!storage.isDirty('pool_sync')) return;
    const stored = storage.readRun();
    const view = stored && dispatchView(stored.doc, stored.version, stored.leaseId);
    if (!view) return;
    // A change the pool does not dispatch by (PENDING to RUNNING under the same lease) stays in the
    // outbox and rides on the next one that matters, so a run's start costs the pool nothing.
    if (tellPool === 'when_it_matters' && this.poolView && poolMayHearLater(this.poolView, view)) return;
    try {
      await workPoolObject(this.env, view.work_pool_name).syncRun(view);
      this.poolView = view;
      storage.clearOutbox([{ kind: 'pool_sync', id: view.flow_run_id, version: view.version }]);
    } catch (error) {
      console.error('work pool notification failed; retrying from the alarm', error);
      await this.retryLater();
    }
  }

  /**
   * A subflow's parent task run takes each state the subflow writes (Prefect's UpdateSubflowParentTask),
   * forced, through the parent flow run's object; a failed delivery is retried from the alarm.
   */
  async tellParentTask(): Promise<void> {
    const storage = this.storage();
    if (!storage.isDirty('parent_task')) return;
    const stored = storage.readRun();
    const proposal = stored && parentTaskProposal(stored.doc);
    if (!stored || !proposal) return;
    try {
      this.parentFlowRunId ??= (await flowRunIdOfTaskRun(this.env.DB, proposal.taskRunId)) ?? undefined;
      // A parent task run that is not (or no longer) there has nothing to follow.
      if (this.parentFlowRunId) {
        await flowRunObject(this.env, this.parentFlowRunId).applyTaskBatch(
          [{ op: 'set_state', task_run_id: proposal.taskRunId, state: proposal.state, force: true }],
          {},
        );
      }
      storage.clearOutbox([{ kind: 'parent_task', id: stored.doc.id, version: stored.version }]);
    } catch (error) {
      console.error("a subflow's parent task run was not updated; retrying from the alarm", error);
      await this.retryLater();
    }
  }

  /**
   * A crashed or cancelled run's subflow runs follow it (domain: subflow-children.ts), each through
   * its own object and rules; found through the index, where a child names its parent task run.
   */
  async tellChildren(): Promise<void> {
    const storage = this.storage();
    if (!storage.isDirty('children')) return;
    const stored = storage.readRun();
    if (!stored) return;
    for (const parentEnd of storage.readOutboxIds('children') as ParentEnd[]) {
      try {
        const children = await activeSubflowRuns(this.env.DB, stored.doc.id, CHILDREN_PER_DELIVERY);
        for (const child of children) {
          const state = childProposal(parentEnd, child);
          if (state) await flowRunObject(this.env, child.id).setState({ state, force: false });
        }
        storage.clearOutboxEntry('children', parentEnd);
      } catch (error) {
        console.error("a run's subflow runs did not follow its end; retrying from the alarm", error);
        await this.retryLater();
      }
    }
  }

  /** One index write at a time: one that waited finds the outbox as the earlier left it, often empty. */
  private async writeIndex(cacheRecords: CacheRecord[]): Promise<void> {
    while (this.indexWrite) await this.indexWrite;
    const write = this.writeIndexNow(cacheRecords);
    this.indexWrite = write;
    try {
      await write;
    } finally {
      if (this.indexWrite === write) this.indexWrite = null;
    }
  }

  private async writeIndexNow(cacheRecords: CacheRecord[]): Promise<void> {
    const storage = this.storage();
    const pending = storage.readOutbox();
    const events = storage.events.readPending();
    if (!pending.flowRun && pending.taskRuns.length === 0 && cacheRecords.length === 0 && !events) return;
    const flowRun = pending.flowRun && this.withTagsIndexed(pending.flowRun);
    const now = new Date();
    try {
      const eventRows = events ? eventInsertStatements(this.env.DB, events.jsonTexts, now) : [];
      const changed = await writeRunIndex(
        this.env.DB,
        flowRun,
        pending.taskRuns,
        cacheRecords,
        now,
        eventRows,
      );
      if (events) {
        storage.events.delivered(events.lastSeq);
        // The automations evaluator reads what was just stored (docs/automations.md); not awaited. A
        // delivery made again (run-outbox-rows.ts) stores nothing new, so it has nothing to read.
        if (changed > 0) void nudgeAutomations(this.env);
      }
      if (flowRun) this.indexedTags = JSON.stringify(flowRun.doc.tags);
      storage.clearOutbox([
        ...(pending.flowRun
          ? [{ kind: 'flow_run' as const, id: pending.flowRun.doc.id, version: pending.flowRun.version }]
          : []),
        ...pending.taskRuns.map((task) => ({
          kind: 'task_run' as const,
          id: task.id,
          version: task.version,
        })),
      ]);
    } catch (error) {
      // The change is committed here; only the index is behind. Cache records are an optimisation
      // and are not retried: a missed one costs one recomputation.
      console.error('index write failed; retrying from the alarm', error);
      await this.retryLater();
      return;
    }
    // More events than one write carries: the next write takes them straight away.
    if (events && storage.events.hasPending()) await this.writeIndexNow([]);
  }

  /** The run's row as an index write carries it: tag statements only when its tags changed since the last. */
  private withTagsIndexed(flowRun: { doc: FlowRun; version: number }): IndexedFlowRun {
    return { ...flowRun, tagsIndexed: JSON.stringify(flowRun.doc.tags) === this.indexedTags };
  }

  private async retryLater(): Promise<void> {
    this.storage().timers.set('index_retry', Date.now() + INDEX_RETRY_MS);
    await this.armAlarm();
  }
}
