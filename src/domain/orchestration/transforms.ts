// The global bookkeeping transforms: what every written transition updates on its run, whatever the policy.
import { isTerminal } from 'edgeflow/protocol';
import type { Transform, TransformContext } from './pipeline';
import type { ProposedState } from './proposal';
import type { FlowRunSnapshot, RunBookkeeping, TaskRunSnapshot } from './types';

/** A transform over the fields every run has, usable in both the flow and the task pipelines. */
interface BookkeepingTransform {
  name: string;
  apply<Run extends RunBookkeeping>(ctx: TransformContext<Run>): { proposed: ProposedState; run: Run };
}

const ms = (iso: string): number => Date.parse(iso);

/**
 * History is ordered by timestamp, so a state never shares or precedes its predecessor's instant
 * (a client's clock may lag, two proposals may land in the same millisecond).
 */
export const EnsureStateTimestampIsUnique: BookkeepingTransform = {
  name: 'EnsureStateTimestampIsUnique',
  apply: ({ initial, proposed, run }) => {
    if (!initial || ms(proposed.timestamp) > ms(initial.timestamp)) return { proposed, run };
    return { proposed: { ...proposed, timestamp: new Date(ms(initial.timestamp) + 1).toISOString() }, run };
  },
};

export const SetStartTime: BookkeepingTransform = {
  name: 'SetStartTime',
  apply: ({ proposed, run }) =>
    proposed.type === 'RUNNING' && run.start_time === null
      ? { proposed, run: { ...run, start_time: proposed.timestamp } }
      : { proposed, run },
};

/** A run that leaves a terminal state (a rerun) is no longer ended. */
export const SetEndTime: BookkeepingTransform = {
  name: 'SetEndTime',
  apply: ({ initial, proposed, run }) => {
    if (isTerminal(proposed.type)) return { proposed, run: { ...run, end_time: proposed.timestamp } };
    if (isTerminal(initial?.type)) return { proposed, run: { ...run, end_time: null } };
    return { proposed, run };
  },
};

export const IncrementRunTime: BookkeepingTransform = {
  name: 'IncrementRunTime',
  apply: ({ initial, proposed, run }) => {
    if (initial?.type !== 'RUNNING') return { proposed, run };
    const seconds = (ms(proposed.timestamp) - ms(initial.timestamp)) / 1000;
    return { proposed, run: { ...run, total_run_time: run.total_run_time + Math.max(0, seconds) } };
  },
};

export const SetExpectedStartTime: BookkeepingTransform = {
  name: 'SetExpectedStartTime',
  apply: ({ proposed, run }) => {
    if (run.expected_start_time !== null) return { proposed, run };
    const expected =
      proposed.type === 'SCHEDULED'
        ? (proposed.state_details.scheduled_time ?? proposed.timestamp)
        : proposed.timestamp;
    return { proposed, run: { ...run, expected_start_time: expected } };
  },
};

export const SetNextScheduledStartTime: BookkeepingTransform = {
  name: 'SetNextScheduledStartTime',
  apply: ({ initial, proposed, run }) => {
    let next = initial?.type === 'SCHEDULED' ? null : run.next_scheduled_start_time;
    if (proposed.type === 'SCHEDULED') next = proposed.state_details.scheduled_time ?? null;
    return { proposed, run: { ...run, next_scheduled_start_time: next } };
  },
};

const COMMON_TRANSFORMS: readonly BookkeepingTransform[] = [
  EnsureStateTimestampIsUnique,
  SetStartTime,
  SetEndTime,
  IncrementRunTime,
  SetExpectedStartTime,
  SetNextScheduledStartTime,
];

export const UpdateFlowRunStateDetails: Transform<FlowRunSnapshot> = {
  name: 'UpdateStateDetails',
  apply: ({ proposed, run }) => ({
    proposed: { ...proposed, state_details: { ...proposed.state_details, flow_run_id: run.id } },
    run,
  }),
};

export const UpdateTaskRunStateDetails: Transform<TaskRunSnapshot> = {
  name: 'UpdateStateDetails',
  apply: ({ proposed, run }) => ({
    proposed: {
      ...proposed,
      state_details: { ...proposed.state_details, task_run_id: run.id, flow_run_id: run.flow_run_id },
    },
    run,
  }),
};

/** A resumed run continues its attempt rather than starting a new one. */
export const IncrementFlowRunCount: Transform<FlowRunSnapshot> = {
  name: 'IncrementFlowRunCount',
  apply: ({ proposed, run }) =>
    proposed.type === 'RUNNING' && !run.empirical_policy.resuming
      ? { proposed, run: { ...run, run_count: run.run_count + 1 } }
      : { proposed, run },
};

export const RemoveResumingIndicator: Transform<FlowRunSnapshot> = {
  name: 'RemoveResumingIndicator',
  apply: ({ proposed, run }) =>
    (proposed.type === 'RUNNING' || isTerminal(proposed.type)) && run.empirical_policy.resuming
      ? { proposed, run: { ...run, empirical_policy: { ...run.empirical_policy, resuming: false } } }
      : { proposed, run },
};

export const IncrementTaskRunCount: Transform<TaskRunSnapshot> = {
  name: 'IncrementTaskRunCount',
  apply: ({ proposed, run }) =>
    proposed.type === 'RUNNING'
      ? { proposed, run: { ...run, run_count: run.run_count + 1 } }
      : { proposed, run },
};

export const FLOW_RUN_TRANSFORMS: readonly Transform<FlowRunSnapshot>[] = [
  ...COMMON_TRANSFORMS,
  UpdateFlowRunStateDetails,
  IncrementFlowRunCount,
  RemoveResumingIndicator,
];

export const TASK_RUN_TRANSFORMS: readonly Transform<TaskRunSnapshot>[] = [
  ...COMMON_TRANSFORMS,
  UpdateTaskRunStateDetails,
  IncrementTaskRunCount,
];
