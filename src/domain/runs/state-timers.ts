// Which timers a flow run's new state sets: states that expire carry a deadline of their own.
import type { State } from 'edgeflow/protocol';

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
