// Applies a batch of task-run reports in order, each through the task rules; one rejected item
// never undoes the others (docs/sdk.md, "Reports and where the SDK waits"). Synchronous: the caller loads cache hits beforehand. Each
// task run the batch touches is read and written once, however many of its items the batch holds.
import type { FlowRun, State, TaskRunBatchItem, TaskRunBatchResult } from 'edgeflow/protocol';
import type { CacheRecord } from '../db/run-index';
import { TaskRunStatesRecorder } from '../domain/events';
import {
  defaultPolicy,
  orchestrateTaskRun,
  type TagSlotAnswer,
  withTagConcurrency,
} from '../domain/orchestration';
import type { CacheInsert, OrchestrationClock, ParentFlowRunView } from '../domain/orchestration/types';
import { applyTaskTransition, newTaskRunDoc, taskRunSnapshot } from '../domain/runs/task-run-docs';
import type { RunStorage, StoredTaskRun } from './run-storage';

export interface TaskBatchOutcome {
  results: TaskRunBatchResult[];
  /** Per item: whether a state row was written (the single-item route answers 201 then). */
  written: boolean[];
  cacheInserts: CacheInsert[];
}

function parentView(flowRun: FlowRun): ParentFlowRunView {
  return {
    state_type: flowRun.state_type,
    state_name: flowRun.state_name,
    run_count: flowRun.run_count,
    state_details_pause_timeout: flowRun.state?.state_details.pause_timeout ?? null,
    state_details_pause_reschedule: flowRun.state?.state_details.pause_reschedule ?? null,
  };
}

const notFound = (taskRunId: string): TaskRunBatchResult => ({
  task_run_id: taskRunId,
  status: 'ABORT',
  state: null,
  details: { type: 'abort_details', reason: `Task run ${taskRunId} not found in this flow run.` },
});

export function applyTaskBatch(
  storage: RunStorage,
  flowRun: FlowRun,
  items: TaskRunBatchItem[],
  cached: ReadonlyMap<string, State>,
  clock: OrchestrationClock,
  /** By item index: what the tag limits answered for that RUNNING proposal (task-tag-slots.ts). */
  tagSlots: ReadonlyMap<number, TagSlotAnswer> = new Map(),
): TaskBatchOutcome {
  const results: TaskRunBatchResult[] = [];
  const written: boolean[] = [];
  const cacheInserts: CacheInsert[] = [];
  const cache = new Map(cached);
  let wroteState = false;
  // States and transition answers are written together at the end, in item order (few statements).
  const states: [string, State][] = [];
  const answers: [string, string, TaskRunBatchResult][] = [];
  const answered = new Map<string, TaskRunBatchResult>();
  // Each written state's event, committed with it as one record of the batch (docs/events.md).
  const stateEvents = new TaskRunStatesRecorder();

  // Every task run the batch touches is read once, changed in memory and written once at the end.
  const touched = new Map<string, StoredTaskRun & { dirty: boolean }>();
  const createdHere = new Set<string>();
  const createdByKey = new Map<string, string>();
  const load = (taskRunId: string) => {
    let entry = touched.get(taskRunId);
    if (!entry) {
      const stored = storage.readTaskRun(taskRunId);
      if (!stored) return null;
      entry = { ...stored, dirty: false };
      touched.set(taskRunId, entry);
    }
    return entry;
  };

  const propose = (
    taskRunId: string,
    proposed: TaskRunBatchItem & { op: 'set_state' },
    tagAnswer?: TagSlotAnswer,
  ): TaskRunBatchResult => {
    const stored = load(taskRunId);
    if (!stored) return notFound(taskRunId);
    const transitionId = proposed.state.state_details?.transition_id;
    // A run created by this very batch has no earlier answers to find.
    if (transitionId && !createdHere.has(taskRunId)) {
      const earlier =
        answered.get(`${taskRunId}\u0000${transitionId}`) ??
        storage.readTransitionAnswer<TaskRunBatchResult>(taskRunId, transitionId) ??
        acceptedEarlier(storage, taskRunId, transitionId);
      if (earlier) return earlier;
    }
    const cacheKey = proposed.state.state_details?.cache_key ?? stored.doc.cache_key;
    // A key given at creation applies to every proposal of the run, as if the SDK had repeated it.
    const state = cacheKey
      ? { ...proposed.state, state_details: { cache_key: cacheKey, ...proposed.state.state_details } }
      : proposed.state;
    const tagRules = tagAnswer
      ? { policy: withTagConcurrency(defaultPolicy(proposed.force)), extra: { tag_slots: tagAnswer } }
      : {};
    const outcome = orchestrateTaskRun(
      {
        run: taskRunSnapshot(stored.doc),
        flowRun: parentView(flowRun),
        proposed: state,
        force: proposed.force,
        cached: cacheKey ? (cache.get(cacheKey) ?? null) : null,
        clock,
      },
      tagRules,
    );
    if (outcome.written) {
      wroteState = true;
      states.push([taskRunId, outcome.written]);
      const previous = stored.doc.state;
      stored.doc = applyTaskTransition(stored.doc, outcome.run, outcome.written, clock.now);
      stateEvents.add(stored.doc, previous, outcome.written);
      stored.dirty = true;
    }
    if (outcome.cacheInsert) {
      cacheInserts.push(outcome.cacheInsert);
      // A later item of this batch with the same key hits what this one just cached.
      cache.set(outcome.cacheInsert.cache_key, outcome.cacheInsert.state);
    }
    const result: TaskRunBatchResult = { task_run_id: taskRunId, ...outcome.result };
    const key = `${taskRunId}\u0000${transitionId}`;
    // The first answer to a transition id is the one a resend gets back. The usual one, an ACCEPT
    // that wrote the proposal's own state, needs no row of its own: that state is found by its id.
    // A WAIT writes nothing, so a proposal resent after it is decided afresh (as for flow runs).
    if (transitionId && result.status !== 'WAIT' && !answered.has(key)) {
      answered.set(key, result);
      if (!acceptsOwnState(result, outcome.written, transitionId))
        answers.push([taskRunId, transitionId, result]);
    }
    return result;
  };

  for (const [index, item] of items.entries()) {
    wroteState = false;
    if (item.op === 'set_state') {
      results.push(propose(item.task_run_id, item, tagSlots.get(index)));
      written.push(wroteState);
      continue;
    }
    const { task_run: input } = item;
    const key = `${input.task_key}\u0000${input.dynamic_key}`;
    const earlierInBatch = createdByKey.get(key);
    const existing =
      load(input.id) ??
      (earlierInBatch ? load(earlierInBatch) : storage.readTaskRunByKey(input.task_key, input.dynamic_key));
    if (existing) {
      const { doc } = existing;
      results.push({
        task_run_id: doc.id,
        status: 'ACCEPT',
        state: doc.state,
        details: { type: 'accept_details' },
      });
      written.push(false);
      continue;
    }
    touched.set(input.id, { doc: newTaskRunDoc(flowRun.id, input, clock.now), version: 0, dirty: true });
    createdHere.add(input.id);
    createdByKey.set(key, input.id);
    if (input.state) {
      // As Prefect does for a run created with a state: the initial state goes in forced (minimal policy).
      results.push(
        propose(input.id, { op: 'set_state', task_run_id: input.id, state: input.state, force: true }),
      );
    } else {
      results.push({
        task_run_id: input.id,
        status: 'ACCEPT',
        state: null,
        details: { type: 'accept_details' },
      });
    }
    written.push(wroteState);
  }
  storage.appendTaskRunStates(states);
  storage.events.appendTaskRunStates(stateEvents, flowRun);
  storage.recordTransitionAnswers(answers);
  const dirty = [...touched.values()].filter((run) => run.dirty);
  storage.writeTaskRuns(dirty.map((run) => ({ doc: run.doc, previousVersion: run.version })));
  return { results, written, cacheInserts };
}

