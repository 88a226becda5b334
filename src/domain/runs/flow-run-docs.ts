// The flow run document the object stores and the API returns, and its mapping to the rules' snapshot.
import {
  type FlowRun,
  type FlowRunCreate,
  FlowRunPolicySchema,
  type FlowRunUpdate,
  type State,
} from 'edgeflow/protocol';
import type { FlowRunSnapshot } from '../orchestration/types';
import { friendlyRunName } from './names';
import { transitionFields } from './transition-fields';
import { withoutNulls } from './without-nulls';

export function newFlowRunDoc(id: string, input: FlowRunCreate, now: Date, random: () => number): FlowRun {
  const at = now.toISOString();
  return {
    id,
    created: at,
    updated: at,
    flow_id: input.flow_id,
    name: input.name ?? friendlyRunName(random),
    parameters: input.parameters,
    tags: [...new Set(input.tags)],
    idempotency_key: input.idempotency_key ?? null,
    state: null,
    state_id: null,
    state_type: null,
    state_name: null,
    run_count: 0,
    expected_start_time: null,
    next_scheduled_start_time: null,
    start_time: null,
    end_time: null,
    total_run_time: 0,
    estimated_run_time: 0,
    empirical_policy: FlowRunPolicySchema.parse(withoutNulls(input.empirical_policy ?? {})),
    deployment_id: input.deployment_id ?? null,
    work_pool_name: input.work_pool_name ?? null,
    work_queue_name: input.work_queue_name ?? (input.work_pool_name ? 'default' : null),
    entrypoint: input.entrypoint ?? null,
    parent_task_run_id: input.parent_task_run_id ?? null,
    infrastructure_pid: input.infrastructure_pid ?? null,
    auto_scheduled: false,
  };
}

export function flowRunSnapshot(doc: FlowRun): FlowRunSnapshot {
  return {
    id: doc.id,
    state: doc.state,
    empirical_policy: doc.empirical_policy,
    deployment_id: doc.deployment_id,
    work_pool_name: doc.work_pool_name,
    infrastructure_pid: doc.infrastructure_pid,
    parent_task_run_id: doc.parent_task_run_id,
    run_count: doc.run_count,
    start_time: doc.start_time,
    end_time: doc.end_time,
    total_run_time: doc.total_run_time,
    expected_start_time: doc.expected_start_time,
    next_scheduled_start_time: doc.next_scheduled_start_time,
  };
}

/** The document after a transition: the rules' bookkeeping, and the written state as current. */
export function applyFlowTransition(
  doc: FlowRun,
  run: FlowRunSnapshot,
  written: State | null,
  now: Date,
): FlowRun {
  return {
    ...doc,
    ...transitionFields(doc.state, written, run, now),
    empirical_policy: run.empirical_policy,
    infrastructure_pid: run.infrastructure_pid,
  };
}

export function applyFlowRunUpdate(doc: FlowRun, update: FlowRunUpdate, now: Date): FlowRun {
  return {
    ...doc,
    updated: now.toISOString(),
    name: update.name ?? doc.name,
    tags: update.tags ? [...new Set(update.tags)] : doc.tags,
    infrastructure_pid:
      update.infrastructure_pid === undefined ? doc.infrastructure_pid : update.infrastructure_pid,
    empirical_policy: { ...doc.empirical_policy, ...update.empirical_policy },
  };
}
