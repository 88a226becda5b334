// A flow run's transitions: load the run, let the rules decide, save what they wrote. Synchronous,
// so the caller can wrap it in one SQLite transaction.
import type { OrchestrationResult, StateCreate } from 'edgeflow/protocol';
import { flowRunStateEvent } from '../domain/events';
import {
  type DeploymentConcurrencyInputs,
  type FlowPolicyName,
  orchestrateFlowRun,
  parentEndOf,
  withDeploymentConcurrency,
} from '../domain/orchestration';
import type { OrchestrationClock } from '../domain/orchestration/types';
import { applyFlowTransition, flowRunSnapshot } from '../domain/runs/flow-run-docs';
import { STATE_TIMERS, stateTimers } from '../domain/runs/state-timers';
import type { RunStorage } from './run-storage';

export interface FlowTransitionAnswer {
  /** True when a state row was written: the API answers 201 then, 200 otherwise. */
  written: boolean;
  result: OrchestrationResult;
}

export interface FlowTransition {
  proposed: StateCreate;
  force: boolean;
  /** The policy the caller chose (see `defaultPolicy`). */
  policy: FlowPolicyName;
  clock: OrchestrationClock;
  /** For a run with concurrency limits: what its limits answered (see run-concurrency.ts). */
  concurrency?: DeploymentConcurrencyInputs;
}

export function transitionFlowRun(
  storage: RunStorage,
  transition: FlowTransition,
): FlowTransitionAnswer | null {
  const { proposed, force, policy, clock, concurrency } = transition;
  const stored = storage.readRun();
  if (!stored) return null;
  const transitionId = proposed.state_details?.transition_id;
  if (transitionId) {
    const earlier = storage.readTransitionAnswer<FlowTransitionAnswer>(stored.doc.id, transitionId);
    if (earlier) return { ...earlier, written: false };
  }

  const outcome = orchestrateFlowRun(
    { run: flowRunSnapshot(stored.doc), proposed, force, clock },
    concurrency ? { policy: withDeploymentConcurrency(policy), extra: concurrency } : { policy },
  );
  if (outcome.written) {
    storage.appendState(outcome.written, null);
    const doc = applyFlowTransition(stored.doc, outcome.run, outcome.written, clock.now);
    storage.writeRun(doc, stored.version);
    // Its event commits with the state and reaches D1 with the index write (docs/events.md).
    storage.events.append([flowRunStateEvent(doc, stored.doc.state, outcome.written)]);
    // Its subflow runs follow a crash or a cancellation (run-outbox.ts delivers it); a run without
    // task runs has none, and costs no index query.
    const parentEnd = parentEndOf(outcome.written.type);
    if (parentEnd && storage.hasTaskRuns()) storage.markDirty('children', parentEnd);
    const timers = stateTimers(outcome.written, clock.now);
    for (const kind of STATE_TIMERS) {
      const dueAt = timers[kind];
      if (dueAt === null) storage.timers.clear(kind);
      else storage.timers.set(kind, dueAt);
    }
  }
  const answer: FlowTransitionAnswer = { written: outcome.written !== null, result: outcome.result };
  // A WAIT writes nothing and is proposed again under the same id once waited out: decide it afresh.
  if (transitionId && answer.result.status !== 'WAIT')
    storage.recordTransitionAnswer(stored.doc.id, transitionId, answer);
  return answer;
}
