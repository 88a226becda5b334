// One task run from its upstream wait to its final state: each attempt proposes RUNNING (waiting for
// the server's answer where it can change the outcome), runs the task's function, and reports
// COMPLETED, AwaitingRetry or FAILED. Retries and cache keys are decided here (docs/sdk.md).
import { setTimeout as sleep } from 'node:timers/promises';
import { type State, type StateCreate, type TaskRun, taskRetryDelaySeconds } from '../protocol/index.ts';
import type { CacheKeyContext } from './cache-policies.ts';
import { type RunContext, withRunContext } from './context.ts';
import {
  describeError,
  FlowRunAbortedError,
  isNonRetriable,
  TimedOutError,
  UpstreamFailedError,
} from './errors.ts';
import type { TaskRunFuture, TaskRunState } from './futures.ts';
import { LOG_LEVELS } from './logger.ts';
import { captureConsole } from './prints.ts';
import { failureError, type TaskRunReporter, withTransitionId } from './reporter.ts';
import { knownSerializers, parametersOf, type ResultSettings, taskResultPolicy } from './result-settings.ts';
import { loadResult, storeResult } from './results.ts';
import type { TaskDefinition, TaskHook, TaskHookContext, TaskRunInfo } from './task.ts';
import { resolveArgs, type Upstream } from './task-inputs.ts';
import { cancelledBy, runGuarded } from './timeouts.ts';

/** A submitted call of a task, as the task runner planned it. */
export interface PlannedRun {
  task: TaskDefinition;
  id: string;
  name: string;
  dynamicKey: string;
  /** The task run of an earlier attempt of the flow run with the same keys, if any. */
  earlier: TaskRun | undefined;
  args: unknown[];
  upstream: Upstream[];
  future: TaskRunFuture;
}

/** What the attempts of a task run share with the task runner that planned it. */
export interface AttemptScope {
  context: RunContext;
  reporter: TaskRunReporter;
  flowParameters: Record<string, unknown>;
  /** The flow's result serializer and storage, which its tasks inherit. */
  flowResults?: ResultSettings;
}

export function localState(state: Pick<State, 'type' | 'name' | 'message'>): TaskRunState {
  return { type: state.type, name: state.name, message: state.message ?? null };
}

/** A COMPLETED earlier run whose value can be handed back without running it again. */
export function reusable(run: TaskRun | undefined): run is TaskRun & { state: State } {
  return run?.state?.type === 'COMPLETED' && run.state.state_details.untrackable_result !== true;
}

