// Deployment concurrency (and a schedule's max_active_runs), as Prefect's flow policy has it: a run
// takes a slot on its way into PENDING and gives it back when it leaves PENDING/RUNNING/CANCELLING.
// The slots live in another object, so the caller asks for them first and hands the answers in as
// `extra`; the rules only decide.
import type { State, StateType } from 'edgeflow/protocol';
import { abort, insertRulesAfter, type Policy, proceed, type Rule, reject } from './pipeline';
import { CORE_FLOW_POLICY, type FlowPolicyName, MARK_LATE_POLICY, MINIMAL_FLOW_POLICY } from './policies';
import { isoAfterSeconds, newProposedState } from './proposal';
import type { FlowRunSnapshot } from './types';

/** ENQUEUE waits for a slot, CANCEL_NEW cancels, SKIP (a schedule's max_active_runs) cancels as skipped. */
export type CollisionStrategy = 'ENQUEUE' | 'CANCEL_NEW' | 'SKIP';

/** A limit a run is subject to, copied onto the run when it is created. */
export interface RunConcurrencyLimit {
  /** The limit object's name: `deployment:<id>` or `schedule:<id>`. */
  key: string;
  limit: number;
  collision_strategy: CollisionStrategy;
  /** How long a slot is trusted without news from its run (Prefect's grace period). */
  lease_seconds: number;
}

export interface SlotOutcome {
  limit: RunConcurrencyLimit;
  kind: 'granted' | 'denied';
}

export interface DeploymentConcurrencyInputs {
  /** The answers to a slot request made for a proposal into PENDING; null when none was made. */
  slots: { lease_id: string; outcomes: SlotOutcome[] } | null;
  /** For PENDING → RUNNING: false when the run's slot was taken back meanwhile; null when not asked. */
  held: boolean | null;
  /** For marking a run Late: a CANCEL_NEW limit of the run is full. */
  full_cancel_new: boolean;
}

export const NO_CONCURRENCY_INPUTS: DeploymentConcurrencyInputs = {
  slots: null,
  held: null,
  full_cancel_new: false,
};

type ConcurrencyRule = Rule<FlowRunSnapshot, DeploymentConcurrencyInputs>;

/** Prefect's `server.deployments.concurrency_slot_wait_seconds`. */
export const AWAITING_SLOT_DELAY_SECONDS = 30;

/** The states in which a run holds its slots. */
export const SLOT_HOLDING_STATES: readonly StateType[] = ['PENDING', 'RUNNING', 'CANCELLING'];

export const deploymentLimitKey = (deploymentId: string) => `deployment:${deploymentId}`;
export const scheduleLimitKey = (scheduleId: string) => `schedule:${scheduleId}`;

/** Later states of an attempt keep naming the lease the attempt took. */
export const PreserveDeploymentConcurrencyLeaseId: ConcurrencyRule = {
  name: 'PreserveDeploymentConcurrencyLeaseId',
  from: SLOT_HOLDING_STATES,
  to: 'any',
  decide: ({ initial, proposed }) => {
    const lease = initial?.state_details.deployment_concurrency_lease_id;
    if (!lease || proposed.state_details.deployment_concurrency_lease_id) return proceed();
    return proceed({
      proposed: {
        ...proposed,
        state_details: { ...proposed.state_details, deployment_concurrency_lease_id: lease },
      },
    });
  },
};

