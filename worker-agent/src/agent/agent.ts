// The agent: long-polls a work pool, runs each claimed flow run in its own child process, heartbeats its
// leases, kills cancelled runs, reports crashed ones, and drains on SIGTERM.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, backoffDelayMs, type EdgeflowClient, StaleLeaseError } from '../client/index.ts';
import { type ClaimedFlowRun, MAX_CLAIM_WAIT_MS, type StateCreate } from '../protocol/index.ts';
import { ChildPool } from './child-pool.ts';
import { describeExit, type FlowRunChild } from './flow-run-child.ts';
import { LogShipper } from './log-shipper.ts';

/**
 * - `starting`: checking the pool, pre-starting children, first heartbeat.
 * - `running`: claiming whenever a slot is free.
 * - `draining`: stopped claiming (SIGTERM/SIGINT); running flows get the grace period to finish.
 * - `cancelling`: grace is over; the remaining runs are killed and reported CANCELLED.
 * - `stopped`: nothing left running; `run()` resolves.
 */
export type AgentLifecycle = 'starting' | 'running' | 'draining' | 'cancelling' | 'stopped';

export interface AgentOptions {
  client: EdgeflowClient;
  apiKey: string;
  pool: string;
  queues?: string[];
  /** Flow runs executed at once. */
  limit: number;
  name?: string;
  heartbeatSeconds: number;
  /** Idle children kept started. */
  prestart: number;
  graceSeconds: number;
  /**
   * For benchmarks and servers without long-polling: claim without waiting (`wait_ms` 0) and sleep this
   * long after a claim that found nothing, as Prefect's workers poll. Absent: long-poll.
   */
  pollIntervalMs?: number;
  /** Where the runs' entrypoints are resolved from. */
  cwd: string;
  /** Echo children's output to the agent's own stdout/stderr, as Prefect's workers do. */
  echoOutput?: boolean;
  /** The agent's own messages. */
  report?(message: string): void;
}

interface ActiveRun {
  claimed: ClaimedFlowRun;
  child: FlowRunChild | null;
  /** Why the agent is ending this run early; it reports CANCELLED. */
  cancelReason: string | null;
  /** The server says the lease is someone else's: report nothing. */
  lost: boolean;
}

/** SIGTERM is followed by SIGKILL after this long when a cancelled run's process ignores it. */
const KILL_GRACE_MS = 5_000;
const CLAIM_BACKOFF = { baseMs: 500, maxMs: 10_000 };
/**
 * After a claim that brought runs, the next claim waits until their flow functions have started, at
 * most this long. A claim costs the server about as much as a run's RUNNING and would compete with
 * it on a small server; a run that falls due meanwhile is due, so the next claim hands it over at once.
 */
const START_BEFORE_NEXT_CLAIM_MS = 250;
/** A stopping agent gives up on releasing its claim in flight after this long (see `#releaseClaim`). */
const RELEASE_CLAIM_TIMEOUT_MS = 2_000;