function isoAfter(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

/** Runs a planned task run to its end: its value, or the error its caller sees. */
export async function runTaskRun(run: PlannedRun, scope: AttemptScope): Promise<unknown> {
  const { task, id, name, future } = run;
  const { client } = scope.context;
  const { reporter } = scope;
  const serializers = () => knownSerializers(task.results, scope.flowResults);
  if (reusable(run.earlier)) return loadResult(client, run.earlier.state.data, serializers());

  let args = run.args;
  if (run.upstream.length > 0) {
    const failed: string[] = [];
    for (const upstream of run.upstream) {
      const outcome = await upstream.future.outcome();
      if (!outcome.ok && !upstream.allowed) failed.push(upstream.future.taskRunId);
    }
    if (failed.length > 0) {
      const message = `Upstream task run(s) did not reach a COMPLETED state: ${failed.join(', ')}`;
      reporter.enqueueState(id, { type: 'PENDING', name: 'NotReady', message });
      future.setState({ type: 'PENDING', name: 'NotReady', message });
      throw new UpstreamFailedError(`Task run ${name} did not run: ${message}`);
    }
    args = (await resolveArgs(args)) as unknown[];
  }
  if (reporter.failure) throw failureError(reporter.failure);

  const cacheKey = cacheKeyOf(task, args, scope);
  const cacheExpiration =
    cacheKey !== null && task.cacheExpiration !== undefined ? isoAfter(task.cacheExpiration) : undefined;
  const details =
    cacheKey === null
      ? undefined
      : {
          cache_key: cacheKey,
          cache_expiration: cacheExpiration,
          ...(task.refreshCache ? { refresh_cache: true } : {}),
        };
  // The server may answer a cache hit, WAIT until a retry's scheduled time, or hold a tagged task
  // until its tags' limits have a slot (docs/concurrency.md): those proposals wait.
  const tagged = task.tags.length > 0;
  let mustWait =
    tagged || (cacheKey !== null && !task.refreshCache) || run.earlier?.state_type === 'SCHEDULED';
  const info: TaskRunInfo = { id, name, taskKey: task.taskKey, dynamicKey: run.dynamicKey, attempt: 0 };

  for (;;) {
    info.attempt++;
    const running: StateCreate = { type: 'RUNNING', name: 'Running', state_details: details };
    if (mustWait) {
      const adopted = await proposeAndWait(reporter, id, running, { held: tagged });
      if (adopted.type === 'COMPLETED') {
        future.setState(localState(adopted));
        const value = await loadResult(client, adopted.data, serializers());
        await runHooks(task.onCompletion, { taskRun: info, state: future.state, result: value }, scope);
        return value;
      }
      if (adopted.type !== 'RUNNING') {
        future.setState(localState(adopted));
        throw new FlowRunAbortedError(`Task run ${name} was moved to ${adopted.type} by the server.`);
      }
    } else reporter.enqueueState(id, running);
    future.setState({ type: 'RUNNING', name: 'Running', message: null });

    try {
      // Before the body: a key template that cannot be filled in fails the run without running it.
      const policy = taskResultPolicy(task, run, args, scope, { cacheKey, expiration: cacheExpiration });
      const value = await runBody(task, id, name, args, scope.context);
      const stored = await storeResult(client, value, policy);
      reporter.enqueueState(id, {
        type: 'COMPLETED',
        name: 'Completed',
        data: stored.data,
        ...(details || stored.untrackable
          ? { state_details: { ...details, ...(stored.untrackable ? { untrackable_result: true } : {}) } }
          : {}),
      });
      future.setState({ type: 'COMPLETED', name: 'Completed', message: null });
      await runHooks(task.onCompletion, { taskRun: info, state: future.state, result: value }, scope);
      return value;
    } catch (error) {
      if (error instanceof Error && error.name === 'FlowRunAbortedError') throw error;
      const message = `Task run encountered an exception: ${describeError(error)}`;
      if (
        info.attempt <= task.retries &&
        !isNonRetriable(error) &&
        !scope.context.signal?.aborted &&
        (await retryWanted(task, info, error, scope))
      ) {
        const delay = taskRetryDelaySeconds(
          { retry_delay: task.retryDelay, retry_jitter_factor: task.retryJitterFactor },
          info.attempt,
          Math.random,
        );
        reporter.enqueueState(id, {
          type: 'SCHEDULED',
          name: 'AwaitingRetry',
          message,
          state_details: { scheduled_time: isoAfter(delay) },
        });
        future.setState({ type: 'SCHEDULED', name: 'AwaitingRetry', message });
        log(
          scope,
          id,
          LOG_LEVELS.warning,
          `${message}. Retry ${info.attempt}/${task.retries} will start in ${delay} s.`,
        );
        // The flow run stopping ends the wait: the run's reason is the task's error then.
        await sleep(delay * 1000, undefined, { signal: scope.context.signal }).catch(() => {
          throw scope.context.signal?.reason ?? error;
        });
        mustWait = true;
        continue;
      }
      const stateName = error instanceof Error && error.name === 'TimedOutError' ? 'TimedOut' : 'Failed';
      // Stopped with its cancelled flow run: CANCELLED, as Prefect's tasks are.
      const type = cancelledBy(scope.context.signal) ? 'CANCELLED' : 'FAILED';
      const shownName = type === 'CANCELLED' ? 'Cancelled' : stateName;
      reporter.enqueueState(id, { type, name: shownName, message, state_details: { retriable: false } });
      future.setState({ type, name: shownName, message });
      log(scope, id, LOG_LEVELS.error, error instanceof Error ? (error.stack ?? message) : message);
      await runHooks(task.onFailure, { taskRun: info, state: future.state, error }, scope);
      throw error;
    }
  }
}

/** A proposal whose answer decides what happens next: WAITs are slept through, ABORT stops the run. */
async function proposeAndWait(
  reporter: TaskRunReporter,
  taskRunId: string,
  state: StateCreate,
  { held }: { held: boolean },
): Promise<State> {
  for (;;) {
    const item = {
      op: 'set_state',
      task_run_id: taskRunId,
      state: withTransitionId(state),
      force: false,
    } as const;
    const result = held ? await reporter.proposeHeld(item) : await reporter.propose(item);
    switch (result.status) {
      case 'ACCEPT':
      case 'REJECT':
        if (result.state) return result.state;
        throw new FlowRunAbortedError(`The server answered ${result.status} without a state.`);
      case 'WAIT':
        await sleep(
          result.details.type === 'wait_details' ? Math.max(0, result.details.delay_seconds) * 1000 : 0,
        );
        break;
      case 'ABORT': {
        const reason =
          result.details.type === 'abort_details' ? (result.details.reason ?? 'aborted') : 'aborted';
        reporter.failure ??= { kind: 'aborted', reason };
        throw new FlowRunAbortedError(reason);
      }
    }
  }
}

async function runBody(
  task: TaskDefinition,
  id: string,
  name: string,
  args: unknown[],
  runContext: RunContext,
): Promise<unknown> {
  const logPrints = task.logPrints ?? runContext.logPrints ?? false;
  if (logPrints) captureConsole();
  const taskRun = { id, name, logPrints };
  // The task's signal follows its flow run's, and aborts at its own timeout (timeouts.ts); without
  // a timeout it is the flow run's signal itself.
  return runGuarded(
    ({ signal }) => withRunContext({ ...runContext, taskRun, signal }, () => task.fn(...args)),
    {
      seconds: task.timeoutSeconds,
      timeoutError: () => new TimedOutError(`Task run ${name}`, task.timeoutSeconds ?? 0),
      parent: runContext.signal,
      what: `Task run ${name}`,
      onIgnored: runContext.stopRun,
      shareParentSignal: true,
    },
  );
}

function cacheKeyOf(task: TaskDefinition, args: unknown[], scope: AttemptScope): string | null {
  if (!task.cachePolicy) return null;
  const parameters = parametersOf(task.parameterNames, args);
  const context: CacheKeyContext = {
    taskKey: task.taskKey,
    taskSource: task.source,
    parameters,
    flowParameters: scope.flowParameters,
    flowRunId: scope.context.flowRun.id,
  };
  try {
    return task.cachePolicy.computeKey(context);
  } catch (error) {
    log(
      scope,
      null,
      LOG_LEVELS.warning,
      `No cache key for ${task.name}: ${describeError(error)}; not caching.`,
    );
    return null;
  }
}

async function retryWanted(
  task: TaskDefinition,
  info: TaskRunInfo,
  error: unknown,
  scope: AttemptScope,
): Promise<boolean> {
  if (!task.retryCondition) return true;
  try {
    return await task.retryCondition({ taskRun: { ...info }, error });
  } catch (conditionError) {
    log(scope, info.id, LOG_LEVELS.error, `retryCondition threw: ${describeError(conditionError)}`);
    return false;
  }
}

async function runHooks(hooks: TaskHook[], context: TaskHookContext, scope: AttemptScope): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook(context);
    } catch (error) {
      log(scope, context.taskRun.id, LOG_LEVELS.error, `A task hook failed: ${describeError(error)}`);
    }
  }
}

function log(scope: AttemptScope, taskRunId: string | null, level: number, message: string): void {
  scope.context.log({
    name: 'edgeflow.task_runs',
    level,
    message,
    timestamp: new Date().toISOString(),
    task_run_id: taskRunId,
  });
}
