// One child process as the agent sees it: ready, then running one flow run, then closed.
import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { FlowRun } from '../protocol/index.ts';
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

export class FlowRunChild {
  readonly process: ChildProcess;
  /** Resolves when the SDK is loaded; rejects if the child dies first. */
  readonly ready: Promise<void>;
  /** Resolves once the process has exited and its output is read. */
  readonly closed: Promise<ChildExit>;
  /** Resolves when its run's flow function is about to be called, or when the process has exited. */
  readonly started: Promise<void>;
  flowRunId: string | null = null;
  leaseId: string | null = null;
  /** What the child reported before exiting; null means it died without a word. */
  outcome: ChildOutcome | null = null;
  isReady = false;
  #killTimer: NodeJS.Timeout | undefined;

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
      return exit;
    });
    let markStarted = () => {};
    this.started = new Promise<void>((done) => {
      markStarted = done;
    });
    this.closed.then(() => markStarted());
    this.ready = new Promise((done, fail) => {
      this.process.on('message', (message: ChildToAgent) => {
        switch (message.type) {
          case 'ready':
            this.isReady = true;
            return done();
          case 'started':
            markStarted();
            return events.started?.(this, message.at);
          case 'log':
            return events.log(this, message.record);
          case 'flush':
            return events.flush(this, () => this.#send({ type: 'flushed', id: message.id }));
          case 'done':
            this.outcome = message.outcome;
            return;
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

  /** Hands a run to this (ready) child: a claimed one carries its lease. */
  assign(run: { flow_run: FlowRun; lease_id: string | null }): void {
    this.flowRunId = run.flow_run.id;
    this.leaseId = run.lease_id;
    this.#send({ type: 'run', flow_run: run.flow_run, lease_id: run.lease_id });
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
