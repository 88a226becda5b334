// `pauseFlowRun` and `suspendFlowRun`: Prefect's pause_flow_run / suspend_flow_run, with typed input
// through a zod schema (docs/sdk.md, "Pause, suspend and input").
import { ApiError } from '../client/index.ts';
import { pauseInputKeys, type State } from '../protocol/index.ts';
import { currentRun, type RunContext } from './context.ts';
import { type ParametersSchema, parametersJsonSchema } from './flow.ts';
import { FlowRunStoppedSignal, waitWhilePaused } from './pause-watch.ts';
import type { TaskRunner } from './task-runner.ts';

/** Prefect's default: a pause or suspension not resumed within an hour fails the run. */
export const DEFAULT_PAUSE_TIMEOUT_SECONDS = 3600;

export interface PauseOptions<T> {
  /** How long the run may stay paused; past it the server fails the run. Default 3600. */
  timeoutSeconds?: number;
  /**
   * Names this pause: a run resumed after a suspension runs its flow again, and a pause whose key
   * already fired returns at once (with the input given then). Default: its order in the run (1, 2, …).
   */
  key?: string;
  /** A zod schema: the resume must carry input that fits it, and the call returns it parsed. */
  waitForInput?: ParametersSchema<T>;
  /** Shown beside the resume form (Markdown), as Prefect's `RunInput` description. */
  description?: string;
}

/** The input a resume carried did not fit the pause's schema on this side (zod refinements, say). */
export class RunInputValidationError extends Error {
  override readonly name = 'RunInputValidationError';
}

/** How many pauses each attempt of a flow run has made, for their default keys. */
const pauseCounts = new WeakMap<TaskRunner, number>();

function runContextForPause(verb: string): RunContext & { taskRunner: TaskRunner } {
  const context = currentRun();
  if (!context?.taskRunner) throw new Error(`${verb} must be called inside a flow run`);
  if (context.taskRun) throw new Error(`${verb} cannot be called inside a task: only a flow run pauses`);
  return context as RunContext & { taskRunner: TaskRunner };
}

function nextKey(runner: TaskRunner): string {
  const count = (pauseCounts.get(runner) ?? 0) + 1;
  pauseCounts.set(runner, count);
  return String(count);
}

/** Stores the pause's schema (and description) as run inputs; already there from an earlier attempt is fine. */
async function storeInputSchema<T>(
  context: RunContext,
  keys: ReturnType<typeof pauseInputKeys>,
  options: PauseOptions<T>,
): Promise<void> {
  const inputs: { key: string; value: string }[] = [
    { key: keys.schema, value: JSON.stringify(parametersJsonSchema(options.waitForInput)) },
  ];
  if (options.description) inputs.push({ key: keys.description, value: JSON.stringify(options.description) });
  for (const input of inputs) {
    await context.client.runInputs.create(context.flowRun.id, input).catch((error: unknown) => {
      if (!(error instanceof ApiError && error.status === 409)) throw error;
    });
  }
}

/** The input given at resume, parsed by the pause's schema; undefined without one. */
async function resumeInput<T>(
  context: RunContext,
  keys: ReturnType<typeof pauseInputKeys>,
  schema: ParametersSchema<T> | undefined,
): Promise<T> {
  if (!schema) return undefined as T;
  const value = await context.client.runInputs.read(context.flowRun.id, keys.response);
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(input)'}: ${issue.message}`)
    .join('; ');
  throw new RunInputValidationError(`The run input does not fit the pause's schema: ${issues}`);
}

/** Proposes the PAUSED state; the server's answer is the state the run is in now. */
async function proposePause(
  context: RunContext,
  details: {
    key: string;
    timeoutSeconds: number;
    reschedule: boolean;
    keys?: ReturnType<typeof pauseInputKeys>;
  },
): Promise<State> {
  const result = await context.client.setFlowRunState(context.flowRun.id, {
    state: {
      type: 'PAUSED',
      name: details.reschedule ? 'Suspended' : 'Paused',
      state_details: {
        pause_timeout: new Date(Date.now() + details.timeoutSeconds * 1000).toISOString(),
        pause_key: details.key,
        pause_reschedule: details.reschedule,
        ...(details.keys ? { run_input_keyset: details.keys } : {}),
      },
    },
    lease_id: context.leaseId,
  });
  if (result.status === 'ABORT' || !result.state) {
    const reason = result.details.type === 'abort_details' ? result.details.reason : null;
    throw new Error(
      `The flow run could not be ${details.reschedule ? 'suspended' : 'paused'}: ${reason ?? result.status}`,
    );
  }
  return result.state;
}

async function pauseOrSuspend<T>(options: PauseOptions<T>, reschedule: boolean): Promise<T> {
  const context = runContextForPause(reschedule ? 'suspendFlowRun' : 'pauseFlowRun');
  const runner = context.taskRunner;
  const key = options.key ?? nextKey(runner);
  const keys = pauseInputKeys(key);
  // A suspension ends the process: tasks already started finish and their results are recorded, so
  // the resumed run reuses them instead of running them again.
  if (reschedule) await runner.settle();
  await runner.flushReports();
  if (options.waitForInput) await storeInputSchema(context, keys, options);
  const state = await proposePause(context, {
    key,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_PAUSE_TIMEOUT_SECONDS,
    reschedule,
    keys: options.waitForInput ? keys : undefined,
  });
  // Rejected and still RUNNING: this key already fired (the run was resumed, and runs its flow again).
  if (state.type === 'RUNNING') return await resumeInput(context, keys, options.waitForInput);
  if (state.type !== 'PAUSED' || reschedule) throw new FlowRunStoppedSignal(state);
  await waitWhilePaused(context.client, context.flowRun.id, state.id);
  return await resumeInput(context, keys, options.waitForInput);
}

/**
 * Pauses the flow run and waits, in this process, until it is resumed (the API, `edgeflow resume`, the
 * dashboard) and returns the input given then, parsed by `waitForInput`. Past `timeoutSeconds` the
 * server fails the run, and this call ends the flow with that state.
 */
export function pauseFlowRun<T = undefined>(options: PauseOptions<T> = {}): Promise<T> {
  return pauseOrSuspend(options, false);
}

/**
 * Suspends the flow run: its process ends, and once resumed an agent (any) runs the flow again from
 * the start. Completed tasks are not run again: their recorded results are used, and this call
 * returns the input the resume gave. A run needs a deployment or work pool to be suspended.
 */
export function suspendFlowRun<T = undefined>(options: PauseOptions<T> = {}): Promise<T> {
  return pauseOrSuspend(options, true);
}
