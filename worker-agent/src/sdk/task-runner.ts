// The task runner of a flow run: makes each task call's ids and dynamic keys, queues its `create`,
// and runs it (task-attempts.ts) or its subflow (subflows.ts) in this process (docs/sdk.md).
import { timeOrderedId } from '../protocol/ids.ts';
import type { ArtifactCreate, ArtifactProgress, EventCreate, TaskRun } from '../protocol/index.ts';
import type { RunContext } from './context.ts';
import type { FlowDefinition } from './flow.ts';
import { TaskRunFuture, type TaskRunOutcome, type TaskRunState } from './futures.ts';
import { failureError, type TaskRunReporter, withTransitionId } from './reporter.ts';
import { knownSerializers, type ResultSettings } from './result-settings.ts';
import { loadResult } from './results.ts';
import { runChildFlow, type SubflowExecutor } from './subflows.ts';
import type { TaskDefinition } from './task.ts';
import { localState, type PlannedRun, reusable, runTaskRun } from './task-attempts.ts';
import { collectUpstream, type Upstream } from './task-inputs.ts';

export interface TaskRunnerOptions {
  context: RunContext;
  reporter: TaskRunReporter;
  /** Runs a subflow's child flow run (the engine's own entry point, injected). */
  runSubflow: SubflowExecutor;
  /** The flow run's parameters, for cache policies that key on them. */
  flowParameters: Record<string, unknown>;
  /** The flow's result serializer and storage, which its tasks inherit. */
  flowResults?: ResultSettings;
}

const PENDING: TaskRunState = { type: 'PENDING', name: 'Pending', message: null };

const runKey = (taskKey: string, dynamicKey: string) => `${taskKey}\u0000${dynamicKey}`;

/**
 * The engine puts its task runner on the run context, where `task()` calls and subflow calls find it.
 * They may come from another copy of the SDK (a flow file resolving its own `edgeflow`), which is why
 * `submit` and `runSubflow` take loosely typed definitions and hand back plain branded objects.
 */
export class TaskRunner {
  readonly #options: TaskRunnerOptions;
  readonly #counters = new Map<string, number>();
  readonly #earlier = new Map<string, TaskRun>();
  readonly #pending = new Set<Promise<void>>();

  constructor(options: TaskRunnerOptions) {
    this.#options = options;
  }

  /** Reads the run's task runs from earlier attempts, so completed ones are not run again. */
  async loadEarlierRuns(): Promise<void> {
    const { client, flowRun } = this.#options.context;
    const pageSize = 1000;
    for (let offset = 0; ; offset += pageSize) {
      const page = await client.listTaskRuns(flowRun.id, offset, pageSize);
      for (const run of page) this.#earlier.set(runKey(run.task_key, run.dynamic_key), run);
      if (page.length < pageSize) return;
    }
  }

  /** Sends a custom event with the run's next report batch (see events.ts). */
  emitEvent(event: EventCreate): void {
    this.#options.reporter.enqueueEvent(event);
  }

  /** Sends an artifact with the run's next report batch (see artifacts.ts). */
  sendArtifact(artifact: ArtifactCreate): void {
    this.#options.reporter.enqueueArtifact(artifact);
  }

  sendArtifactProgress(progress: ArtifactProgress): void {
    this.#options.reporter.enqueueArtifactProgress(progress);
  }

  /** Resolves once every task run and subflow started so far has ended. */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Sends every report queued so far (a pause records the tasks that ended before it). */
  flushReports(): Promise<void> {
    return this.#options.reporter.flush();
  }

  /** True once the flow run's signal has aborted: its task runs are stopping. */
  signalled(): boolean {
    return this.#options.context.signal?.aborted === true;
  }

