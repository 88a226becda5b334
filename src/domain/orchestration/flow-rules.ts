// The flow run rules of Prefect's CoreFlowPolicy (minus deployment concurrency), one decision each.
import { isTerminal, STATE_TYPES, TERMINAL_STATE_TYPES } from 'edgeflow/protocol';
import { hasFlowRetriesLeft } from './crash-retries';
import { abort, proceed, type Rule, reject } from './pipeline';
import { hasPersistedResult, isoAfterSeconds, newProposedState } from './proposal';
import type { FlowRunSnapshot } from './types';

export type FlowRule = Rule<FlowRunSnapshot>;

/** Something will pick the run up again after it is rescheduled: a deployment or a work pool (docs/orchestration.md). */
function canBeRescheduled(run: FlowRunSnapshot): boolean {
  return run.deployment_id !== null || run.work_pool_name !== null;
}

/** A client that retries a request after a lost answer must not apply the transition twice. */
export const PreventDuplicateTransitions: FlowRule = {
  name: 'PreventDuplicateTransitions',
  from: 'any',
  to: 'any',
  decide: ({ initial, proposed }) => {
    const previous = initial?.state_details.transition_id;
    if (previous && previous === proposed.state_details.transition_id) {
      return reject(null, 'This run has already made this state transition.');
    }
    return proceed();
  },
};

export const HandleFlowTerminalStateTransitions: FlowRule = {
  name: 'HandleFlowTerminalStateTransitions',
  from: TERMINAL_STATE_TYPES,
  to: 'any',
  decide: ({ initial, proposed, run }) => {
    const from = initial?.type;
    if (proposed.type === 'CANCELLING' || proposed.type === 'PAUSED' || proposed.type === 'CRASHED') {
      return abort(`Run is already in terminal state ${from}.`);
    }
    if (initial && hasPersistedResult(initial) && !isTerminal(proposed.type)) {
      return reject(null, 'Run is already COMPLETED.');
    }
    if (proposed.type === 'SCHEDULED' && !canBeRescheduled(run)) {
      return abort('Cannot reschedule a run without an associated deployment.');
    }
    if (isTerminal(proposed.type)) return proceed();
    // A rerun starts afresh: earlier pauses and resumptions no longer count.
    const empirical_policy = {
      ...run.empirical_policy,
      pause_keys: [],
      resuming: false,
      retry_type: proposed.type === 'SCHEDULED' ? ('reschedule' as const) : null,
    };
    return proceed({ run: { ...run, empirical_policy } });
  },
  cleanup: ({ seen, run }) => ({ run: { ...run, empirical_policy: seen.run.empirical_policy } }),
};

/** A persisted result is never replaced by a completion without one (Prefect issue #21955). */
export const PreventResultDataLoss: FlowRule = {
  name: 'PreventResultDataLoss',
  from: ['COMPLETED'],
  to: ['COMPLETED'],
  decide: ({ initial, proposed }) =>
    initial && hasPersistedResult(initial) && !hasPersistedResult(proposed)
      ? reject(
          null,
          'Run is already COMPLETED with a persisted result; a completion without one would lose it.',
        )
      : proceed(),
};

export const EnforceCancellingToCancelledTransition: FlowRule = {
  name: 'EnforceCancellingToCancelledTransition',
  from: ['CANCELLING'],
  to: STATE_TYPES.filter((type) => type !== 'CANCELLED'),
  decide: () => reject(null, 'Cannot transition flows that are cancelling to a state other than Cancelled.'),
};

/** Nothing is running to be told to stop, so cancelling goes straight to Cancelled. */
export const BypassCancellingFlowRunsWithNoInfra: FlowRule = {
  name: 'BypassCancellingFlowRunsWithNoInfra',
  from: ['SCHEDULED', 'PAUSED'],
  to: ['CANCELLING'],
  decide: ({ initial, proposed, run, clock }) => {
    const cancelled = () =>
      newProposedState('CANCELLED', { timestamp: clock.now.toISOString(), message: proposed.message });
    if ((initial?.type === 'SCHEDULED' && !run.infrastructure_pid) || initial?.name === 'Resuming') {
      return reject(cancelled(), 'Scheduled flow run has no infrastructure running.');
    }
    if (initial?.type === 'PAUSED' && initial.state_details.pause_reschedule) {
      return reject(cancelled(), 'Suspended flow run has no infrastructure running.');
    }
    return proceed();
  },
};

/**
 * The double-submission guard: only one claimant can move a run into PENDING. Sub-states of PENDING
 * (Pending → Submitting → InfrastructurePending) are the same claimant reporting progress.
 */
