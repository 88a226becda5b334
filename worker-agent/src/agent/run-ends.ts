// What the agent says once a run's go in a process is over: the state it proposes for the run (CANCELLED,
// CRASHED, the end its process handed over) or only a line in its log. Pure; agent.ts acts on it.
import type { StateCreate } from '../protocol/index.ts';
import { describeExit, type RunEnd } from './flow-run-child.ts';

/** Why the agent is ending a run early (`cancelReason`), or that its lease is someone else's (`lost`). */
export interface RunStop {
  cancelReason: string | null;
  lost: boolean;
}

export type AfterRun =
  /** `handedOver`: the run's own end, which may send it round again (an in-process flow retry). */
  | { kind: 'propose'; state: StateCreate; handedOver: boolean }
  | { kind: 'note'; message: string }
  | { kind: 'nothing' };

export function cancelled(message: string): StateCreate {
  return { type: 'CANCELLED', name: 'Cancelled', message };
}

/** What to report for flow run `id` once `end` came in its process. */
export function afterRun(id: string, end: RunEnd, stop: RunStop): AfterRun {
  if (stop.lost) return { kind: 'nothing' };
  const outcome = end.kind === 'reported' ? end.outcome : null;
  if (stop.cancelReason || outcome?.state_type === 'CANCELLING')
    return {
      kind: 'propose',
      state: cancelled(stop.cancelReason ?? 'The flow run was cancelled.'),
      handedOver: false,
    };
  // Its process is gone: the run's end is reported now, with no code of it left running.
  if (end.kind === 'handed_over') return { kind: 'propose', state: end.state, handedOver: true };
  if (end.kind === 'exited')
    return {
      kind: 'propose',
      state: {
        type: 'CRASHED',
        name: 'Crashed',
        message: `The flow run process exited with ${describeExit(end.exit)}.`,
      },
      handedOver: false,
    };
  if (outcome?.kind === 'stale_lease')
    return { kind: 'note', message: `flow run ${id}: lease lost, another attempt owns it` };
  if (outcome?.kind === 'stopped' && outcome.state_type === 'PAUSED')
    // A suspension ends the process on purpose: nothing to report (docs/sdk.md, "Pause, suspend and input").
    return {
      kind: 'note',
      message: `flow run ${id}: suspended, its process ended; a resume schedules it again`,
    };
  return { kind: 'nothing' };
}
