// Which timers a flow run's new state sets: states that expire carry a deadline of their own.
import type { State, StateCreate, StateType } from 'edgeflow/protocol';

/** How long a run may stay CANCELLING before it is forced to CANCELLED (Prefect: 300 s). */
export const CANCELLING_TIMEOUT_MS = 300_000;

export const STATE_TIMERS = ['pause_timeout', 'cancelling_timeout'] as const;
export type StateTimer = (typeof STATE_TIMERS)[number];

/**
 * Each state timer's due time after `written` is entered at `now`; null clears it. A pause times out
 * at its `pause_timeout`; a cancellation nobody confirms is forced through (docs/orchestration.md,
 * "Timers"). Any other state clears both.
 */
export function stateTimers(written: State, now: Date): Record<StateTimer, number | null> {
  const pauseTimeout = written.type === 'PAUSED' ? written.state_details.pause_timeout : null;
  return {
    pause_timeout: pauseTimeout ? Date.parse(pauseTimeout) : null,
    cancelling_timeout: written.type === 'CANCELLING' ? now.getTime() + CANCELLING_TIMEOUT_MS : null,
  };
}

/**
 * What a due state timer proposes, through the rules like any proposal; null when the run has moved
 * on. A pause that times out fails the run (Prefect's pause-expiration service); a cancellation no
 * agent confirmed is forced to CANCELLED (Prefect's cancellation cleanup).
 */
export function expiryProposal(timer: StateTimer, current: StateType | null): StateCreate | null {
  switch (timer) {
    case 'pause_timeout':
      if (current !== 'PAUSED') return null;
      return { type: 'FAILED', name: 'Failed', message: 'The flow was paused and never resumed.' };
    case 'cancelling_timeout':
      if (current !== 'CANCELLING') return null;
      return {
        type: 'CANCELLED',
        name: 'Cancelled',
        message: `No agent confirmed the cancellation within ${CANCELLING_TIMEOUT_MS / 1000} s; the run is marked cancelled.`,
      };
    default:
      return timer satisfies never;
  }
}
