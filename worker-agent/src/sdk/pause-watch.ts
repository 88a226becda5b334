// Waiting out a paused run, and the watch that makes a run paused or suspended from outside (the API,
// the dashboard, an automation) stop at its next task boundary (docs/sdk.md, "Pause, suspend and input").
// Both hold `GET /flow_runs/{id}/next_state` open on the server instead of polling on a timer; the
// watch only after a run's first second, so the many short runs cost the server no request for it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { EdgeflowClient } from '../client/index.ts';
import type { FlowRun, State } from '../protocol/index.ts';

/** How long one held read waits before it is asked again (well under every proxy's idle limit). */
const HELD_READ_SECONDS = 30;
/** After a failed read (server unreachable through every retry), the watch tries again this much later. */
const RETRY_AFTER_FAILURE_MS = 1_000;
/**
 * The watch's first read waits this long: a run that ends sooner (most: a short flow's run takes tens
 * of ms) never makes it. A pause from outside meanwhile is seen by that first read, which answers at
 * once since the state moved on, and holds the tasks after it (docs/sdk.md, "Pause, suspend and input").
 */
export const WATCH_STARTS_AFTER_MS = 1_000;

/**
 * Thrown through the flow when its run may not go on in this process: suspended (the process ends;
 * the run is resumed later on any agent), ended while paused (a pause that timed out is FAILED), or
 * cancelled. The engine ends the attempt with the server's state instead of proposing one.
 */
export class FlowRunStoppedSignal extends Error {
  override readonly name = 'FlowRunStoppedSignal';
  readonly state: State;

  constructor(state: State) {
    const why = state.state_details.pause_reschedule
      ? 'was suspended'
      : `is ${state.type}${state.message ? `: ${state.message}` : ''}`;
    super(`The flow run ${why}`);
    this.state = state;
  }
}

/** The server state a stop signal carries (any SDK copy's), or null for any other error. */
export function stoppedState(error: unknown): State | null {
  if (!(error instanceof Error) || error.name !== 'FlowRunStoppedSignal') return null;
  return (error as FlowRunStoppedSignal).state;
}

const isSuspended = (state: State | null) =>
  state?.type === 'PAUSED' && state.state_details.pause_reschedule === true;

/**
 * Waits while run `flowRunId` is PAUSED (from state `stateId` on); resolves with the run once it is
 * RUNNING again, throws a stop signal when it went anywhere else (FAILED by its timeout, CANCELLING)
 * or when it is suspended.
 */
export async function waitWhilePaused(
  client: EdgeflowClient,
  flowRunId: string,
  stateId: string | null,
  signal?: AbortSignal,
): Promise<FlowRun> {
  let after = stateId;
  for (;;) {
    const run = await client.runInputs.nextState(flowRunId, after, HELD_READ_SECONDS, signal);
    after = run.state_id;
    if (run.state_type === 'PAUSED' && !isSuspended(run.state)) continue;
    if (run.state_type === 'RUNNING') return run;
    throw new FlowRunStoppedSignal(run.state!);
  }
}

/**
 * Follows a running flow run's state in the background. While it is PAUSED, `beforeTask()` holds new
 * tasks until it is resumed; once it is suspended, cancelled or ended, `beforeTask()` throws the stop
 * signal, so no new task starts.
 */
export class PauseWatch {
  readonly #client: EdgeflowClient;
  readonly #flowRunId: string;
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;
  /** Set while the run is held: PAUSED (a wait), or stopped (a rejection). */
  #gate: Promise<void> | null = null;

  readonly #say: (message: string) => void;

  /**
   * Watches from `stateId` on (the RUNNING state this attempt began with), from `startsAfterMs` on;
   * `say` logs to the run.
   */
  constructor(
    client: EdgeflowClient,
    flowRunId: string,
    stateId: string,
    say: (message: string) => void,
    { startsAfterMs = WATCH_STARTS_AFTER_MS }: { startsAfterMs?: number } = {},
  ) {
    this.#client = client;
    this.#flowRunId = flowRunId;
    this.#say = say;
    this.#done = this.#watch(stateId, startsAfterMs);
  }

  /** Resolves at once while the run is RUNNING; waits while it is paused; throws once it stopped. */
  async beforeTask(): Promise<void> {
    // Looked at again after each wait: a pause may end in a stop (timed out, cancelled, suspended).
    while (this.#gate) await this.#gate;
  }

  /** Ends the watch (its held read too), so nothing of it outlives the attempt. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }

  async #watch(startId: string | null, startsAfterMs: number): Promise<void> {
    const { signal } = this.#abort;
    await sleep(startsAfterMs, undefined, { signal }).catch(() => undefined);
    let after = startId;
    while (!signal.aborted) {
      let run: FlowRun;
      try {
        run = await this.#client.runInputs.nextState(this.#flowRunId, after, HELD_READ_SECONDS, signal);
      } catch {
        if (signal.aborted) return;
        await sleep(RETRY_AFTER_FAILURE_MS, undefined, { signal }).catch(() => undefined);
        continue;
      }
      after = run.state_id;
      this.#follow(run);
    }
  }

  #follow(run: FlowRun): void {
    const release = this.#release;
    this.#release = null;
    if (run.state_type === 'PAUSED' && !isSuspended(run.state)) {
      this.#release = release;
      if (this.#gate) return;
      this.#say('The flow run is paused: new tasks wait until it is resumed.');
      this.#gate = new Promise<void>((resolve) => {
        this.#release = resolve;
      });
      return;
    }
    if (run.state_type === 'RUNNING' || run.state_type === 'PENDING' || !run.state) {
      if (release) this.#say('The flow run was resumed: its tasks go on.');
      this.#gate = null;
    } else {
      const signal = new FlowRunStoppedSignal(run.state);
      if (!this.#stoppedSaid) this.#say(`${signal.message}: no new task starts.`);
      this.#stoppedSaid = true;
      const stopped = Promise.reject(signal);
      stopped.catch(() => undefined);
      this.#gate = stopped;
    }
    // Tasks held by the pause look again, and go on or see the stop.
    release?.();
  }

  #release: (() => void) | null = null;
  #stoppedSaid = false;
}
