// A flow run's transitions: load the run, let the rules decide, save what they wrote. Synchronous,
// so the caller can wrap it in one SQLite transaction.
import type { OrchestrationResult, State, StateCreate } from 'edgeflow/protocol';
import {
  type DeploymentConcurrencyInputs,
  type FlowPolicyName,
  orchestrateFlowRun,
  withDeploymentConcurrency,
} from '../domain/orchestration';
import type { OrchestrationClock } from '../domain/orchestration/types';
import { applyFlowTransition, flowRunSnapshot } from '../domain/runs/flow-run-docs';
import type { RunStorage } from './run-storage';

export interface FlowTransitionAnswer {
  /** True when a state row was written: the API answers 201 then, 200 otherwise. */
  written: boolean;
  result: OrchestrationResult;
}

export function transitionFlowRun(
  storage: RunStorage,
  proposed: StateCreate,
  force: boolean,
  clock: OrchestrationClock,
  policy?: FlowPolicyName,
  /** For a run with concurrency limits: what its limits answered (see run-concurrency.ts). */
  concurrency?: DeploymentConcurrencyInputs,
): FlowTransitionAnswer | null {
  const stored = storage.readRun();
  if (!stored) return null;
  const transitionId = proposed.state_details?.transition_id;
  if (transitionId) {
    const earlier = storage.readTransitionAnswer<FlowTransitionAnswer>(stored.doc.id, transitionId);
    if (earlier) return { ...earlier, written: false };
  }

  const outcome = orchestrateFlowRun(
    { run: flowRunSnapshot(stored.doc), proposed, force, clock },
    concurrency
      ? { policy: withDeploymentConcurrency(policy ?? (force ? 'minimal' : 'core')), extra: concurrency }
      : { policy },
  );
  if (outcome.written) {
    storage.appendState(outcome.written, null);
    storage.writeRun(
      applyFlowTransition(stored.doc, outcome.run, outcome.written, clock.now),
      stored.version,
    );
    scheduleStateTimers(storage, outcome.written, clock.now);
  }
  const answer: FlowTransitionAnswer = { written: outcome.written !== null, result: outcome.result };
  if (transitionId) storage.recordTransitionAnswer(stored.doc.id, transitionId, answer);
  return answer;
}

/** How long a run may stay CANCELLING before it is forced to CANCELLED (Prefect: 300 s). */
export const CANCELLING_TIMEOUT_MS = 300_000;

/** States that expire: a pause times out, a cancellation nobody confirms is forced through. */
function scheduleStateTimers(storage: RunStorage, written: State, now: Date): void {
  if (written.type === 'PAUSED' && written.state_details.pause_timeout) {
    storage.setTimer('pause_timeout', Date.parse(written.state_details.pause_timeout));
  } else {
    storage.clearTimer('pause_timeout');
  }
  if (written.type === 'CANCELLING')
    storage.setTimer('cancelling_timeout', now.getTime() + CANCELLING_TIMEOUT_MS);
  else storage.clearTimer('cancelling_timeout');
}
