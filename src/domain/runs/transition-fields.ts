// The fields every run document (flow or task) takes from a transition: the current state, and the
// bookkeeping the global transforms keep on the run.
import type { State } from 'edgeflow/protocol';
import type { RunBookkeeping } from '../orchestration/types';

export function transitionFields(
  current: State | null,
  written: State | null,
  run: RunBookkeeping,
  now: Date,
) {
  const state = written ?? current;
  return {
    updated: now.toISOString(),
    state,
    state_id: state?.id ?? null,
    state_type: state?.type ?? null,
    state_name: state?.name ?? null,
    run_count: run.run_count,
    start_time: run.start_time,
    end_time: run.end_time,
    total_run_time: run.total_run_time,
    expected_start_time: run.expected_start_time,
    next_scheduled_start_time: run.next_scheduled_start_time,
  };
}
