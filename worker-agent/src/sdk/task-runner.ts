// Executes a flow run's task runs and subflows in this process, reporting them through the batch
// reporter: ids and dynamic keys are made here, retries and caching decided here (CONTRACTS §4).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type State,
  type StateCreate,
  type TaskRun,
  type TaskRunBatchResult,
  taskRetryDelaySeconds,
} from '../protocol/index.ts';
import type { CacheKeyContext } from './cache-policies.ts';
import { type RunContext, type TaskRunner, withRunContext } from './context.ts';
import {
  describeError,
  FlowRunAbortedError,
  isNonRetriable,
  TimedOutError,
  UpstreamFailedError,
} from './errors.ts';
import type { FlowDefinition } from './flow.ts';
import { TaskRunFuture, type TaskRunOutcome, type TaskRunState } from './futures.ts';
import { LOG_LEVELS } from './logger.ts';
import { captureConsole } from './prints.ts';
import { failureError, type TaskRunReporter, withTransitionId } from './reporter.ts';
import { loadResult, storeResult } from './results.ts';
import type { TaskDefinition, TaskHook, TaskHookContext, TaskRunInfo } from './task.ts';
import { collectUpstream, resolveArgs, type Upstream } from './task-inputs.ts';
import { withTimeout } from './timeouts.ts';

/** How a subflow's run ended, as the engine reports it back to its parent. */
export type SubflowOutcome =
  | { ok: true; value: unknown; data: unknown }
  | { ok: false; error: unknown; message: string };

/** Runs a flow definition as the given (child) flow run; injected to keep the engine import one-way. */
export type SubflowExecutor = (flow: FlowDefinition<unknown>, context: RunContext) => Promise<SubflowOutcome>;

interface PlannedRun {
  task: TaskDefinition;
  id: string;
  name: string;
  dynamicKey: string;
  earlier: TaskRun | undefined;
  args: unknown[];
  upstream: Upstream[];
  future: TaskRunFuture;
}

const PENDING: TaskRunState = { type: 'PENDING', name: 'Pending', message: null };
const flowIds = new Map<string, Promise<string>>();

const runKey = (taskKey: string, dynamicKey: string) => `${taskKey}\u0000${dynamicKey}`;

function local(state: Pick<State, 'type' | 'name' | 'message'>): TaskRunState {
  return { type: state.type, name: state.name, message: state.message ?? null };
}

function isoAfter(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString();
}

/** A COMPLETED earlier run whose value can be handed back without running it again. */
function reusable(run: TaskRun | undefined): run is TaskRun & { state: State } {
  return run?.state?.type === 'COMPLETED' && run.state.state_details.untrackable_result !== true;
}

export class FlowRunTasks implements TaskRunner {
  readonly #context: RunContext;
  readonly #reporter: TaskRunReporter;
  readonly #runSubflow: SubflowExecutor;
  readonly #counters = new Map<string, number>();
  readonly #earlier = new Map<string, TaskRun>();
  readonly #pending = new Set<Promise<void>>();
  flowParameters: Record<string, unknown> = {};

  constructor(context: RunContext, reporter: TaskRunReporter, runSubflow: SubflowExecutor) {
    this.#context = context;
    this.#reporter = reporter;
    this.#runSubflow = runSubflow;
  }

