// Runs one flow run the way Prefect's flow engine does: RUNNING, the function, then its final state.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { StaleLeaseError } from '../client/index.ts';
import { isTerminal, type OrchestrationResult, type State, type StateCreate } from '../protocol/index.ts';
import { type RunContext, withRunContext } from './context.ts';
import type { FlowDefinition } from './flow.ts';

/** How a flow run's execution in this process ended. */
export type FlowRunOutcome =
  /** The server holds a terminal state for the run. */
  | { kind: 'final'; state: State }
  /** The server answered ABORT: the run is not ours to run (already finished, cancelled, …). */
  | { kind: 'aborted'; reason: string }
  /** A proposal was rejected into a state this process cannot continue from (PAUSED, CANCELLING, …). */
  | { kind: 'stopped'; state: State }
  /** The lease is no longer ours: another attempt owns the run. */
  | { kind: 'stale_lease' };

class Abort extends Error {
  override readonly name = 'Abort';
}

/** The result of a proposal once WAITs are honoured: the state the run is now in. */
async function propose(context: RunContext, proposal: StateCreate): Promise<State> {
  const transitionId = randomUUID();
  for (;;) {
    const result: OrchestrationResult = await context.client.setFlowRunState(context.flowRun.id, {
      state: { ...proposal, state_details: { ...proposal.state_details, transition_id: transitionId } },
      lease_id: context.leaseId,
    });
    switch (result.status) {
      case 'ACCEPT':
      case 'REJECT':
        // A REJECT of our own transition id means a retried request had already landed: same outcome.
        if (!result.state) throw new Abort(`set_state ${result.status} without a state`);
        return result.state;
      case 'WAIT':
        if (result.details.type === 'wait_details')
          await sleep(Math.max(0, result.details.delay_seconds) * 1000);
        break;
      case 'ABORT':
        throw new Abort(
          result.details.type === 'abort_details' ? (result.details.reason ?? 'aborted') : 'aborted',
        );
    }
  }
}

/** JSON-safe copy of a flow's return value, stored inline as the COMPLETED state's `data`. */
function resultData(value: unknown): { data: unknown; message: string | null } {
  if (value === undefined) return { data: null, message: null };
  try {
    return { data: JSON.parse(JSON.stringify(value)) as unknown, message: null };
  } catch (error) {
    return {
      data: null,
      message: `The flow's result could not be stored as JSON: ${(error as Error).message}`,
    };
  }
}

function failureMessage(error: unknown): string {
  if (error instanceof Error) return `Flow run encountered an exception: ${error.name}: ${error.message}`;
  return `Flow run encountered an exception: ${String(error)}`;
}

function msUntil(iso: string | null | undefined, now = Date.now()): number {
  return iso ? Math.max(0, Date.parse(iso) - now) : 0;
}

/**
 * Executes `definition` as flow run `context.flowRun`. Retries happen in place: when the server
 * rejects FAILED into AwaitingRetry, the engine waits for its scheduled time and runs again.
 */
export async function runFlowRun(
  definition: FlowDefinition<unknown>,
  context: RunContext,
  hooks: { beforeRun?: () => void; beforeFinal?: () => Promise<void> } = {},
): Promise<FlowRunOutcome> {
  try {
    for (;;) {
      const running = await propose(context, { type: 'RUNNING', name: 'Running' });
      if (running.type !== 'RUNNING') {
        return isTerminal(running.type)
          ? { kind: 'final', state: running }
          : { kind: 'stopped', state: running };
      }
      hooks.beforeRun?.();
      let final: StateCreate;
      try {
        const value = await withRunContext(context, () => definition.fn(context.flowRun.parameters));
        const { data, message } = resultData(value);
        final = { type: 'COMPLETED', name: 'Completed', data, message };
      } catch (error) {
        context.log({
          name: 'edgeflow.flow_runs',
          level: 40,
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
          timestamp: new Date().toISOString(),
        });
        final = { type: 'FAILED', name: 'Failed', message: failureMessage(error) };
      }
      await hooks.beforeFinal?.();
      const after = await propose(context, final);
      if (after.type === 'SCHEDULED') {
        // RetryFailedFlows: AwaitingRetry with retry_type in_process is ours to run again, here.
        await sleep(msUntil(after.state_details.scheduled_time));
        continue;
      }
      return isTerminal(after.type) ? { kind: 'final', state: after } : { kind: 'stopped', state: after };
    }
  } catch (error) {
    if (error instanceof Abort) return { kind: 'aborted', reason: error.message };
    if (error instanceof StaleLeaseError) return { kind: 'stale_lease' };
    throw error;
  }
}
