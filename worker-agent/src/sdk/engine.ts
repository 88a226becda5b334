// Runs one flow run the way Prefect's flow engine does: RUNNING, the function (its tasks reported in
// batches as it goes), then its final state with the last reports.
import { setTimeout as sleep } from 'node:timers/promises';
import { StaleLeaseError } from '../client/index.ts';
import { isTerminal, type OrchestrationResult, type State, type StateCreate } from '../protocol/index.ts';
import { type RunContext, withRunContext } from './context.ts';
import { describeError, TimedOutError } from './errors.ts';
import { type FlowDefinition, type FlowHook, validateParameters } from './flow.ts';
import { LOG_LEVELS } from './logger.ts';
import { PauseWatch, stoppedState } from './pause-watch.ts';
import { captureConsole } from './prints.ts';
import { type ReporterFailure, TaskRunReporter, withTransitionId } from './reporter.ts';
import { resultPolicy } from './result-settings.ts';
import { storeResult } from './results.ts';
import type { SubflowOutcome } from './subflows.ts';
import { TaskRunner } from './task-runner.ts';
import { cancelledBy, graceSeconds, runGuarded } from './timeouts.ts';

/** How a flow run's execution in this process ended. */
export type FlowRunOutcome =
  /** The server holds a terminal state for the run; `value` or `error` is what the function gave. */
  | { kind: 'final'; state: State; value?: unknown; error?: unknown }
  /** The server answered ABORT: the run is not ours to run (already finished, cancelled, …). */
  | { kind: 'aborted'; reason: string }
  /** A proposal was rejected into a state this process cannot continue from (PAUSED, CANCELLING, …). */
  | { kind: 'stopped'; state: State }
  /** The lease is no longer ours: another attempt owns the run. */
  | { kind: 'stale_lease' };

class Abort extends Error {
  override readonly name = 'Abort';
}

/** The reporter can take no more reports (its last batch went with the final state). */
class ReportsStopped extends Error {
  override readonly name = 'ReportsStopped';
  readonly failure: ReporterFailure;
  constructor(failure: ReporterFailure) {
    super(failure.kind);
    this.failure = failure;
  }
}

/** How a run ends when its reports could not all land: as the first failed batch said. */
function stoppedByReports(failure: ReporterFailure): FlowRunOutcome {
  switch (failure.kind) {
    case 'stale_lease':
      return { kind: 'stale_lease' };
    case 'aborted':
      return { kind: 'aborted', reason: failure.reason };
    case 'error':
      throw failure.error;
  }
}