  /** Starts a task run of `task` (a task definition) and returns its future. */
  submit(task: unknown, args: unknown[], waitFor: unknown[]): TaskRunFuture {
    const definition = task as TaskDefinition;
    const { reporter } = this.#options;
    const dynamicKey = this.#nextDynamicKey(definition.taskKey);
    const earlier = this.#earlier.get(runKey(definition.taskKey, dynamicKey));
    const id = earlier?.id ?? timeOrderedId();
    const name = `${definition.name}-${dynamicKey}`;
    const upstream: Upstream[] = [];
    const inputs: Record<string, { input_type: 'task_run'; id: string }[]> = {};
    for (let index = 0; index < args.length; index++) {
      const found: Upstream[] = [];
      collectUpstream(args[index], found);
      if (found.length === 0) continue;
      upstream.push(...found);
      inputs[definition.parameterNames[index] ?? `arg${index}`] = found.map((item) => ({
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
    const future = new TaskRunFuture(id, name, outcome, earlier?.state ? localState(earlier.state) : PENDING);
    if (reporter.failure) {
      settle({ ok: false, error: failureError(reporter.failure) });
      return future;
    }
    if (!earlier) {
      reporter.enqueue({
        op: 'create',
        task_run: {
          id,
          task_key: definition.taskKey,
          dynamic_key: dynamicKey,
          name,
          tags: definition.tags,
          ...(definition.retries > 0
            ? {
                empirical_policy: {
                  retries: definition.retries,
                  retry_delay: definition.retryDelay,
                  retry_jitter_factor: definition.retryJitterFactor,
                },
              }
            : {}),
          ...(upstream.length > 0 ? { task_inputs: inputs } : {}),
          state: withTransitionId({ type: 'PENDING', name: 'Pending' }),
        },
      });
    }
    const run: PlannedRun = { task: definition, id, name, dynamicKey, earlier, args, upstream, future };
    // A task boundary: a run paused from outside holds its new tasks here (pause-watch.ts).
    const watch = this.#options.context.pauseWatch;
    const started = watch
      ? watch.beforeTask().then(() => runTaskRun(run, this.#options))
      : runTaskRun(run, this.#options);
    this.#track(
      started.then(
        (result) => settle({ ok: true, value: result }),
        (error: unknown) => settle({ ok: false, error }),
      ),
    );
    return future;
  }

  /** Runs `flow` (a flow definition) as a subflow of this run, linked to a task run, and returns its value. */
  async runSubflow(flow: unknown, parameters: unknown): Promise<unknown> {
    const definition = flow as FlowDefinition<unknown>;
    const { context, reporter } = this.#options;
    const taskKey = `${definition.name}-subflow`;
    const dynamicKey = this.#nextDynamicKey(taskKey);
    const earlier = this.#earlier.get(runKey(taskKey, dynamicKey));
    const id = earlier?.id ?? timeOrderedId();
    if (reusable(earlier)) {
      const serializers = knownSerializers(definition.results, this.#options.flowResults);
      return loadResult(context.client, earlier.state.data, serializers);
    }
    if (!earlier) {
      reporter.enqueue({
        op: 'create',
        task_run: {
          id,
          task_key: taskKey,
          dynamic_key: dynamicKey,
          name: `${definition.name}-${dynamicKey}`,
          tags: [],
          state: withTransitionId({ type: 'PENDING', name: 'Pending' }),
        },
      });
    }
    const running = runChildFlow(definition, id, parameters, this.#options);
    const tracked = running.then(
      () => undefined,
      () => undefined,
    );
    this.#track(tracked);
    return running;
  }

  /**
   * A task run standing for work done elsewhere (a deployment's run, run-deployment.ts): created now,
   * indexed before this resolves, and the same one again when a retried flow run makes the same call.
   */
  async linkTaskRun(taskKey: string): Promise<string> {
    const dynamicKey = this.#nextDynamicKey(taskKey);
    const earlier = this.#earlier.get(runKey(taskKey, dynamicKey));
    if (earlier) return earlier.id;
    const id = timeOrderedId();
    await this.#options.reporter.propose({
      op: 'create',
      task_run: {
        id,
        task_key: taskKey,
        dynamic_key: dynamicKey,
        name: `${taskKey}-${dynamicKey}`,
        tags: [],
        state: withTransitionId({ type: 'PENDING', name: 'Pending' }),
      },
    });
    return id;
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
}