  /** Reads the run's task runs from earlier attempts, so completed ones are not run again. */
  async loadEarlierRuns(): Promise<void> {
    const pageSize = 1000;
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.#context.client.listTaskRuns(this.#context.flowRun.id, offset, pageSize);
      for (const run of page) this.#earlier.set(runKey(run.task_key, run.dynamic_key), run);
      if (page.length < pageSize) return;
    }
  }

  /** Resolves once every task run and subflow started so far has ended. */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  submit(value: unknown, args: unknown[], waitFor: unknown[]): TaskRunFuture {
    const task = value as TaskDefinition;
    const dynamicKey = this.#nextDynamicKey(task.taskKey);
    const earlier = this.#earlier.get(runKey(task.taskKey, dynamicKey));
    const id = earlier?.id ?? randomUUID();
    const name = `${task.name}-${dynamicKey}`;
    const upstream: Upstream[] = [];
    const inputs: Record<string, { input_type: 'task_run'; id: string }[]> = {};
    for (let index = 0; index < args.length; index++) {
      const found: Upstream[] = [];
      collectUpstream(args[index], found);
      if (found.length === 0) continue;
      upstream.push(...found);
      inputs[task.parameterNames[index] ?? `arg${index}`] = found.map((item) => ({
        input_type: 'task_run',
        id: item.future.taskRunId,
      }));
    }
    for (const item of waitFor) collectUpstream(item, upstream);
    if (waitFor.length > 0) {
      inputs.wait_for = upstream
        .slice(-waitFor.length)
        .map((item) => ({ input_type: 'task_run', id: item.future.taskRunId }));
    }

    let settle!: (outcome: TaskRunOutcome) => void;
    const outcome = new Promise<TaskRunOutcome>((resolve) => {
      settle = resolve;
    });
    const future = new TaskRunFuture(id, name, outcome, earlier?.state ? local(earlier.state) : PENDING);
    if (this.#reporter.failure) {
      settle({ ok: false, error: failureError(this.#reporter.failure) });
      return future;
    }
    if (!earlier) {
      this.#reporter.enqueue({
        op: 'create',
        task_run: {
          id,
          task_key: task.taskKey,
          dynamic_key: dynamicKey,
          name,
          tags: task.tags,
          ...(task.retries > 0
            ? {
                empirical_policy: {
                  retries: task.retries,
                  retry_delay: task.retryDelay,
                  retry_jitter_factor: task.retryJitterFactor,
                },
              }
            : {}),
          ...(upstream.length > 0 ? { task_inputs: inputs } : {}),
          state: withTransitionId({ type: 'PENDING', name: 'Pending' }),
        },
      });
    }
    const run: PlannedRun = { task, id, name, dynamicKey, earlier, args, upstream, future };
    this.#track(
      this.#execute(run).then(
        (result) => settle({ ok: true, value: result }),
        (error: unknown) => settle({ ok: false, error }),
      ),
    );
    return future;
  }

  async runSubflow(value: unknown, parameters: unknown): Promise<unknown> {
    const flow = value as FlowDefinition<unknown>;
    const taskKey = `${flow.name}-subflow`;
    const dynamicKey = this.#nextDynamicKey(taskKey);
    const earlier = this.#earlier.get(runKey(taskKey, dynamicKey));
    const id = earlier?.id ?? randomUUID();
    if (reusable(earlier)) return loadResult(this.#context.client, earlier.state.data);
    if (!earlier) {
      this.#reporter.enqueue({
        op: 'create',
        task_run: {
          id,
          task_key: taskKey,
          dynamic_key: dynamicKey,
          name: `${flow.name}-${dynamicKey}`,
          tags: [],
          state: withTransitionId({ type: 'PENDING', name: 'Pending' }),
        },
      });
    }
    const running = this.#runChildFlow(flow, id, parameters);
    const tracked = running.then(
      () => undefined,
      () => undefined,
    );
    this.#track(tracked);
    return running;
  }

  async #runChildFlow(
    flow: FlowDefinition<unknown>,
    taskRunId: string,
    parameters: unknown,
  ): Promise<unknown> {
    const { client } = this.#context;
    let flowId = flowIds.get(flow.name);
    if (!flowId) {
      flowId = client.createFlow({ name: flow.name }).then((created) => created.id);
      flowId.catch(() => flowIds.delete(flow.name));
      flowIds.set(flow.name, flowId);
    }
    const child = await client.createFlowRun({
      flow_id: await flowId,
      parameters: (parameters ?? {}) as Record<string, unknown>,
      parent_task_run_id: taskRunId,
      empirical_policy: flow.empiricalPolicy,
      tags: this.#context.flowRun.tags,
    });
    this.#setState(taskRunId, {
      type: 'RUNNING',
      name: 'Running',
      state_details: { child_flow_run_id: child.id },
    });
    const parent = this.#context;
    const outcome = await this.#runSubflow(flow, {
      flowRun: child,
      leaseId: undefined,
      client,
      log: (record) => parent.log({ ...record, flow_run_id: record.flow_run_id ?? child.id }),
      logPrints: parent.logPrints,
    });
    if (outcome.ok) {
      this.#setState(taskRunId, {
        type: 'COMPLETED',
        name: 'Completed',
        data: outcome.data,
        state_details: { child_flow_run_id: child.id },
      });
      return outcome.value;
    }
    this.#setState(taskRunId, {
      type: 'FAILED',
      name: 'Failed',
      message: outcome.message,
      state_details: { child_flow_run_id: child.id, retriable: false },
    });
    throw outcome.error;
  }

  #track(done: Promise<void>): void {
    this.#pending.add(done);
    void done.then(() => this.#pending.delete(done));
  }

  #nextDynamicKey(taskKey: string): string {
    const count = this.#counters.get(taskKey) ?? 0;
    this.#counters.set(taskKey, count + 1);
    return String(count);
  }

  #setState(taskRunId: string, state: StateCreate): void {
    this.#reporter.enqueue({
      op: 'set_state',
      task_run_id: taskRunId,
      state: withTransitionId(state),
      force: false,
    });
  }

  /** A proposal whose answer decides what happens next: WAITs are slept through, ABORT stops the run. */
  async #proposeAndWait(taskRunId: string, state: StateCreate): Promise<State> {
    for (;;) {
      const result: TaskRunBatchResult = await this.#reporter.propose({
        op: 'set_state',
        task_run_id: taskRunId,
        state: withTransitionId(state),
        force: false,
      });
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
          this.#reporter.failure ??= { kind: 'aborted', reason };
          throw new FlowRunAbortedError(reason);
        }
      }
    }
  }

  async #execute(run: PlannedRun): Promise<unknown> {
    const { task, id, name, future } = run;
    const { client } = this.#context;
    if (reusable(run.earlier)) return loadResult(client, run.earlier.state.data);

    let args = run.args;
    if (run.upstream.length > 0) {
      const failed: string[] = [];
      for (const upstream of run.upstream) {
        const outcome = await upstream.future.outcome();
        if (!outcome.ok && !upstream.allowed) failed.push(upstream.future.taskRunId);
      }
      if (failed.length > 0) {
        const message = `Upstream task run(s) did not reach a COMPLETED state: ${failed.join(', ')}`;
        this.#setState(id, { type: 'PENDING', name: 'NotReady', message });
        future.setState({ type: 'PENDING', name: 'NotReady', message });
        throw new UpstreamFailedError(`Task run ${name} did not run: ${message}`);
      }
      args = (await resolveArgs(args)) as unknown[];
    }
    if (this.#reporter.failure) throw failureError(this.#reporter.failure);

    const cacheKey = this.#cacheKey(task, args);
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
    // The server may answer a cache hit, or WAIT until a retry's scheduled time: those proposals wait.
    let mustWait = (cacheKey !== null && !task.refreshCache) || run.earlier?.state_type === 'SCHEDULED';
    const info: TaskRunInfo = { id, name, taskKey: task.taskKey, dynamicKey: run.dynamicKey, attempt: 0 };

    for (;;) {
      info.attempt++;
      const running: StateCreate = { type: 'RUNNING', name: 'Running', state_details: details };
      if (mustWait) {
        const adopted = await this.#proposeAndWait(id, running);
        if (adopted.type === 'COMPLETED') {
          future.setState(local(adopted));
          const value = await loadResult(client, adopted.data);
          await this.#hooks(task.onCompletion, { taskRun: info, state: future.state, result: value });
          return value;
        }
        if (adopted.type !== 'RUNNING') {
          future.setState(local(adopted));
          throw new FlowRunAbortedError(`Task run ${name} was moved to ${adopted.type} by the server.`);
        }
      } else this.#setState(id, running);
      future.setState({ type: 'RUNNING', name: 'Running', message: null });

      try {
        const value = await this.#runBody(task, id, name, args);
        const stored = await storeResult(client, value, {
          persist: task.persistResult ?? (cacheKey !== null ? true : undefined),
          storageKey: `task-runs/${id}`,
          expiration: cacheExpiration,
        });
        this.#setState(id, {
          type: 'COMPLETED',
          name: 'Completed',
          data: stored.data,
          ...(details || stored.untrackable
            ? { state_details: { ...details, ...(stored.untrackable ? { untrackable_result: true } : {}) } }
            : {}),
        });
        future.setState({ type: 'COMPLETED', name: 'Completed', message: null });
        await this.#hooks(task.onCompletion, { taskRun: info, state: future.state, result: value });
        return value;
      } catch (error) {
        if (error instanceof Error && error.name === 'FlowRunAbortedError') throw error;
        const message = `Task run encountered an exception: ${describeError(error)}`;
        if (
          info.attempt <= task.retries &&
          !isNonRetriable(error) &&
          (await this.#retryWanted(task, info, error))
        ) {
          const delay = taskRetryDelaySeconds(
            { retry_delay: task.retryDelay, retry_jitter_factor: task.retryJitterFactor },
            info.attempt,
            Math.random,
          );
          this.#setState(id, {
            type: 'SCHEDULED',
            name: 'AwaitingRetry',
            message,
            state_details: { scheduled_time: isoAfter(delay) },
          });
          future.setState({ type: 'SCHEDULED', name: 'AwaitingRetry', message });
          this.#log(
            id,
            LOG_LEVELS.warning,
            `${message}. Retry ${info.attempt}/${task.retries} will start in ${delay} s.`,
          );
          await sleep(delay * 1000);
          mustWait = true;
          continue;
        }
        const stateName = error instanceof Error && error.name === 'TimedOutError' ? 'TimedOut' : 'Failed';
        this.#setState(id, { type: 'FAILED', name: stateName, message, state_details: { retriable: false } });
        future.setState({ type: 'FAILED', name: stateName, message });
        this.#log(id, LOG_LEVELS.error, error instanceof Error ? (error.stack ?? message) : message);
        await this.#hooks(task.onFailure, { taskRun: info, state: future.state, error });
        throw error;
      }
    }
  }

  async #runBody(task: TaskDefinition, id: string, name: string, args: unknown[]): Promise<unknown> {
    const logPrints = task.logPrints ?? this.#context.logPrints ?? false;
    if (logPrints) captureConsole();
    const context: RunContext = { ...this.#context, taskRun: { id, name, logPrints } };
    const body = withRunContext(context, () => task.fn(...args));
    return withTimeout(
      body,
      task.timeoutSeconds,
      () => new TimedOutError(`Task run ${name}`, task.timeoutSeconds ?? 0),
    );
  }

  #cacheKey(task: TaskDefinition, args: unknown[]): string | null {
    if (!task.cachePolicy) return null;
    const parameters: Record<string, unknown> = {};
    args.forEach((arg, index) => {
      parameters[task.parameterNames[index] ?? `arg${index}`] = arg;
    });
    const context: CacheKeyContext = {
      taskKey: task.taskKey,
      taskSource: task.source,
      parameters,
      flowParameters: this.flowParameters,
      flowRunId: this.#context.flowRun.id,
    };
    try {
      return task.cachePolicy.computeKey(context);
    } catch (error) {
      this.#log(
        null,
        LOG_LEVELS.warning,
        `No cache key for ${task.name}: ${describeError(error)}; not caching.`,
      );
      return null;
    }
  }

  async #retryWanted(task: TaskDefinition, info: TaskRunInfo, error: unknown): Promise<boolean> {
    if (!task.retryCondition) return true;
    try {
      return await task.retryCondition({ taskRun: { ...info }, error });
    } catch (conditionError) {
      this.#log(info.id, LOG_LEVELS.error, `retryCondition threw: ${describeError(conditionError)}`);
      return false;
    }
  }

  async #hooks(hooks: TaskHook[], context: TaskHookContext): Promise<void> {
    for (const hook of hooks) {
      try {
        await hook(context);
      } catch (error) {
        this.#log(context.taskRun.id, LOG_LEVELS.error, `A task hook failed: ${describeError(error)}`);
      }
    }
  }

  #log(taskRunId: string | null, level: number, message: string): void {
    this.#context.log({
      name: 'edgeflow.task_runs',
      level,
      message,
      timestamp: new Date().toISOString(),
      task_run_id: taskRunId,
    });
  }
}