/** The result of a proposal once WAITs are honoured: the state the run is now in. */
async function propose(
  context: RunContext,
  proposal: StateCreate,
  /** Proposes it first with the queued reports; null when it did not (reporter.ts). */
  withReports?: (state: StateCreate) => Promise<OrchestrationResult | null>,
): Promise<State> {
  const state = withTransitionId(proposal);
  let answered = (await withReports?.(state)) ?? null;
  for (;;) {
    const result: OrchestrationResult =
      answered ??
      (await context.client.setFlowRunState(context.flowRun.id, { state, lease_id: context.leaseId }));
    answered = null;
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

function msUntil(iso: string | null | undefined, now = Date.now()): number {
  return iso ? Math.max(0, Date.parse(iso) - now) : 0;
}

interface Attempt {
  final: StateCreate;
  /** The server's state when the flow was stopped by it (suspended, a pause timed out, cancelled): nothing to propose. */
  stopped?: State;
  flow: FlowDefinition<unknown> | null;
  value?: unknown;
  error?: unknown;
}

/** One call of the flow function: parameters checked, earlier task runs loaded, tasks settled. */
async function runAttempt(
  definition: FlowDefinition<unknown>,
  context: RunContext,
  reporter: TaskRunReporter,
  attempt: number,
  runningStateId: string,
): Promise<Attempt> {
  let taskRunner: TaskRunner | undefined;
  let watch: PauseWatch | undefined;
  let flow: FlowDefinition<unknown> | null = null;
  try {
    flow = definition.load ? await definition.load() : definition;
    const parameters = validateParameters(flow, context.flowRun.parameters);
    const logPrints = flow.logPrints ?? context.logPrints ?? false;
    const runContext: RunContext = { ...context, logPrints };
    taskRunner = new TaskRunner({
      context: runContext,
      reporter,
      runSubflow,
      flowParameters: (parameters ?? {}) as Record<string, unknown>,
      flowResults: flow.results,
    });
    runContext.taskRunner = taskRunner;
    // Only a top-level run is watched: a paused or suspended run stops its subflows with it.
    if (!context.flowRun.parent_task_run_id)
      runContext.pauseWatch = watch = new PauseWatch(
        context.client,
        context.flowRun.id,
        runningStateId,
        (message) =>
          context.log({
            name: 'edgeflow.flow_runs',
            level: LOG_LEVELS.info,
            message,
            timestamp: new Date().toISOString(),
          }),
      );
    // A retried or re-run flow run finds its completed task runs and gets their results back.
    if (attempt > 1 || context.flowRun.run_count > 0) await taskRunner.loadEarlierRuns();
    if (logPrints) captureConsole();
    const policy = flowResultPolicy(flow, context, parameters);
    // The flow's timeout does not wait for its tasks: they stop with its signal (timeouts.ts).
    const value = await runGuarded(
      ({ signal, stop }) => {
        runContext.signal = signal;
        runContext.stopRun = stop;
        return withRunContext(runContext, () => flow!.fn(parameters));
      },
      {
        seconds: flow.timeoutSeconds,
        timeoutError: () => new TimedOutError(`Flow run ${context.flowRun.name}`, flow!.timeoutSeconds ?? 0),
        parent: context.signal,
        what: `Flow run ${context.flowRun.name}`,
      },
    );
    await taskRunner.settle();
    const stored = await storeResult(context.client, value, policy);
    return { final: { type: 'COMPLETED', name: 'Completed', data: stored.data }, flow, value };
  } catch (error) {
    // Stopped (timeout, cancellation): its tasks were told to stop too; one that will not is left over.
    const signalled = taskRunner?.signalled();
    const settled = taskRunner?.settle();
    await (signalled
      ? Promise.race([settled, sleep(graceSeconds() * 1000, undefined, { ref: false })])
      : settled);
    // Paused or suspended from outside: the server's state ends the attempt, none is proposed.
    const stopped = stoppedState(error);
    if (stopped) return { final: { type: stopped.type }, stopped, flow, error };
    context.log({
      name: 'edgeflow.flow_runs',
      level: LOG_LEVELS.error,
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      timestamp: new Date().toISOString(),
    });
    const name = error instanceof Error && error.name === 'TimedOutError' ? 'TimedOut' : 'Failed';
    const message = `Flow run encountered an exception: ${describeError(error)}`;
    return { final: { type: 'FAILED', name, message }, flow, error };
  } finally {
    await watch?.stop();
  }
}

/** Made before the flow's function runs: a key template that cannot be filled in fails the run first. */
function flowResultPolicy(flow: FlowDefinition<unknown>, context: RunContext, parameters: unknown) {
  const { flowRun } = context;
  const flowParameters = (parameters ?? {}) as Record<string, unknown>;
  return resultPolicy({
    own: flow.results,
    persistResult: flow.persistResult,
    persistByDefault: true,
    defaultKey: `flow-runs/${flowRun.id}`,
    keyContext: () => ({
      parameters: flowParameters,
      flow_run: { id: flowRun.id, name: flowRun.name, parameters: flowParameters },
    }),
  });
}

async function runHooks(hooks: FlowHook[] | undefined, context: RunContext, state: State, attempt: Attempt) {
  for (const hook of hooks ?? []) {
    try {
      await hook({ flowRun: context.flowRun, state, result: attempt.value, error: attempt.error });
    } catch (error) {
      context.log({
        name: 'edgeflow.flow_runs',
        level: LOG_LEVELS.error,
        message: `A flow hook failed: ${describeError(error)}`,
        timestamp: new Date().toISOString(),
      });
    }
  }
}

/**
 * Executes `definition` as flow run `context.flowRun`. Retries happen in place: when the server
 * rejects FAILED into AwaitingRetry, the engine waits for its scheduled time and runs again; task
 * runs completed by an earlier attempt are not run again.
 */
export async function runFlowRun(
  definition: FlowDefinition<unknown>,
  context: RunContext,
  hooks: {
    beforeRun?: () => void;
    /**
     * Before the final state is proposed; the agent's child may hand `final` over to the agent instead,
     * once it has sent the queued reports (`flushReports`: they would otherwise go with the final state).
     * Null when the server's state already ended the run (paused or suspended from outside).
     */
    beforeFinal?: (final: StateCreate | null, flushReports: () => Promise<void>) => Promise<void>;
  } = {},
): Promise<FlowRunOutcome> {
  const reporter = new TaskRunReporter(context.client, context.flowRun.id, context.leaseId);
  try {
    for (let attempt = 1; ; attempt++) {
      const running = await propose(context, { type: 'RUNNING', name: 'Running' });
      if (running.type !== 'RUNNING') {
        return isTerminal(running.type)
          ? { kind: 'final', state: running }
          : { kind: 'stopped', state: running };
      }
      hooks.beforeRun?.();
      const result = await runAttempt(definition, context, reporter, attempt, running.id);
      // Every task report lands before the flow run's final state: what is still queued goes in the
      // same request, applied first (docs/sdk.md, "Reports and where the SDK waits").
      await reporter.holdForFinalState();
      const cancelled = cancelledBy(context.signal);
      if (cancelled || result.stopped) await reporter.flush();
      if (reporter.failure) return stoppedByReports(reporter.failure);
      // Cancelled: the agent reports CANCELLED once this process has stopped.
      if (cancelled) return { kind: 'aborted', reason: describeError(context.signal!.reason) };
      await hooks.beforeFinal?.(result.stopped ? null : result.final, () => reporter.flush());
      const after =
        result.stopped ??
        (await propose(context, result.final, async (state) => {
          const answer = await reporter.proposeFlowRunState(state);
          if (reporter.failure) throw new ReportsStopped(reporter.failure);
          return answer;
        }));
      // Reports made from here on (a retry's, a hook's) go on the timer again, as before the hold.
      reporter.release();
      if (after.type === 'SCHEDULED') {
        // RetryFailedFlows: AwaitingRetry with retry_type in_process is ours to run again, here.
        await sleep(msUntil(after.state_details.scheduled_time), undefined, { signal: context.signal });
        continue;
      }
      if (!isTerminal(after.type)) return { kind: 'stopped', state: after };
      if (after.type === 'COMPLETED') await runHooks(result.flow?.onCompletion, context, after, result);
      if (after.type === 'FAILED') await runHooks(result.flow?.onFailure, context, after, result);
      return { kind: 'final', state: after, value: result.value, error: result.error };
    }
  } catch (error) {
    if (error instanceof ReportsStopped) return stoppedByReports(error.failure);
    if (error instanceof Abort) return { kind: 'aborted', reason: error.message };
    if (error instanceof StaleLeaseError) return { kind: 'stale_lease' };
    throw error;
  }
}

/** A subflow: the child flow run executed inline, its outcome handed back to the parent's task run. */
async function runSubflow(flow: FlowDefinition<unknown>, context: RunContext): Promise<SubflowOutcome> {
  const outcome = await runFlowRun(flow, context);
  if (outcome.kind === 'final' && outcome.state.type === 'COMPLETED') {
    return { ok: true, value: outcome.value, data: outcome.state.data };
  }
  const message =
    outcome.kind === 'final' || outcome.kind === 'stopped'
      ? `Subflow run ${context.flowRun.name} ended ${outcome.state.type}: ${outcome.state.message ?? ''}`
      : `Subflow run ${context.flowRun.name} ended: ${outcome.kind}`;
  const error = outcome.kind === 'final' && outcome.error !== undefined ? outcome.error : new Error(message);
  return { ok: false, error, message };
}
