// The task run rules of Prefect's CoreTaskPolicy (minus tag concurrency slots), one decision each.
import { isTerminal, type State, TERMINAL_STATE_TYPES, taskRetryDelaySeconds } from 'edgeflow/protocol';
import { abort, proceed, type Rule, reject, rename } from './pipeline';
import { hasPersistedResult, isoAfterSeconds, newProposedState } from './proposal';
import type { ParentFlowRunView, TaskRunSnapshot } from './types';

/** What the caller loads for the task rules before orchestrating. */
export interface TaskRuleInputs {
  flowRun: ParentFlowRunView;
  /** The cache hit for the proposal's cache key, or null. */
  cached: State | null;
}

export type TaskRule = Rule<TaskRunSnapshot, TaskRuleInputs>;

/** Prefect's `server.tasks.max_cache_key_length`. */
export const MAX_CACHE_KEY_LENGTH = 2000;

export const CacheRetrieval: TaskRule = {
  name: 'CacheRetrieval',
  from: 'any',
  to: ['RUNNING'],
  decide: ({ proposed, clock, extra }) => {
    const { cache_key, refresh_cache } = proposed.state_details;
    if (!cache_key || refresh_cache || !extra.cached) return proceed();
    const { id: _id, ...cached } = extra.cached;
    const copy = { ...cached, name: 'Cached', timestamp: clock.now.toISOString() };
    return reject(copy, 'Retrieved state from cache');
  },
};

export const HandleTaskTerminalStateTransitions: TaskRule = {
  name: 'HandleTaskTerminalStateTransitions',
  from: TERMINAL_STATE_TYPES,
  to: 'any',
  decide: ({ initial, proposed, run, extra }) => {
    if (proposed.type === 'CANCELLING' || proposed.type === 'PAUSED' || proposed.type === 'CRASHED') {
      return abort(`Run is already in terminal state ${initial?.type}.`);
    }
    if (initial && hasPersistedResult(initial)) return reject(null, 'This run is already completed.');
    if (isTerminal(proposed.type)) return proceed();
    // Leaving a terminal state for a new attempt grants a fresh set of retries.
    const fresh = { ...run, run_count: 0 };
    const flowRetrying = run.flow_run_run_count < extra.flowRun.run_count;
    if (proposed.type === 'RUNNING' && flowRetrying) {
      return proceed({ proposed: { ...proposed, name: 'Retrying' }, run: fresh });
    }
    return proceed({ run: fresh });
  },
  cleanup: ({ seen, run }) => ({ run: { ...run, run_count: seen.run.run_count } }),
};

export const PreventRunningTasksFromStoppedFlows: TaskRule = {
  name: 'PreventRunningTasksFromStoppedFlows',
  from: 'any',
  to: ['RUNNING'],
  decide: ({ run, clock, extra: { flowRun } }) => {
    if (flowRun.state_type === 'PAUSED') {
      const notReady = newProposedState('PAUSED', {
        name: 'NotReady',
        timestamp: clock.now.toISOString(),
        state_details: {
          pause_timeout: flowRun.state_details_pause_timeout,
          pause_reschedule: flowRun.state_details_pause_reschedule,
        },
      });
      return reject(
        notReady,
        `The flow is paused, new tasks can execute after resuming flow run: ${run.flow_run_id}.`,
      );
    }
    if (flowRun.state_type !== 'RUNNING') {
      return abort('The enclosing flow must be running to begin task execution.');
    }
    return proceed();
  },
};

export const RetryFailedTasks: TaskRule = {
  name: 'RetryFailedTasks',
  from: ['RUNNING'],
  to: ['FAILED'],
  decide: ({ proposed, run, clock }) => {
    // The SDK sends retriable: false when its retry condition said no (docs/sdk.md, "Reports and where the SDK waits").
    if (proposed.state_details.retriable === false) return proceed();
    if (run.run_count > run.empirical_policy.retries) return proceed();
    const delay = taskRetryDelaySeconds(run.empirical_policy, run.run_count, clock.random);
    const retry = newProposedState('SCHEDULED', {
      name: 'AwaitingRetry',
      timestamp: clock.now.toISOString(),
      message: proposed.message,
      data: proposed.data,
      state_details: { scheduled_time: isoAfterSeconds(clock.now, delay) },
    });
    return reject(retry, 'Retrying');
  },
};

export const RenameReruns: TaskRule = {
  name: 'RenameReruns',
  from: 'any',
  to: ['RUNNING'],
  decide: ({ initial, proposed, run }) => {
    if (run.run_count === 0) return proceed();
    return rename(proposed, initial?.name === 'AwaitingRetry' ? 'Retrying' : 'Rerunning');
  },
};

export const UpdateFlowRunTrackerOnTasks: TaskRule = {
  name: 'UpdateFlowRunTrackerOnTasks',
  from: 'any',
  to: ['RUNNING'],
  decide: ({ run, extra }) => proceed({ run: { ...run, flow_run_run_count: extra.flowRun.run_count } }),
};

export const CacheInsertion: TaskRule = {
  name: 'CacheInsertion',
  from: 'any',
  to: ['COMPLETED'],
  decide: ({ proposed, run }) => {
    const cache_key = proposed.state_details.cache_key ?? run.cache_key;
    if (!cache_key) return proceed();
    if (cache_key.length > MAX_CACHE_KEY_LENGTH) {
      // The completion itself stands (the proposal is written); only the cache record is refused.
      return reject(
        proposed,
        `Cache key exceeded maximum allowed length of ${MAX_CACHE_KEY_LENGTH} characters.`,
      );
    }
    const cache_expiration = proposed.state_details.cache_expiration ?? run.cache_expiration;
    return proceed({ effects: [{ kind: 'insert_cache_record', record: { cache_key, cache_expiration } }] });
  },
};