function acceptsOwnState(result: TaskRunBatchResult, written: State | null, transitionId: string): boolean {
  return (
    result.status === 'ACCEPT' &&
    written !== null &&
    result.state === written &&
    written.state_details.transition_id === transitionId &&
    Object.keys(result.details).length === 1
  );
}

/** The answer an earlier batch gave without recording it: the ACCEPT of the state with that transition id. */
function acceptedEarlier(
  storage: RunStorage,
  taskRunId: string,
  transitionId: string,
): TaskRunBatchResult | null {
  const state = storage.readStateWithTransitionId(taskRunId, transitionId);
  return state && { task_run_id: taskRunId, status: 'ACCEPT', state, details: { type: 'accept_details' } };
}

/** The cache keys a batch may look up: RUNNING proposals carrying a key and not refreshing. */
export function cacheKeysToLookUp(storage: RunStorage, items: TaskRunBatchItem[]): string[] {
  const keys = new Set<string>();
  const createdKeys = new Map<string, string | undefined>();
  for (const item of items) {
    if (item.op === 'create') createdKeys.set(item.task_run.id, item.task_run.cache_key ?? undefined);
    const state = item.op === 'set_state' ? item.state : item.task_run.state;
    if (state?.type !== 'RUNNING' || state.state_details?.refresh_cache) continue;
    const runKey =
      item.op === 'create'
        ? item.task_run.cache_key
        : createdKeys.has(item.task_run_id)
          ? createdKeys.get(item.task_run_id)
          : storage.readTaskRun(item.task_run_id)?.doc.cache_key;
    const key = state.state_details?.cache_key ?? runKey;
    if (key) keys.add(key);
  }
  return [...keys];
}

/** A cache record as the index stores it. */
export function toCacheRecord(insert: CacheInsert): CacheRecord {
  return {
    cacheKey: insert.cache_key,
    cacheExpiration: insert.cache_expiration ? new Date(insert.cache_expiration).toISOString() : null,
    taskRunId: insert.state.state_details.task_run_id ?? '',
    state: insert.state,
  };
}