export class Agent {
  readonly name: string;
  #lifecycle: AgentLifecycle = 'starting';
  readonly #options: AgentOptions;
  readonly #client: EdgeflowClient;
  readonly #children: ChildPool;
  readonly #logs: LogShipper;
  readonly #active = new Map<string, ActiveRun>();
  readonly #finishing = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  readonly #heartbeatsDone = new AbortController();
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
    this.#children = new ChildPool(
      {
        cwd: options.cwd,
        env: { ...process.env, EDGEFLOW_API_URL: this.#client.apiUrl, EDGEFLOW_API_KEY: options.apiKey },
        events: {
          output: (child, stream, line) => {
            if (options.echoOutput)
              (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`);
            if (child.flowRunId === null) return;
            this.#logs.push({
              flow_run_id: child.flowRunId,
              level: stream === 'stdout' ? 20 : 40,
              name: `edgeflow.${stream}`,
              message: line,
              timestamp: new Date().toISOString(),
            });
          },
          log: (child, record) => {
            if (child.flowRunId)
              this.#logs.push({ ...record, flow_run_id: record.flow_run_id ?? child.flowRunId });
          },
          flush: (_child, ack) => void this.#logs.flush().then(ack),
        },
      },
      options.prestart,
    );
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
      await this.#firstHeartbeat();
    } catch (error) {
      await this.#children.close();
      throw error;
    }
    if (this.#lifecycle === 'starting') this.#lifecycle = 'running';
    this.#report(`${this.name} polling pool "${this.#options.pool}" (limit ${this.#options.limit})`);
    const heartbeats = this.#heartbeatLoop();
    await this.#claimLoop();
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

  async #claimLoop(): Promise<void> {
    let failures = 0;
    let claimId = randomUUID();
    let claiming = false;
    while (this.#lifecycle === 'running') {
      const free = this.#options.limit - this.#active.size;
      if (free <= 0) {
        await new Promise<void>((done) => {
          this.#slotFreed = done;
        });
        this.#slotFreed = null;
        continue;
      }
      try {
        // A retried claim keeps its claim_id, so the server can answer it with the runs it already
        // leased. An agent that stops with the claim in flight releases it (`#releaseClaim`); one that
        // dies leaves those runs to the server: their leases lapse without heartbeats naming them, and
        // they are crashed or requeued (deployed, the API also gives up a claim whose client is gone).
        claiming = true;
        const response = await this.#client.claim(
          this.#options.pool,
          {
            name: this.name,
            queues: this.#options.queues,
            limit: free,
            wait_ms: this.#options.pollIntervalMs === undefined ? MAX_CLAIM_WAIT_MS : 0,
            claim_id: claimId,
          },
          this.#stop.signal,
        );
        claiming = false;
        claimId = randomUUID();
        failures = 0;
        const starting = response.runs.map((claimed) => this.#start(claimed));
        this.#cancel(response.cancelling, 'The flow run was cancelled.');
        if (starting.length > 0) {
          await Promise.race([
            Promise.all(starting),
            sleep(START_BEFORE_NEXT_CLAIM_MS, undefined, { signal: this.#stop.signal }).catch(
              () => undefined,
            ),
          ]);
        }
        if (this.#options.pollIntervalMs !== undefined && response.runs.length === 0) {
          await sleep(this.#options.pollIntervalMs, undefined, { signal: this.#stop.signal }).catch(
            () => undefined,
          );
        }
      } catch (error) {
        if (this.#stop.signal.aborted) {
          if (claiming) await this.#releaseClaim(claimId);
          return;
        }
        claiming = false;
        failures++;
        this.#report(`claim failed (${failures}): ${(error as Error).message}`);
        await sleep(backoffDelayMs(failures, CLAIM_BACKOFF), undefined, { signal: this.#stop.signal }).catch(
          () => undefined,
        );
      }
    }
  }

  /**
   * Stopping with a claim in flight: the server could hold it on and lease runs to it, or have
   * answered it already, and this agent would never read the answer. Releasing it sends those runs
   * back to the queue at once; without it, they would wait for their leases to lapse.
   */
  async #releaseClaim(claimId: string): Promise<void> {
    try {
      await this.#client.releaseClaim(
        this.#options.pool,
        { name: this.name, claim_id: claimId },
        AbortSignal.timeout(RELEASE_CLAIM_TIMEOUT_MS),
      );
    } catch (error) {
      // Only a server that answered is worth a word. One that is unreachable or going away (stopped
      // along with this agent, as `npm run dev` does) leaves the claim to its lease or its own end.
      if (error instanceof ApiError) this.#report(`could not release the claim in flight: ${error.message}`);
    }
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
    const id = run.claimed.flow_run.id;
    let child: FlowRunChild;
    try {
      child = await this.#children.take();
    } catch (error) {
      await this.#propose(run, 'CRASHED', `The agent could not start a process: ${(error as Error).message}`);
      return;
    }
    run.child = child;
    child.started.then(markStarted);
    if (run.cancelReason) child.release();
    else child.assign(run.claimed);
    const exit = await child.closed;

    if (run.lost) return;
    if (run.cancelReason || child.outcome?.state_type === 'CANCELLING') {
      await this.#propose(run, 'CANCELLED', run.cancelReason ?? 'The flow run was cancelled.');
    } else if (!child.outcome) {
      await this.#propose(run, 'CRASHED', `The flow run process exited with ${describeExit(exit)}.`);
    } else if (child.outcome.kind === 'stale_lease') {
      this.#report(`flow run ${id}: lease lost, another attempt owns it`);
    }
  }

  /** Proposes a state the agent decides (CRASHED, CANCELLED) with the run's lease. */
  async #propose(run: ActiveRun, type: 'CRASHED' | 'CANCELLED', message: string): Promise<void> {
    const id = run.claimed.flow_run.id;
    const state: StateCreate = { type, name: type === 'CRASHED' ? 'Crashed' : 'Cancelled', message };
    try {
      const result = await this.#client.setFlowRunState(id, { state, lease_id: run.claimed.lease_id });
      this.#report(`flow run ${id}: ${type} → ${result.status} (${message})`);
    } catch (error) {
      if (error instanceof StaleLeaseError) return;
      this.#report(`flow run ${id}: could not report ${type}: ${(error as Error).message}`);
    }
  }

  #cancel(ids: string[], reason: string): void {
    for (const id of ids) {
      const run = this.#active.get(id);
      if (!run || run.cancelReason) continue;
      run.cancelReason = reason;
      run.child?.kill(KILL_GRACE_MS);
    }
  }

  async #heartbeatLoop(): Promise<void> {
    const signal = this.#heartbeatsDone.signal;
    while (!signal.aborted) {
      await sleep(this.#options.heartbeatSeconds * 1000, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      await this.#heartbeat().catch((error: unknown) =>
        this.#report(`heartbeat failed: ${(error as Error).message}`),
      );
    }
  }

  /**
   * The first heartbeat checks the key and the pool: a missing pool is created (as Prefect's workers
   * do), an unreachable server is waited for, and any other refusal ends the agent.
   */
  async #firstHeartbeat(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#heartbeat();
      } catch (error) {
        if (error instanceof ApiError && error.status === 404 && attempt === 1) {
          this.#report(`work pool "${this.#options.pool}" does not exist: creating it`);
          // Another agent may create it first: a 409 means it exists now, which is all we need.
          await this.#client
            .createWorkPool({ name: this.#options.pool, type: 'process' })
            .catch((conflict: unknown) => {
              if (!(conflict instanceof ApiError && conflict.status === 409)) throw conflict;
            });
          continue;
        }
        if (error instanceof ApiError) throw error;
        if (this.#lifecycle !== 'starting') return;
        this.#report(`waiting for the server: ${(error as Error).message}`);
        await sleep(backoffDelayMs(attempt, CLAIM_BACKOFF));
      }
    }
  }

  async #heartbeat(): Promise<void> {
    const response = await this.#client.heartbeat(this.#options.pool, {
      name: this.name,
      heartbeat_interval_seconds: this.#options.heartbeatSeconds,
      running: this.running,
    });
    this.#cancel(response.cancelling, 'The flow run was cancelled.');
    for (const id of response.lost) {
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
