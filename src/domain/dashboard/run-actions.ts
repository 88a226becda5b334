// What the run page offers to do with a flow run in its current state, and the API call each makes.
// Every action is an ordinary API request, so the server's rules and scope checks decide as for any client.
import { isTerminal, type StateCreate, type StateType } from 'edgeflow/protocol';

export type RunAction = 'cancel' | 'resume' | 'retry';

export interface RunActionRun {
  id: string;
  state_type: StateType | null;
  deployment_id: string | null;
  work_pool_name: string | null;
}

/**
 * Cancel while the run has not ended (a run no agent holds is cancelled outright, a running one is
 * told to stop); resume a paused run; retry an ended run that an agent can pick up again (the rules
 * refuse a retry of a run its caller ran itself, so it is not offered).
 */
export function runActions(run: RunActionRun): RunAction[] {
  const actions: RunAction[] = [];
  const state = run.state_type;
  if (state !== null && !isTerminal(state) && state !== 'CANCELLING') actions.push('cancel');
  if (state === 'PAUSED') actions.push('resume');
  if (isTerminal(state) && (run.deployment_id !== null || run.work_pool_name !== null)) actions.push('retry');
  return actions;
}

export interface ApiCall {
  method: 'POST';
  path: string;
  body: { state: StateCreate } | Record<string, never>;
}

export function runActionCall(action: RunAction, runId: string): ApiCall {
  switch (action) {
    case 'cancel':
      return {
        method: 'POST',
        path: `/api/flow_runs/${runId}/set_state`,
        body: { state: { type: 'CANCELLING', name: 'Cancelling', message: 'Cancelled from the dashboard.' } },
      };
    case 'resume':
      return { method: 'POST', path: `/api/flow_runs/${runId}/resume`, body: {} };
    case 'retry':
      // Prefect's UI retries the same way: a new attempt through the rules, not a forced state.
      return {
        method: 'POST',
        path: `/api/flow_runs/${runId}/set_state`,
        body: { state: { type: 'SCHEDULED', name: 'AwaitingRetry', message: 'Retried from the dashboard.' } },
      };
    default:
      return action satisfies never;
  }
}
