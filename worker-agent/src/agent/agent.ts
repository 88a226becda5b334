// The agent: runs each flow run its claim loop (claim-loop.ts) hands over in a child process of its
// own (a warm one that ran the same entrypoint, or a fresh one: warm-reuse.ts), kills the runs its
// heartbeats (heartbeats.ts) say are cancelled or lost, reports crashed ones, and drains on SIGTERM.
import { hostname } from 'node:os';
import { type EdgeflowClient, StaleLeaseError } from '../client/index.ts';
import type { ClaimedFlowRun, State, StateCreate } from '../protocol/index.ts';
import type { AgentLifecycle, AgentOptions } from './agent-options.ts';
import { ChildPool } from './child-pool.ts';
import { type ClaimingAgent, claimLoop } from './claim-loop.ts';
import type { FlowRunChild, RunEnd } from './flow-run-child.ts';
import { firstHeartbeat, type HeartbeatingAgent, heartbeatLoop } from './heartbeats.ts';
import { LogShipper, shipChildOutput } from './log-shipper.ts';
import { afterRun, cancelled, type RunStop } from './run-ends.ts';
import {
  type Isolation,
  type WarmKey,
  type WarmReuse,
  warmKeyOf,
  warmReusePolicy,
  whyNotKept,
} from './warm-reuse.ts';

interface ActiveRun extends RunStop {
  claimed: ClaimedFlowRun;
  /** The process running it; null before it has one and once the run has ended in it. */
  child: FlowRunChild | null;
}

/** SIGTERM is followed by SIGKILL after this long when a cancelled run's process ignores it. */
const KILL_GRACE_MS = 5_000;
/** A cancelled run's process gets this long to stop through its signal before SIGTERM. */
const CANCEL_STOP_MS = 2_000;

export class Agent {
  readonly name: string;
  #lifecycle: AgentLifecycle = 'starting';
  readonly #options: AgentOptions;
  readonly #client: EdgeflowClient;
  readonly #children: ChildPool;
  readonly #isolation: Isolation;
  readonly #warmReuse: WarmReuse;
  readonly #logs: LogShipper;
  readonly #active = new Map<string, ActiveRun>();
  readonly #finishing = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  readonly #heartbeatsDone = new AbortController();
  /** What the claim loop and the heartbeats see of this agent. */
  readonly #loops: ClaimingAgent & HeartbeatingAgent;
  #slotFreed: (() => void) | null = null;
  #stopRequested: (() => void) | null = null;
  #signal: string | null = null;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#client = options.client;
    this.name = options.name ?? `${hostname()}-${process.pid}`;
    const report = options.report ?? ((message: string) => console.error(`[edgeflow agent] ${message}`));
    this.#options.report = report;
    this.#logs = new LogShipper(this.#client, { onError: report });
    this.#isolation = options.isolation ?? 'warm';
    this.#warmReuse = warmReusePolicy(options.warmReuse);
    this.#children = new ChildPool(
      {
        cwd: options.cwd,
        env: { ...process.env, EDGEFLOW_API_URL: this.#client.apiUrl, EDGEFLOW_API_KEY: options.apiKey },
        events: shipChildOutput(this.#logs, { echo: options.echoOutput ?? false }),
      },
      // At most one idle warm process per slot: beyond that, the one idle longest goes.
      { prestart: options.prestart, maxWarm: this.#isolation === 'warm' ? options.limit : 0 },
    );
    this.#loops = {
      client: this.#client,
      name: this.name,
      pool: options.pool,
      queues: options.queues,
      pollIntervalMs: options.pollIntervalMs,
      heartbeatSeconds: options.heartbeatSeconds,
      stopSignal: this.#stop.signal,
      claiming: () => this.#lifecycle === 'running',
      starting: () => this.#lifecycle === 'starting',
      freeSlots: () => options.limit - this.#active.size,
      slotFreed: () =>
        new Promise<void>((done) => {
          this.#slotFreed = done;
        }).then(() => {
          this.#slotFreed = null;
        }),
      start: (claimed) => this.#start(claimed),
      running: () => this.running,
      cancel: (ids, reason) => this.#cancel(ids, reason),
      lose: (ids) => this.#lose(ids),
      report: (message) => this.#report(message),
    };
  }

  get lifecycle(): AgentLifecycle {
    return this.#lifecycle;
  }