export const SecureFlowConcurrencySlots: ConcurrencyRule = {
  name: 'SecureFlowConcurrencySlots',
  from: ['SCHEDULED', 'PAUSED', 'COMPLETED', 'FAILED', 'CRASHED'],
  to: ['PENDING'],
  decide: ({ proposed, clock, extra }) => {
    if (!extra.slots) return proceed();
    const now = clock.now.toISOString();
    if (extra.slots.outcomes.some((outcome) => outcome.limit.limit === 0)) {
      return abort('The deployment concurrency limit is 0: no run of it may start.');
    }
    const denied = extra.slots.outcomes.find((outcome) => outcome.kind === 'denied');
    if (!denied) {
      const state_details = {
        ...proposed.state_details,
        deployment_concurrency_lease_id: extra.slots.lease_id,
      };
      return proceed({ proposed: { ...proposed, state_details } });
    }
    const { collision_strategy, limit } = denied.limit;
    if (collision_strategy === 'SKIP') {
      const message = `Skipped: the schedule already has max_active_runs (${limit}) active runs.`;
      return reject(newProposedState('CANCELLED', { timestamp: now, message }), message);
    }
    const reason = 'Deployment concurrency limit reached.';
    if (collision_strategy === 'CANCEL_NEW') {
      return reject(newProposedState('CANCELLED', { timestamp: now, message: reason }), reason);
    }
    const waiting = newProposedState('SCHEDULED', {
      name: 'AwaitingConcurrencySlot',
      timestamp: now,
      message: reason,
      state_details: { scheduled_time: isoAfterSeconds(clock.now, AWAITING_SLOT_DELAY_SECONDS) },
    });
    return reject(waiting, reason);
  },
};

/** A slot taken back while the run was being provisioned (its lease lapsed unconfirmed) is not regained. */
export const ValidateDeploymentConcurrencyAtRunning: ConcurrencyRule = {
  name: 'ValidateDeploymentConcurrencyAtRunning',
  from: ['PENDING'],
  to: ['RUNNING'],
  decide: ({ clock, extra }) => {
    if (extra.held !== false) return proceed();
    const message = 'The deployment concurrency slot was lost during provisioning.';
    return reject(newProposedState('CANCELLED', { timestamp: clock.now.toISOString(), message }), message);
  },
};

/** A run that would wait for a full CANCEL_NEW limit is cancelled rather than marked Late. */
export const EnforceDeploymentConcurrencyOnLate: ConcurrencyRule = {
  name: 'EnforceDeploymentConcurrencyOnLate',
  from: ['SCHEDULED'],
  to: ['SCHEDULED'],
  decide: ({ proposed, clock, extra }) => {
    if (proposed.name !== 'Late' || !extra.full_cancel_new) return proceed();
    const message = 'Deployment concurrency limit reached.';
    return reject(newProposedState('CANCELLED', { timestamp: clock.now.toISOString(), message }), message);
  },
};

/** A flow policy with the deployment concurrency rules at Prefect's positions. */
export function withDeploymentConcurrency(
  name: FlowPolicyName,
): Policy<FlowRunSnapshot, DeploymentConcurrencyInputs> {
  switch (name) {
    case 'core':
      return [
        PreserveDeploymentConcurrencyLeaseId,
        ...insertRulesAfter<FlowRunSnapshot, DeploymentConcurrencyInputs>(
          CORE_FLOW_POLICY,
          'PreventPendingTransitions',
          [ValidateDeploymentConcurrencyAtRunning, SecureFlowConcurrencySlots],
        ),
      ];
    case 'minimal':
      return [PreserveDeploymentConcurrencyLeaseId, ...MINIMAL_FLOW_POLICY];
    case 'mark_late':
      return [...MARK_LATE_POLICY, EnforceDeploymentConcurrencyOnLate];
    default:
      return name satisfies never;
  }
}

/** Prefect's ReleaseFlowConcurrencySlots: leaving PENDING/RUNNING/CANCELLING for any other state. */
export function releasesSlots(from: StateType | null, to: StateType | null): boolean {
  const holds = (type: StateType | null) => type !== null && SLOT_HOLDING_STATES.includes(type);
  return holds(from) && !holds(to);
}

/** A slot taken for a proposal is kept only when the run is now PENDING under that lease; else it fizzled. */
export function keepsAcquiredSlot(leaseId: string, current: State | null): boolean {
  return current?.type === 'PENDING' && current.state_details.deployment_concurrency_lease_id === leaseId;
}
