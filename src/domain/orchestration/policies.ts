// The ordered rule lists. Rules that need more inputs (deployment concurrency, work pools, tag limits)
// slot in with `insertRulesAfter` at Prefect's positions, e.g. after PreventPendingTransitions.
import {
  BypassCancellingFlowRunsWithNoInfra,
  EnforceCancellingToCancelledTransition,
  EnsureOnlyScheduledFlowsMarkedLate,
  type FlowRule,
  HandleFlowTerminalStateTransitions,
  HandlePausingFlows,
  HandleResumingPausedFlows,
  PreventDuplicateTransitions,
  PreventPendingTransitions,
  PreventResultDataLoss,
  RetryFailedFlows,
} from './flow-rules';
import type { Policy } from './pipeline';
import { copyScheduledTime, waitForScheduledTime } from './scheduling-rules';
import {
  CacheInsertion,
  CacheRetrieval,
  HandleTaskTerminalStateTransitions,
  PreventRunningTasksFromStoppedFlows,
  RenameReruns,
  RetryFailedTasks,
  type TaskRule,
  type TaskRuleInputs,
  UpdateFlowRunTrackerOnTasks,
} from './task-rules';
import type { FlowRunSnapshot, TaskRunSnapshot } from './types';

export const CORE_FLOW_POLICY: readonly FlowRule[] = [
  PreventDuplicateTransitions,
  HandleFlowTerminalStateTransitions,
  PreventResultDataLoss,
  EnforceCancellingToCancelledTransition,
  BypassCancellingFlowRunsWithNoInfra,
  PreventPendingTransitions,
  EnsureOnlyScheduledFlowsMarkedLate,
  HandlePausingFlows,
  HandleResumingPausedFlows,
  copyScheduledTime<FlowRunSnapshot, unknown>(),
  waitForScheduledTime<FlowRunSnapshot, unknown>(),
  RetryFailedFlows,
];

/** For `force=true`: still never loses a persisted result, still cancels runs with nothing to stop. */
export const MINIMAL_FLOW_POLICY: readonly FlowRule[] = [
  PreventResultDataLoss,
  BypassCancellingFlowRunsWithNoInfra,
];

/** For the late-run marker only. */
export const MARK_LATE_POLICY: readonly FlowRule[] = [EnsureOnlyScheduledFlowsMarkedLate];

export const CORE_TASK_POLICY: readonly TaskRule[] = [
  CacheRetrieval,
  HandleTaskTerminalStateTransitions,
  PreventRunningTasksFromStoppedFlows,
  copyScheduledTime<TaskRunSnapshot, TaskRuleInputs>(),
  waitForScheduledTime<TaskRunSnapshot, TaskRuleInputs>(),
  RetryFailedTasks,
  RenameReruns,
  UpdateFlowRunTrackerOnTasks,
  CacheInsertion,
];

/** For `force=true`; Prefect's holds only the tag-slot release, which comes with tag limits. */
export const MINIMAL_TASK_POLICY: readonly TaskRule[] = [];

export type FlowPolicyName = 'core' | 'minimal' | 'mark_late';
export type TaskPolicyName = 'core' | 'minimal';

/** Prefect's choice when the caller names no policy: a forced proposal gets the minimal one. */
export function defaultPolicy(force: boolean): FlowPolicyName & TaskPolicyName {
  return force ? 'minimal' : 'core';
}

export function flowPolicy(name: FlowPolicyName): Policy<FlowRunSnapshot> {
  switch (name) {
    case 'core':
      return CORE_FLOW_POLICY;
    case 'minimal':
      return MINIMAL_FLOW_POLICY;
    case 'mark_late':
      return MARK_LATE_POLICY;
    default:
      return name satisfies never;
  }
}

export function taskPolicy(name: TaskPolicyName): Policy<TaskRunSnapshot, TaskRuleInputs> {
  switch (name) {
    case 'core':
      return CORE_TASK_POLICY;
    case 'minimal':
      return MINIMAL_TASK_POLICY;
    default:
      return name satisfies never;
  }
}
