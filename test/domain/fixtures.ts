// Builders for the orchestration tests: runs, states and a clock fixed at one instant.
import type { State, StateCreate, StateType } from 'edgeflow/protocol';
import {
  type FlowOrchestrationOptions,
  type FlowRunSnapshot,
  type OrchestrationClock,
  orchestrateFlowRun,
  type ParentFlowRunView,
  type TaskRunSnapshot,
} from '../../src/domain/orchestration';

export const NOW = new Date('2026-01-01T12:00:00.000Z');

export function at(offsetSeconds: number): string {
  return new Date(NOW.getTime() + offsetSeconds * 1000).toISOString();
}

export function clock(options: { now?: Date; random?: number } = {}): OrchestrationClock {
  let next = 0;
  return {
    now: options.now ?? NOW,
    newStateId: () => `state-${++next}`,
    random: () => options.random ?? 0.5,
  };
}

export function state(type: StateType, fields: Partial<State> = {}): State {
  const name = type.charAt(0) + type.slice(1).toLowerCase();
  return {
    id: 'previous-state',
    type,
    name,
    timestamp: at(-60),
    message: null,
    data: null,
    state_details: {},
    ...fields,
  };
}

export function flowRun(fields: Partial<FlowRunSnapshot> = {}): FlowRunSnapshot {
  return {
    id: 'flow-run-1',
    state: null,
    empirical_policy: { retries: 0, retry_delay: 0, pause_keys: [], resuming: false, retry_type: null },
    deployment_id: null,
    work_pool_name: null,
    infrastructure_pid: null,
    parent_task_run_id: null,
    run_count: 0,
    start_time: null,
    end_time: null,
    total_run_time: 0,
    expected_start_time: null,
    next_scheduled_start_time: null,
    ...fields,
  };
}

export function taskRun(fields: Partial<TaskRunSnapshot> = {}): TaskRunSnapshot {
  return {
    id: 'task-run-1',
    flow_run_id: 'flow-run-1',
    state: null,
    empirical_policy: { retries: 0, retry_delay: 0, retry_jitter_factor: null },
    cache_key: null,
    cache_expiration: null,
    flow_run_run_count: 1,
    run_count: 0,
    start_time: null,
    end_time: null,
    total_run_time: 0,
    expected_start_time: null,
    next_scheduled_start_time: null,
    ...fields,
  };
}

export function parentFlow(fields: Partial<ParentFlowRunView> = {}): ParentFlowRunView {
  return {
    state_type: 'RUNNING',
    state_name: 'Running',
    run_count: 1,
    state_details_pause_timeout: null,
    state_details_pause_reschedule: null,
    ...fields,
  };
}

/** One proposal through the flow policy (or the options' policy), at NOW unless told otherwise. */
export function proposeFlow(
  run: FlowRunSnapshot,
  proposed: StateCreate,
  options: { force?: boolean; now?: Date } & FlowOrchestrationOptions = {},
) {
  const { force = false, now, ...rest } = options;
  return orchestrateFlowRun({ run, proposed, force, clock: clock({ now }) }, rest);
}

/** A flow run's empirical policy with `fields` changed. */
export const flowPolicyWith = (fields: Partial<FlowRunSnapshot['empirical_policy']>) => ({
  ...flowRun().empirical_policy,
  ...fields,
});
