// The run a piece of code is executing in, kept on a process-wide registry so every copy of the SDK agrees.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EdgeflowClient } from '../client/index.ts';
import type { FlowRun, LogCreate } from '../protocol/index.ts';
import type { PauseWatch } from './pause-watch.ts';
import type { TaskRunner } from './task-runner.ts';

/**
 * A log record before it is tied to a run: the context's sink adds the run id. A subflow's records
 * name their own flow run.
 */
export type LogRecord = Omit<LogCreate, 'flow_run_id'> & { flow_run_id?: string };

/** The task run code executes in, for its logs and nested tasks. */
export interface TaskRunScope {
  id: string;
  name: string;
  logPrints: boolean;
}

/**
 * What the SDK knows while a flow run executes. Tasks find the run they belong to here, the same way
 * the logger does.
 */
export interface RunContext {
  flowRun: FlowRun;
  /** The lease the agent's claim handed out; every proposal for this run carries it. */
  leaseId: string | undefined;
  client: EdgeflowClient;
  /** Where `getRunLogger()` sends its records: to the agent over IPC, or to the console. */
  log(record: LogRecord): void;
  /** Set by the engine while the flow function runs: where `task()` and subflow calls go. */
  taskRunner?: TaskRunner;
  /** Set while a task's function runs. */
  taskRun?: TaskRunScope;
  /** The flow's `logPrints`: console output inside the run becomes its logs. */
  logPrints?: boolean;
  /** Set by the engine for a top-level run: holds new tasks while the run is paused from outside. */
  pauseWatch?: PauseWatch;
  /**
   * Aborted when this flow or task run must stop: its timeout, its flow run's timeout, cancellation,
   * the agent shutting down (docs/sdk.md, "Timeouts and cancellation"). Pass it to `fetch` and waits.
   */
  signal?: AbortSignal;
  /** Ends the flow run at once with `reason` (set by the engine; timeouts.ts uses it). */
  stopRun?: (reason: Error) => void;
}

interface Registry {
  version: 1;
  storage: AsyncLocalStorage<RunContext>;
}

/**
 * `Symbol.for` is shared by every module instance in the process: a user's flow file that resolves its
 * own copy of `edgeflow` still reads the context the agent's copy set (docs/sdk.md, "Several copies of
 * the SDK in one process").
 */
const REGISTRY_KEY = Symbol.for('edgeflow.run-context');

function registry(): Registry {
  const holder = globalThis as unknown as Record<symbol, Registry | undefined>;
  holder[REGISTRY_KEY] ??= { version: 1, storage: new AsyncLocalStorage<RunContext>() };
  return holder[REGISTRY_KEY];
}

/** The run the caller executes in, or undefined outside any run. */
export function currentRun(): RunContext | undefined {
  return registry().storage.getStore();
}

/** The run the caller executes in; throws outside a flow run (Prefect's `get_run_context`). */
export function getRunContext(): RunContext & { signal: AbortSignal } {
  const context = currentRun();
  if (!context) throw new Error('getRunContext() was called outside a flow or task run.');
  return { ...context, signal: context.signal ?? new AbortController().signal };
}

export function withRunContext<T>(context: RunContext, fn: () => T): T {
  return registry().storage.run(context, fn);
}
