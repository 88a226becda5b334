// One Durable Object per work pool: the runs ready to dispatch, held long-poll claims, leases and
// workers. Decisions come from src/domain/dispatch; the run objects stay the single writers of state.
import { DurableObject } from 'cloudflare:workers';
import type { ClaimResponse, Worker, WorkerHeartbeatResponse } from 'edgeflow/protocol';
import { readPoolConfig } from '../db/work-pools';
import {
  crashMessage,
  DEFAULT_HEARTBEAT_INTERVAL_S,
  type DispatchView,
  dispatchStatus,
  eligibleQueues,
  heartbeatOutcome,
  lateAt,
  leaseDeadline,
  nextWakeUp,
  type PoolConfig,
  RETRY_CALL_MS,
  workerStatus,
} from '../domain/dispatch';
import type { Env } from '../env';
import { writeClaimedIndexes } from './claim-index';
import { type AbandonKey, ClaimTickets } from './claim-tickets';
import { type Clock, systemClock } from './clock';
import type { WorkPoolDispatchApi } from './dispatch';
import { HeldClaims } from './held-claims';
import { flowRunObject } from './objects';
import { PoolAgentEvents } from './pool-agent-events';
import { PoolPresence } from './pool-presence';
import { PoolStorage } from './pool-storage';
import { RunClaimer } from './run-claimer';

export interface ClaimRequest {
  name: string;
  queues?: string[];
  limit: number;
  wait_ms: number;
  /** Names the claim across the agent's retries: a repeat gets the first attempt's runs back. */
  claim_id?: string;
  /** Names this one request (the API's): see `abandonClaim`. */
  ticket?: string;
}

export type ClaimOutcome =
  | { kind: 'ok'; response: ClaimResponse }
  | { kind: 'not_found' }
  | { kind: 'unknown_queues'; queues: string[] };

export type HeartbeatOutcome = { kind: 'ok'; response: WorkerHeartbeatResponse } | { kind: 'not_found' };