export const PreventPendingTransitions: FlowRule = {
  name: 'PreventPendingTransitions',
  from: ['PENDING', 'CANCELLING', 'RUNNING', 'CANCELLED'],
  to: ['PENDING'],
  decide: ({ initial, proposed }) => {
    if (initial?.type === 'PENDING' && proposed.name !== initial.name && proposed.name !== 'Pending') {
      const carried = initial.state_details;
      const state_details = {
        ...proposed.state_details,
        scheduled_time: proposed.state_details.scheduled_time ?? carried.scheduled_time,
        deployment_concurrency_lease_id:
          proposed.state_details.deployment_concurrency_lease_id ?? carried.deployment_concurrency_lease_id,
      };
      return proceed({ proposed: { ...proposed, state_details } });
    }
    return abort(`This run is in a ${initial?.type} state and cannot transition to a PENDING state.`);
  },
};

export const EnsureOnlyScheduledFlowsMarkedLate: FlowRule = {
  name: 'EnsureOnlyScheduledFlowsMarkedLate',
  from: 'any',
  to: ['SCHEDULED'],
  decide: ({ initial, proposed }) => {
    if (proposed.name !== 'Late') return proceed();
    if (initial?.type !== 'SCHEDULED') return reject(null, 'Only scheduled flows can be marked late.');
    if (initial.name === 'Late') return reject(null, 'This run is already marked late.');
    return proceed();
  },
};

export const HandlePausingFlows: FlowRule = {
  name: 'HandlePausingFlows',
  from: 'any',
  to: ['PAUSED'],
  decide: ({ initial, proposed, run }) => {
    const verb = proposed.state_details.pause_reschedule ? 'suspend' : 'pause';
    if (!initial) return abort(`Cannot ${verb} flows with no state.`);
    if (initial.type !== 'RUNNING')
      return reject(null, `Cannot ${verb} flows that are not currently running.`);
    const key = proposed.state_details.pause_key;
    if (key && run.empirical_policy.pause_keys.includes(key)) {
      return reject(null, `This ${verb} has already fired.`);
    }
    if (proposed.state_details.pause_reschedule) {
      if (run.parent_task_run_id) return abort(`Cannot ${verb} subflows.`);
      if (!canBeRescheduled(run)) return abort(`Cannot ${verb} flows without a deployment or work pool.`);
    }
    // Prefect records a random key when none is given; a key nobody can repeat guards nothing, so skip it.
    if (!key) return proceed();
    const empirical_policy = {
      ...run.empirical_policy,
      pause_keys: [...run.empirical_policy.pause_keys, key],
    };
    return proceed({ run: { ...run, empirical_policy } });
  },
};

export const HandleResumingPausedFlows: FlowRule = {
  name: 'HandleResumingPausedFlows',
  from: ['PAUSED'],
  to: 'any',
  decide: ({ initial, proposed, run, clock }) => {
    // CANCELLING is allowed too (Prefect rejects it): a paused process is still there to be stopped.
    const resumable =
      ['RUNNING', 'SCHEDULED', 'CANCELLING'].includes(proposed.type) || isTerminal(proposed.type);
    if (!resumable) {
      return reject(null, `This run cannot transition to the ${proposed.type} state from the PAUSED state.`);
    }
    const suspended = initial?.state_details.pause_reschedule === true;
    const verb = suspended ? 'suspend' : 'pause';
    const verbed = suspended ? 'suspended' : 'paused';
    if (suspended && !canBeRescheduled(run)) {
      return reject(null, `Cannot reschedule a ${verbed} flow run without a deployment or work pool.`);
    }
    const timeout = initial?.state_details.pause_timeout;
    if (timeout && Date.parse(timeout) < clock.now.getTime()) {
      const failed = newProposedState('FAILED', {
        timestamp: clock.now.toISOString(),
        message: `The flow was ${verbed} and never resumed.`,
      });
      return reject(failed, `The flow run ${verb} has timed out and can no longer resume.`);
    }
    // Resuming continues the same attempt: IncrementFlowRunCount reads this flag.
    return proceed({ run: { ...run, empirical_policy: { ...run.empirical_policy, resuming: true } } });
  },
};

export const RetryFailedFlows: FlowRule = {
  name: 'RetryFailedFlows',
  from: ['RUNNING'],
  to: ['FAILED'],
  decide: ({ proposed, run, clock }) => {
    const policy = run.empirical_policy;
    if (!hasFlowRetriesLeft(run)) {
      // Cleared so a later rerun from outside (UI, crash rescheduling) is dispatched normally.
      return proceed({ run: { ...run, empirical_policy: { ...policy, retry_type: null } } });
    }
    const retry = newProposedState('SCHEDULED', {
      name: 'AwaitingRetry',
      timestamp: clock.now.toISOString(),
      message: proposed.message,
      data: proposed.data,
      state_details: { scheduled_time: isoAfterSeconds(clock.now, policy.retry_delay) },
    });
    const empirical_policy = {
      ...policy,
      resuming: false,
      pause_keys: [],
      retry_type: 'in_process' as const,
    };
    return reject(retry, 'Retrying', { run: { ...run, empirical_policy } });
  },
};
