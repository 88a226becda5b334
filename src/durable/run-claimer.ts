// The claim path of a work pool object: picks due runs in dispatch order within the pool's limits,
// claims each through its run object (the rules decide), records the leases, and shapes the answer.
import type { ClaimedFlowRun, ClaimResponse } from 'edgeflow/protocol';
import {
  capacity,
  claimRecordExpiry,
  DEFAULT_HEARTBEAT_INTERVAL_S,
  eligibleQueues,
  leaseDeadline,
  orderCandidates,
  planClaims,
  releaseSlot,
  replayableLeases,
} from '../domain/dispatch';
import type { HandedOverRun } from './claim-index';
import type { ClaimTickets } from './claim-tickets';
import type { Clock } from './clock';
import type { ClaimReply } from './dispatch';
import type { ClaimIdentity } from './held-claims';
import type { FlowRunHandle } from './objects';
import type { DueRun, PoolRun, PoolStorage } from './pool-storage';

export interface RunClaimerDeps {
  storage: PoolStorage;
  tickets: ClaimTickets;
  clock: () => Clock;
  runObject: (flowRunId: string) => FlowRunHandle;
  /** New leases bring deadlines the pool's alarm must watch. */
  armAlarm: () => Promise<void>;
  /** Writes the index rows the claimed runs' objects handed over, in one D1 batch (claim-index.ts). */
  indexClaimed: (handed: HandedOverRun[]) => Promise<void>;
}

export class RunClaimer {
  constructor(private readonly deps: RunClaimerDeps) {}

  /** Claims due runs through their run objects, in dispatch order, within the limits. */
  async takeRuns(agent: string, queues: string[] | undefined, limit: number): Promise<ClaimedFlowRun[]> {
    const { storage } = this.deps;
    const config = storage.readConfig();
    if (!config) return [];
    const now = this.deps.clock().now();
    const eligible = eligibleQueues(config, queues);
    if (eligible.size === 0) return [];
    let ordered = orderCandidates(storage.dueCandidates(now), eligible, now);
    const free = capacity(config, storage.activeByQueue());
    const interval = this.intervalOf(agent);
    const claimed: ClaimedFlowRun[] = [];
    while (claimed.length < limit) {
      const picks = planClaims(ordered, free, limit - claimed.length);
      if (picks.length === 0) break;
      ordered = ordered.filter((run) => !picks.includes(run));
      // Several runs at once: their objects hand their index rows over, for one D1 write of them all.
      const handOverIndex = picks.length > 1;
      const replies = await Promise.all(picks.map((run) => this.claimOne(run, agent, handOverIndex)));
      // The leases are recorded together once every run object has answered: one commit of this
      // object for the whole claim, not one per run (each commit waits for the disk).
      const deadline = leaseDeadline(this.deps.clock().now(), interval);
      const handed: HandedOverRun[] = [];
      replies.forEach((reply, i) => {
        const run = picks[i]!;
        if (reply?.kind === 'claimed') {
          storage.recordClaim(run.id, reply.leaseId, agent, interval, deadline);
          claimed.push({ flow_run: reply.run, lease_id: reply.leaseId, work_queue_name: run.queue });
          if (reply.index) handed.push({ runId: run.id, index: reply.index });
          return;
        }
        if (reply?.kind === 'skipped') storage.markSkipped(run.id, run.version);
        releaseSlot(free, run.queue);
      });
      await this.deps.indexClaimed(handed);
    }
    if (claimed.length > 0) await this.deps.armAlarm();
    return claimed;
  }

  /** The answer to a claim; a named claim that leased runs is remembered so that a retry gets them back. */
  answer({ agent, claimId, ticket }: ClaimIdentity, runs: ClaimedFlowRun[]): ClaimResponse {
    const now = this.deps.clock().now();
    const leases = runs.map((claimed) => ({ run_id: claimed.flow_run.id, lease_id: claimed.lease_id }));
    this.deps.tickets.recordAnswer({ agent, claimId, ticket }, leases, now);
    if (claimId && runs.length > 0) {
      const expiry = claimRecordExpiry(now, this.intervalOf(agent));
      this.deps.storage.rememberClaim(agent, claimId, leases, now, expiry);
    }
    return { runs, cancelling: this.deps.storage.cancellingFor(agent) };
  }

  /**
   * A claim seen before: the runs it leased that are still PENDING under its leases (their deadlines
   * renewed, the agent is alive), and never new ones. Null when this claim is not remembered.
   */
  async replay(agent: string, claimId: string): Promise<ClaimedFlowRun[] | null> {
    const { storage } = this.deps;
    const leased = storage.claimedLeases(agent, claimId, this.deps.clock().now());
    if (!leased) return null;
    const current = new Map<string, PoolRun>();
    for (const { run_id } of leased) {
      const run = storage.readRun(run_id);
      if (run) current.set(run_id, run);
    }
    const pending = replayableLeases(leased, current);
    const docs = await Promise.all(
      pending.map(({ run_id }) =>
        this.deps
          .runObject(run_id)
          .read()
          .catch(() => null),
      ),
    );
    const runs = pending.flatMap((lease, i) => {
      const doc = docs[i];
      // The run object is the truth: only a run it still holds PENDING goes back.
      if (doc?.state_type !== 'PENDING') return [];
      const queue = current.get(lease.run_id)!.queue;
      return [{ flow_run: doc, lease_id: lease.lease_id, work_queue_name: queue }];
    });
    const interval = this.intervalOf(agent);
    const ids = runs.map((claimed) => claimed.flow_run.id);
    storage.renewLeases(ids, agent, interval, leaseDeadline(this.deps.clock().now(), interval));
    if (ids.length > 0) await this.deps.armAlarm();
    return runs;
  }

  /** Null when the call failed: the run stays queued and the next claim tries it again. */
  private async claimOne(
    run: DueRun,
    agent: string,
    handOverIndex: boolean,
  ): Promise<(ClaimReply & { leaseId: string }) | null> {
    const leaseId = crypto.randomUUID();
    try {
      return { ...(await this.deps.runObject(run.id).claim(leaseId, agent, { handOverIndex })), leaseId };
    } catch (error) {
      console.error(`claiming flow run ${run.id} failed`, error);
      return null;
    }
  }

  private intervalOf(agent: string): number {
    return this.deps.storage.readWorker(agent)?.interval_s ?? DEFAULT_HEARTBEAT_INTERVAL_S;
  }
}
