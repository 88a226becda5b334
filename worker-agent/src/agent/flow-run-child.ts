// One flow-run process as the agent sees it: ready, then running runs one at a time (one, or several
// of the same entrypoint when it is kept warm), then closed.
import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { FlowRun, StateCreate } from '../protocol/index.ts';
import type { LogRecord } from '../sdk/index.ts';
import type { AgentToChild, ChildOutcome, ChildToAgent } from './ipc.ts';

/** The script a child runs: the `.ts` source when the agent runs from source, else the built `.js`. */
const CHILD_SCRIPT = new URL(
  `./child-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/** A log line is cut here: the API stores at most 100,000 characters a message. */
const MAX_LINE = 100_000;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildEvents {
  /** A line the child printed; `flowRunId` is null while it waits for a run. */
  output(child: FlowRunChild, stream: 'stdout' | 'stderr', line: string): void;
  log(child: FlowRunChild, record: LogRecord): void;
  /** The child asks for every log so far to be shipped; call `ack()` once they are. */
  flush(child: FlowRunChild, ack: () => void): void;
  started?(child: FlowRunChild, at: number): void;
}

export interface ChildSpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  events: ChildEvents;
}

/** How a run in a child ended. */
export type RunEnd =
  /** The child reported the run's end; `stays`: it waits for another run, else it has exited. */
  | { kind: 'reported'; outcome: ChildOutcome; stays: boolean; unfit: string | null; rssBytes: number }
  /** The process exited without a word about the run: crashed, killed, or it exited on its own. */
  | { kind: 'exited'; exit: ChildExit }
  /** Code of the run would not stop: the process exited, and the agent proposes `state` (ipc.ts). */
  | { kind: 'handed_over'; state: StateCreate; exit: ChildExit };

export interface AssignedRun {
  /** Resolves when the flow function is about to be called, or when the run ended first. */
  readonly started: Promise<void>;
  readonly ended: Promise<RunEnd>;
}

interface CurrentRun {
  markStarted(): void;
  reported(message: Extract<ChildToAgent, { type: 'done' }>): void;
  handedOver(state: StateCreate): void;
}

export class FlowRunChild {
  readonly process: ChildProcess;
  /** Resolves when the SDK is loaded; rejects if the child dies first. */
  readonly ready: Promise<void>;
  /** Resolves once the process has exited and its output is read. */
  readonly closed: Promise<ChildExit>;
  /** The run whose output this is; null while the child waits for a run. */
  flowRunId: string | null = null;
  isReady = false;
  /** The edgeflow package version the process loaded (known once ready). */
  version: string | null = null;
  /** Runs handed to this process so far. */
  runs = 0;
  #current: CurrentRun | null = null;
  #killTimer: NodeJS.Timeout | undefined;
  #stopTimer: NodeJS.Timeout | undefined;

  constructor(options: ChildSpawnOptions) {
    this.process = fork(CHILD_SCRIPT, [], {
      cwd: options.cwd,
      env: options.env,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const { events } = options;
    for (const stream of ['stdout', 'stderr'] as const) {
      const lines = createInterface({ input: this.process[stream]!, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (line) => events.output(this, stream, line.slice(0, MAX_LINE)));
    }
    // Not the 'close' event: Node never emits it once the parent has called disconnect().
    const exited = new Promise<ChildExit>((done) => {
      this.process.once('exit', (code, signal) => done({ code, signal }));
    });
    const drained = [this.process.stdout!, this.process.stderr!].map(
      (stream) => new Promise((done) => stream.once('close', done)),
    );
    this.closed = Promise.all([exited, ...drained]).then(([exit]) => {
      clearTimeout(this.#killTimer);
      clearTimeout(this.#stopTimer);
      return exit;
    });
    this.ready = new Promise((done, fail) => {
      this.process.on('message', (message: ChildToAgent) => {
        switch (message.type) {
          case 'ready':
            this.isReady = true;
            this.version = message.version;
            return done();
          case 'started':
            this.#current?.markStarted();
            return events.started?.(this, message.at);
          case 'log':
            return events.log(this, message.record);
          case 'flush':
            return events.flush(this, () => this.#send({ type: 'flushed', id: message.id }));
          case 'done':
            return this.#current?.reported(message);
          case 'hand_over':
            return this.#current?.handedOver(message.state);
        }
      });
      this.closed.then((exit) =>
        fail(new Error(`flow-run process exited before it was ready (${describeExit(exit)})`)),
      );
      this.process.once('error', fail);
    });
    this.ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null && this.process.connected;
  }

  /**
   * Hands a run to this (ready, idle) child: a claimed one carries its lease. `stay`: the process may
   * wait for another run afterwards, if the run leaves it fit (else it exits when the run ends).
   */
  assign(run: { flow_run: FlowRun; lease_id: string | null }, { stay }: { stay: boolean }): AssignedRun {
    if (this.#current) throw new Error(`flow-run process ${this.pid} is already running a run`);
    this.runs++;
    this.flowRunId = run.flow_run.id;
    let markStarted = () => {};
    const started = new Promise<void>((done) => {
      markStarted = done;
    });
    const ended = new Promise<RunEnd>((end) => {
      const finish = (result: RunEnd) => {
        if (this.#current !== current) return;
        this.#current = null;
        markStarted();
        end(result);
      };
      /** What the child reported, when it did before exiting. */
      let report: RunEnd | null = null;
      let handedOver: StateCreate | null = null;
      const current: CurrentRun = {
        markStarted,
        handedOver: (state) => {
          handedOver = state;
        },
        reported: ({ outcome, stays, unfit, rss_bytes }) => {
          report = { kind: 'reported', outcome, stays, unfit, rssBytes: rss_bytes };
          // Not staying: the run ends once the process has exited and its last output is read.
          if (!stays) return;
          // Lines printed before the report may still be in the pipes: read them (one turn) under this
          // run's id before the process is idle.
          setImmediate(() => {
            if (this.#current === current) this.flowRunId = null;
            finish(report!);
          });
        },
      };
      this.#current = current;
      void this.closed.then((exit) =>
        finish(
          report ??
            (handedOver ? { kind: 'handed_over', state: handedOver, exit } : { kind: 'exited', exit }),
        ),
      );
    });
    this.#send({ type: 'run', flow_run: run.flow_run, lease_id: run.lease_id, stay });
    return { started, ended };
  }

  /**
   * Stops the run: its signal aborts in the process, which then ends the run and exits; SIGTERM after
   * `stopMs` if it has not, SIGKILL `graceMs` later.
   */
  cancel(reason: string, { stopMs, graceMs }: { stopMs: number; graceMs: number }): void {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.#send({ type: 'cancel', reason });
    this.#stopTimer ??= setTimeout(() => this.kill(graceMs), stopMs);
  }

  /** SIGTERM now, SIGKILL after `graceMs` if it is still alive. */
  kill(graceMs: number): void {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill('SIGTERM');
    this.#killTimer ??= setTimeout(() => this.process.kill('SIGKILL'), graceMs);
  }

  /** Ends an idle child: it exits on its own when the IPC channel closes. */
  release(): void {
    if (this.process.connected) this.process.disconnect();
  }

  #send(message: AgentToChild): void {
    if (this.process.connected) this.process.send(message);
  }
}

/** "exit code 3" or "signal SIGKILL", for CRASHED messages. */
export function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
