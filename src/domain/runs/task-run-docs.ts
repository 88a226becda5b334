// The task run document the flow run object stores, and its mapping to the rules' snapshot.
import { type State, type TaskRun, type TaskRunCreate, TaskRunPolicySchema } from 'edgeflow/protocol';
import type { TaskRunSnapshot } from '../orchestration/types';
import { transitionFields } from './transition-fields';
import { withoutNulls } from './without-nulls';

export type NewTaskRun = Omit<TaskRunCreate, 'flow_run_id'> & { id: string };

export function newTaskRunDoc(flowRunId: string, input: NewTaskRun, now: Date): TaskRun {
  const at = now.toISOString();
  return {
    id: input.id,
    created: at,
    updated: at,
    flow_run_id: flowRunId,
    task_key: input.task_key,
    dynamic_key: input.dynamic_key,
    name: input.name ?? `${input.task_key}-${input.dynamic_key}`,
    tags: [...new Set(input.tags)],
    cache_key: input.cache_key ?? null,
    cache_expiration: input.cache_expiration ?? null,
    empirical_policy: TaskRunPolicySchema.parse(withoutNulls(input.empirical_policy ?? {})),
    task_inputs: input.task_inputs ?? {},
    state: null,
    state_id: null,
    state_type: null,
    state_name: null,
    run_count: 0,
    flow_run_run_count: 0,
    expected_start_time: null,
    next_scheduled_start_time: null,
    start_time: null,
    end_time: null,
    total_run_time: 0,
  };
}

export function taskRunSnapshot(doc: TaskRun): TaskRunSnapshot {
  return {
    id: doc.id,
    flow_run_id: doc.flow_run_id,
    state: doc.state,
    empirical_policy: doc.empirical_policy,
    cache_key: doc.cache_key,
    cache_expiration: doc.cache_expiration,
    flow_run_run_count: doc.flow_run_run_count,
    run_count: doc.run_count,
    start_time: doc.start_time,
    end_time: doc.end_time,
    total_run_time: doc.total_run_time,
    expected_start_time: doc.expected_start_time,
    next_scheduled_start_time: doc.next_scheduled_start_time,
  };
}

export function applyTaskTransition(
  doc: TaskRun,
  run: TaskRunSnapshot,
  written: State | null,
  now: Date,
): TaskRun {
  return {
    ...doc,
    ...transitionFields(doc.state, written, run, now),
    cache_key: run.cache_key,
    cache_expiration: run.cache_expiration,
    flow_run_run_count: run.flow_run_run_count,
  };
}
