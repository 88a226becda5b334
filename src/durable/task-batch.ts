// Applies a batch of task-run reports in order, each through the task rules; one rejected item
// never undoes the others (CONTRACTS §4). Synchronous: the caller loads cache hits beforehand.
import type { FlowRun, State, TaskRunBatchItem, TaskRunBatchResult } from 'edgeflow/protocol';
import { orchestrateTaskRun } from '../domain/orchestration';
import type { CacheInsert, OrchestrationClock, ParentFlowRunView } from '../domain/orchestration/types';
import { applyTaskTransition, newTaskRunDoc, taskRunSnapshot } from '../domain/runs/task-run-docs';
import type { RunStorage } from './run-storage';

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
): TaskBatchOutcome {
  const results: TaskRunBatchResult[] = [];
  const written: boolean[] = [];
  const cacheInserts: CacheInsert[] = [];
  let wroteState = false;

  const propose = (
    taskRunId: string,
    proposed: TaskRunBatchItem & { op: 'set_state' },
  ): TaskRunBatchResult => {
    const stored = storage.readTaskRun(taskRunId);
    if (!stored) return notFound(taskRunId);
    const transitionId = proposed.state.state_details?.transition_id;
    if (transitionId) {
      const earlier = storage.readTransitionAnswer<TaskRunBatchResult>(taskRunId, transitionId);
      if (earlier) return earlier;
    }
    const cacheKey = proposed.state.state_details?.cache_key ?? stored.doc.cache_key;
    // A key given at creation applies to every proposal of the run, as if the SDK had repeated it.
    const state = cacheKey
      ? { ...proposed.state, state_details: { cache_key: cacheKey, ...proposed.state.state_details } }
      : proposed.state;
    const outcome = orchestrateTaskRun({
      run: taskRunSnapshot(stored.doc),
      flowRun: parentView(flowRun),
      proposed: state,
      force: proposed.force,
      cached: cacheKey ? (cached.get(cacheKey) ?? null) : null,
      clock,
    });
    if (outcome.written) {
      wroteState = true;
      storage.appendState(outcome.written, taskRunId);
      storage.writeTaskRun(
        applyTaskTransition(stored.doc, outcome.run, outcome.written, clock.now),
        stored.version,
      );
    }
    if (outcome.cacheInsert) cacheInserts.push(outcome.cacheInsert);
    const result: TaskRunBatchResult = { task_run_id: taskRunId, ...outcome.result };
    if (transitionId) storage.recordTransitionAnswer(taskRunId, transitionId, result);
    return result;
  };

  for (const item of items) {
    wroteState = false;
    if (item.op === 'set_state') {
      results.push(propose(item.task_run_id, item));
      written.push(wroteState);
      continue;
    }
    const { task_run: input } = item;
    const existing =
      storage.readTaskRun(input.id) ?? storage.readTaskRunByKey(input.task_key, input.dynamic_key);
    if (existing) {
      results.push({
        task_run_id: existing.doc.id,
        status: 'ACCEPT',
        state: existing.doc.state,
        details: { type: 'accept_details' },
      });
      written.push(false);
      continue;
    }
    storage.writeTaskRun(newTaskRunDoc(flowRun.id, input, clock.now), 0);
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
  return { results, written, cacheInserts };
}

/** The cache keys a batch may look up: RUNNING proposals carrying a key and not refreshing. */
export function cacheKeysToLookUp(storage: RunStorage, items: TaskRunBatchItem[]): string[] {
  const keys = new Set<string>();
  const createdKeys = new Map<string, string | undefined>();
  for (const item of items) {
    if (item.op === 'create') createdKeys.set(item.task_run.id, item.task_run.cache_key);
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