  get running(): string[] {
    return [...this.#active.keys()];
  }

  /** Runs until `stop()` and every run has ended. Throws if the server refuses the key or the pool. */
  async run(): Promise<void> {
    this.#children.fill();
    try {
      await firstHeartbeat(this.#loops);
    } catch (error) {
      await this.#children.close();
      throw error;
    }
    if (this.#lifecycle === 'starting') this.#lifecycle = 'running';
    this.#report(`${this.name} polling pool "${this.#options.pool}" (limit ${this.#options.limit})`);
    const heartbeats = heartbeatLoop(this.#loops, this.#heartbeatsDone.signal);
    await claimLoop(this.#loops);
    await this.#drain();
    this.#heartbeatsDone.abort();
    await heartbeats;
    await this.#children.close();
    await this.#logs.flush();
    this.#lifecycle = 'stopped';
  }

  /** Stop claiming and drain. A second call ends the grace period at once. */
  stop(signal = 'stop'): void {
    if (this.#lifecycle === 'draining') {
      this.#stopRequested?.();
      return;
    }
    if (this.#lifecycle !== 'starting' && this.#lifecycle !== 'running') return;
    this.#signal = signal;
    this.#lifecycle = 'draining';
    this.#stop.abort();
    this.#slotFreed?.();
  }

  /** Starts a claimed run; resolves once its flow function has started (or the run ended first). */
  #start(claimed: ClaimedFlowRun): Promise<void> {
    let markStarted = () => {};
    const started = new Promise<void>((done) => {
      markStarted = done;
    });
    const run: ActiveRun = { claimed, child: null, cancelReason: null, lost: false };
    this.#active.set(claimed.flow_run.id, run);
    const finishing = this.#execute(run, markStarted).finally(() => {
      markStarted();
      this.#active.delete(claimed.flow_run.id);
      this.#finishing.delete(finishing);
      this.#slotFreed?.();
    });
    this.#finishing.add(finishing);
    return started;
  }

  async #execute(run: ActiveRun, markStarted: () => void): Promise<void> {
    const warm = this.#isolation === 'warm';
    const key = warm ? await warmKeyOf(run.claimed.flow_run.entrypoint, this.#options.cwd) : null;
    let claimed = run.claimed;
    // A run handed over by its process that the server sends round again (an in-process flow retry)
    // is run again here, in a new process: the old one is gone.
    while (await this.#runInProcess(run, claimed, markStarted, key)) {
      claimed = { ...run.claimed, flow_run: await this.#client.readFlowRun(run.claimed.flow_run.id) };
    }
  }

  /** One go of the run in a process; true when it must go round again in another. */
  async #runInProcess(
    run: ActiveRun,
    claimed: ClaimedFlowRun,
    markStarted: () => void,
    key: WarmKey | null,
  ): Promise<boolean> {
    const id = run.claimed.flow_run.id;
    const warm = this.#isolation === 'warm';
    let child: FlowRunChild;
    try {
      child = await this.#children.take(key);
    } catch (error) {
      await this.#propose(run, {
        type: 'CRASHED',
        name: 'Crashed',
        message: `The agent could not start a process: ${(error as Error).message}`,
      });
      return false;
    }
    if (run.lost || run.cancelReason) {
      child.release();
      if (!run.lost) await this.#propose(run, cancelled(run.cancelReason!));
      return false;
    }
    run.child = child;
    const assigned = child.assign(claimed, { stay: warm });
    assigned.started.then(markStarted);
    const end = await assigned.ended;
    // The run is over in this process: a cancellation from now on must not reach it (it may be warm
    // and running another run soon).
    run.child = null;
    if (end.kind === 'reported' && warm) this.#keepOrEnd(run, child, key, end);

    const next = afterRun(id, end, run);
    if (next.kind === 'note') this.#report(next.message);
    if (next.kind !== 'propose') return false;
    const after = await this.#propose(run, next.state);
    // A handed-over end the server sends round again (SCHEDULED) goes again in another process.
    return next.handedOver && after?.type === 'SCHEDULED' && !run.cancelReason && !run.lost;
  }

  /** After a run that its process reported: keep the process warm for the next run of `key`, or end it. */
  #keepOrEnd(
    run: ActiveRun,
    child: FlowRunChild,
    key: WarmKey | null,
    end: RunEnd & { kind: 'reported' },
  ): void {
    const stopped = run.lost || run.cancelReason !== null;
    const why = stopped ? 'the run was stopped' : whyNotKept(child, key, end, this.#warmReuse);
    if (why === null) {
      this.#children.keepWarm(child, key!);
      return;
    }
    child.release();
    // Users learn why their flow's processes are not reused (a timer left running, say).
    if (!stopped) this.#report(`flow run ${run.claimed.flow_run.id}: its process is not reused: ${why}`);
  }

  /**
   * Proposes a state the agent decides (CRASHED, CANCELLED, a handed-over end) with the run's lease;
   * the state the run is in after, when the server answered.
   */
  async #propose(run: ActiveRun, state: StateCreate): Promise<State | null> {
    const id = run.claimed.flow_run.id;
    try {
      const result = await this.#client.setFlowRunState(id, { state, lease_id: run.claimed.lease_id });
      this.#report(`flow run ${id}: ${state.name ?? state.type} → ${result.status} (${state.message})`);
      return result.state;
    } catch (error) {
      if (!(error instanceof StaleLeaseError))
        this.#report(`flow run ${id}: could not report ${state.type}: ${(error as Error).message}`);
      return null;
    }
  }

  #cancel(ids: string[], reason: string): void {
    for (const id of ids) {
      const run = this.#active.get(id);
      if (!run || run.cancelReason) continue;
      run.cancelReason = reason;
      // Its signal aborts first, so the run's code can stop on its own; the process goes either way.
      run.child?.cancel(reason, { stopMs: CANCEL_STOP_MS, graceMs: KILL_GRACE_MS });
    }
  }

  /** Kills the runs whose lease is someone else's now; nothing is reported for them. */
  #lose(ids: string[]): void {
    for (const id of ids) {
      const run = this.#active.get(id);
      if (!run) continue;
      run.lost = true;
      run.child?.kill(KILL_GRACE_MS);
    }
  }

  async #drain(): Promise<void> {
    if (this.#active.size > 0) {
      this.#report(
        `stopping (${this.#signal}): waiting up to ${this.#options.graceSeconds}s for ${this.#active.size} running flow run(s)`,
      );
      const graceOver = new Promise<void>((done) => {
        this.#stopRequested = done;
        setTimeout(done, this.#options.graceSeconds * 1000).unref();
      });
      await Promise.race([Promise.all(this.#finishing), graceOver]);
    }
    if (this.#active.size > 0) {
      this.#lifecycle = 'cancelling';
      this.#cancel(
        this.running,
        `The agent ${this.name} stopped (${this.#signal}) before the flow run finished.`,
      );
    }
    await Promise.all(this.#finishing);
  }

  #report(message: string): void {
    this.#options.report?.(message);
  }
}
