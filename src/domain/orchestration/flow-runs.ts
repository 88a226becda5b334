// Entry points for flow runs: one proposed transition through a policy, and the resume proposal.
import type { OrchestrationResult, StateCreate } from 'edgeflow/protocol';
import { type Policy, runPolicy } from './pipeline';
import { defaultPolicy, type FlowPolicyName, flowPolicy } from './policies';
import { FLOW_RUN_TRANSFORMS } from './transforms';
import type { FlowRunSnapshot, FlowTransitionInput, FlowTransitionOutcome } from './types';

export interface FlowOrchestrationOptions<Extra = unknown> {
  /**
   * A named policy, or an explicit rule list (for example core plus rules that need a deployment).
   * Defaults to 'minimal' when the input is forced, 'core' otherwise; an explicit choice wins over force.
   */
  policy?: FlowPolicyName | Policy<FlowRunSnapshot, Extra>;
  /** Inputs for rules beyond the core ones. */
  extra?: Extra;
}

export function orchestrateFlowRun<Extra = unknown>(
  input: FlowTransitionInput,
  options: FlowOrchestrationOptions<Extra> = {},
): FlowTransitionOutcome {
  const policy = options.policy ?? defaultPolicy(input.force);
  const { effects: _effects, ...outcome } = runPolicy({
    rules: typeof policy === 'string' ? flowPolicy(policy) : policy,
    transforms: FLOW_RUN_TRANSFORMS,
    run: input.run,
    proposed: input.proposed,
    clock: input.clock,
    extra: options.extra as Extra,
  });
  return outcome;
}

/**
 * What `POST /flow_runs/{id}/resume` proposes: a suspended run (its process exited) is rescheduled
 * as "Resuming" for a worker to pick up; a paused one goes straight back to RUNNING in its process.
 */
export function resumeProposal(run: FlowRunSnapshot): StateCreate | OrchestrationResult {
  if (run.state?.type !== 'PAUSED') {
    return {
      status: 'ABORT',
      state: run.state,
      details: { type: 'abort_details', reason: 'Cannot resume a flow run that is not paused.' },
    };
  }
  if (run.state.state_details.pause_reschedule) return { type: 'SCHEDULED', name: 'Resuming' };
  return { type: 'RUNNING' };
}