export class WorkPoolObject extends DurableObject<Env> implements WorkPoolDispatchApi {
  /** Replaced by tests to move time (see clock.ts). */
  clock: Clock = systemClock;
  private readonly storage: PoolStorage;
  private readonly claims = new ClaimTickets();
  private readonly claimer: RunClaimer;
  private readonly held: HeldClaims;
  private readonly presence: PoolPresence;
  private readonly agentEvents: PoolAgentEvents;
  private armedAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = new PoolStorage(ctx.storage.sql);
    this.claimer = new RunClaimer({
      storage: this.storage,
      tickets: this.claims,
      clock: () => this.clock,
      runObject: (id) => flowRunObject(env, id),
      armAlarm: () => this.armAlarm(),
      indexClaimed: (handed) => writeClaimedIndexes(env, handed),
    });
    this.held = new HeldClaims({
      takeRuns: (agent, queues, limit) => this.claimer.takeRuns(agent, queues, limit),
      answer: (claim, runs) => this.claimer.answer(claim, runs),
    });
    this.presence = new PoolPresence(env.DB, () => this.clock);
    this.agentEvents = new PoolAgentEvents(ctx.storage.sql, env.DB, () => this.clock);
  }

  /** The API tells the object about every config change; a late, older copy is ignored. */
  async configure(config: PoolConfig | null): Promise<void> {
    const current = this.storage.readConfig();
    if (config && current && current.id === config.id && current.version >= config.version) return;
    this.storage.writeConfig(config);
    if (!config) this.held.answerAll();
    this.held.serveSoon();
  }

  async claim(poolName: string, request: ClaimRequest): Promise<ClaimOutcome> {
    const config = await this.loadConfig(poolName);
    if (!config) return { kind: 'not_found' };
    const unknown = (request.queues ?? []).filter(
      (name) => !config.queues.some((queue) => queue.name === name),
    );
    if (unknown.length > 0) return { kind: 'unknown_queues', queues: unknown };
    const polled = [...eligibleQueues({ ...config, paused: false }, request.queues).keys()];
    void this.presence.note(config.name, null, polled);

    // The lock covers the first attempt and the registration of a held claim, never the wait itself.
    const first = await this.held.serially(
      async (): Promise<{ now: ClaimResponse } | { later: Promise<ClaimResponse> }> => {
        const claimId = request.claim_id;
        const identity = { agent: request.name, claimId, ticket: request.ticket };
        if (this.claims.isAbandoned(identity)) return { now: this.claimer.answer(identity, []) };
        if (claimId) {
          const replayed = await this.claimer.replay(request.name, claimId);
          if (replayed) return { now: this.claimer.answer(identity, replayed) };
          this.held.endWhere((held) => held.agent === request.name && held.claimId === claimId);
        }
        const runs = await this.claimer.takeRuns(request.name, request.queues, request.limit);
        if (runs.length > 0 || request.wait_ms === 0) return { now: this.claimer.answer(identity, runs) };
        return {
          later: this.held.hold({
            ...identity,
            queues: request.queues,
            limit: request.limit,
            waitMs: request.wait_ms,
          }),
        };
      },
    );
    return { kind: 'ok', response: 'now' in first ? first.now : await first.later };
  }

  /**
   * The claim `key` names reached no one: its request's client disconnected (by ticket), or its agent
   * stopped with it in flight (by claim id). A claim still held ends; runs its answer leased go back
   * to the queue through their run objects. Were the answer read after all, the agent's RUNNING would
   * find its lease gone and stop: a run never starts twice.
   */
  async abandonClaim(key: AbandonKey): Promise<void> {
    const leases = await this.held.serially(async () => {
      this.held.endWhere(ClaimTickets.matches(key));
      return this.claims.abandon(key, this.clock.now());
    });
    // Outside the line: each run object tells this pool the run is queued again, and a sync of a due
    // run waits for the line to serve it.
    await Promise.all(
      leases.map(({ run_id, lease_id }) =>
        flowRunObject(this.env, run_id)
          .unclaim(lease_id, 'The agent that claimed this run went away before it received it.')
          .catch((error) => console.error(`giving back flow run ${run_id} failed`, error)),
      ),
    );
  }

  /** An agent stopping with `claimId` in flight gives it up (see `abandonClaim`); false: no such pool. */
  async releaseClaim(poolName: string, agent: string, claimId: string): Promise<boolean> {
    if (!(await this.loadConfig(poolName))) return false;
    await this.abandonClaim({ agent, claimId });
    return true;
  }

  async heartbeat(
    poolName: string,
    body: { name: string; heartbeat_interval_seconds: number; running: string[] },
  ): Promise<HeartbeatOutcome> {
    if (!(await this.loadConfig(poolName))) return { kind: 'not_found' };
    const now = this.clock.now();
    const interval = body.heartbeat_interval_seconds;
    this.storage.saveWorker({ name: body.name, last_heartbeat: now, interval_s: interval });
    const known = new Map(this.storage.leasedRuns(body.running).map((run) => [run.id, run]));
    const outcome = heartbeatOutcome(body.name, body.running, known);
    this.storage.renewLeases(outcome.renew, body.name, interval, leaseDeadline(now, interval));
    this.agentEvents.heartbeat(poolName, body.name, leaseDeadline(now, interval));
    await this.armAlarm();
    // After the answer: the agent does not wait for its event to reach D1.
    this.ctx.waitUntil(this.agentEvents.deliver());
    await this.presence.note(this.storage.readConfig()?.name ?? null, leaseDeadline(now, interval), []);
    return { kind: 'ok', response: { cancelling: outcome.cancelling, lost: outcome.lost } };
  }

  async listWorkers(poolName: string): Promise<Worker[] | null> {
    if (!(await this.loadConfig(poolName))) return null;
    const now = this.clock.now();
    return this.storage.listWorkers().map((worker) => ({
      name: worker.name,
      work_pool_name: poolName,
      status: workerStatus(worker.last_heartbeat, worker.interval_s, now),
      last_heartbeat_time: new Date(worker.last_heartbeat).toISOString(),
      heartbeat_interval_seconds: worker.interval_s,
    }));
  }

  /**
   * Prefect's `DELETE /work_pools/{pool}/workers/{name}`: the worker's record goes. Its leases stay
   * (an agent still running renews them, and its next heartbeat makes a new record); nothing else.
   */
  async deleteWorker(poolName: string, name: string): Promise<'deleted' | 'no_pool' | 'no_worker'> {
    if (!(await this.loadConfig(poolName))) return 'no_pool';
    const deleted = this.storage.deleteWorker(name);
    this.agentEvents.forget(name);
    await this.armAlarm();
    return deleted ? 'deleted' : 'no_worker';
  }

  /** Called by run objects after every change of a run in this pool (see dispatch.ts). Never waits on a claim. */
  async syncRun(view: DispatchView): Promise<void> {
    const stored = this.storage.readRun(view.flow_run_id);
    if (stored && stored.version >= view.version) return;
    const status = dispatchStatus(view, this.storage.readConfig()?.name ?? view.work_pool_name);
    this.storage.saveRun(
      {
        id: view.flow_run_id,
        version: view.version,
        queue: view.work_queue_name,
        status,
        state_type: view.state_type,
        state_name: view.state_name,
        due_at: status === 'queued' ? view.due_at : null,
        late_at: status === 'queued' ? lateAt(view) : null,
        lease_id: view.lease_id,
      },
      this.clock.now(),
    );
    if (view.state_type === 'CANCELLING' && stored?.state_type !== 'CANCELLING' && stored?.agent) {
      this.held.answerAgentNow(stored.agent);
    }
    const serving = this.held.serveSoon();
    await this.armAlarm();
    // A run due now that finds a claim waiting is claimed before this returns: its object then writes
    // the index once, with PENDING, rather than SCHEDULED and then PENDING on the run's way to start.
    if (status === 'queued' && view.due_at !== null && view.due_at <= this.clock.now()) await serving;
  }

  override async alarm(): Promise<void> {
    this.armedAt = undefined;
    const now = this.clock.now();
    await Promise.all(this.storage.lapsedLeases(now).map((run) => this.crashRun(run.id, run)));
    await Promise.all(this.storage.lateRuns(now).map((run) => this.markLate(run.id)));
    this.storage.purgeTombstones(now);
    const poolName = this.storage.readConfig()?.name;
    if (poolName) this.agentEvents.lapse(poolName);
    await this.agentEvents.deliver();
    this.held.serveSoon();
    await this.armAlarm();
  }

  private async crashRun(
    id: string,
    lease: { lease_id: string | null; agent: string | null; lease_interval_s: number | null },
  ): Promise<void> {
    if (!lease.lease_id) return;
    try {
      const reason = crashMessage(
        lease.agent ?? 'unknown',
        lease.lease_interval_s ?? DEFAULT_HEARTBEAT_INTERVAL_S,
      );
      await flowRunObject(this.env, id).crash(lease.lease_id, reason);
      this.storage.dropLease(id, lease.lease_id);
    } catch (error) {
      console.error('crashing a run whose lease lapsed failed; retrying', error);
      this.storage.postponeLease(id, this.clock.now() + RETRY_CALL_MS);
    }
  }

  private async markLate(id: string): Promise<void> {
    try {
      await flowRunObject(this.env, id).markLate();
      this.storage.setLateAt(id, null);
    } catch (error) {
      console.error('marking a run Late failed; retrying', error);
      this.storage.setLateAt(id, this.clock.now() + RETRY_CALL_MS);
    }
  }

  /** The config copy; read from D1 only when this object has none (first use, or a lost update). */
  private async loadConfig(poolName: string): Promise<PoolConfig | null> {
    const config = this.storage.readConfig();
    if (config) return config;
    const loaded = await readPoolConfig(this.env.DB, poolName);
    if (loaded && !this.storage.readConfig()) this.storage.writeConfig(loaded);
    return this.storage.readConfig();
  }

  private async armAlarm(): Promise<void> {
    const next = nextWakeUp([...this.storage.wakeUpTimes(this.clock.now()), this.agentEvents.nextWakeUp()]);
    if (next === this.armedAt) return;
    this.armedAt = next;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}
