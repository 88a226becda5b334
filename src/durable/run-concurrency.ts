// The flow run object's side of concurrency limits: the limits copied onto the run when it was created,
// asking their objects for slots before a proposal the rules will judge, giving slots back after.
import type { FlowRun, State, StateCreate } from 'edgeflow/protocol';
import {
  type DeploymentConcurrencyInputs,
  type FlowPolicyName,
  holdsSlots,
  keepsAcquiredSlot,
  NO_CONCURRENCY_INPUTS,
  type RunConcurrencyLimit,
  releasesSlots,
  type SlotOutcome,
  slotQuestion,
} from '../domain/orchestration';
import type { Env } from '../env';
import { concurrencyLimitObject } from './objects';
import type { RunStorage } from './run-storage';

/** What was asked of the limits for one proposal: the rules' inputs, and the slots taken for it. */
export interface PreparedSlots {
  inputs: DeploymentConcurrencyInputs;
  acquired: { lease_id: string; limits: RunConcurrencyLimit[] } | null;
}

export class RunConcurrency {
  constructor(
    /** The object's storage (replaced when the run is deleted); it keeps the run's limits. */
    private readonly storage: () => RunStorage,
    private readonly env: Env,
  ) {}

  write(limits: readonly RunConcurrencyLimit[]): void {
    this.storage().writeConcurrencyLimits(limits);
  }

  read(): RunConcurrencyLimit[] {
    return this.storage().readConcurrencyLimits();
  }

  /** Whether the run holds the slots of `leaseId`: what a limit asks when the lease has lapsed. */
  holds(run: FlowRun | null, leaseId: string): boolean {
    if (!run) return false;
    const lease = run.state?.state_details.deployment_concurrency_lease_id ?? null;
    return holdsSlots({ state_type: run.state_type, lease }, leaseId);
  }

  /** Null for a run without limits: the plain policy applies. */
  async prepare(run: FlowRun, proposed: StateCreate, policy: FlowPolicyName): Promise<PreparedSlots | null> {
    const limits = this.read();
    if (limits.length === 0) return null;
    const lease = run.state?.state_details.deployment_concurrency_lease_id ?? null;
    const question = slotQuestion({ state_type: run.state_type, lease }, proposed.type, policy);
    switch (question.kind) {
      case 'acquire':
        return this.acquire(run.id, limits);
      case 'verify': {
        const held = await this.askAll(run.id, question.lease, limits);
        return {
          inputs: { ...NO_CONCURRENCY_INPUTS, held: held.every((o) => o.kind === 'granted') },
          acquired: null,
        };
      }
      case 'cancel_new_full': {
        const cancelNew = limits.filter((limit) => limit.collision_strategy === 'CANCEL_NEW');
        const full = await Promise.all(
          cancelNew.map((l) => concurrencyLimitObject(this.env, l.key).isFull(l.limit)),
        );
        return { inputs: { ...NO_CONCURRENCY_INPUTS, full_cancel_new: full.some(Boolean) }, acquired: null };
      }
      case 'none':
        break;
      default:
        return question satisfies never;
    }
    return { inputs: NO_CONCURRENCY_INPUTS, acquired: null };
  }

  /** Gives back a slot the transition did not keep, and every slot of a run that stopped holding them. */
  async settle(
    runId: string,
    prepared: PreparedSlots | null,
    before: State | null,
    after: State | null,
  ): Promise<void> {
    const releases: { lease: string; limits: RunConcurrencyLimit[] }[] = [];
    if (prepared?.acquired && !keepsAcquiredSlot(prepared.acquired.lease_id, after)) {
      releases.push({ lease: prepared.acquired.lease_id, limits: prepared.acquired.limits });
    }
    const held = before?.state_details.deployment_concurrency_lease_id;
    if (held && releasesSlots(before.type, after?.type ?? null))
      releases.push({ lease: held, limits: this.read() });
    await Promise.all(
      releases.flatMap(({ lease, limits }) =>
        limits.map((limit) =>
          concurrencyLimitObject(this.env, limit.key)
            .release(runId, lease)
            // A lost release is found out by the limit when the lease lapses: it asks the run.
            .catch((error) => console.error('concurrency slot release failed', error)),
        ),
      ),
    );
  }

  private async acquire(runId: string, limits: RunConcurrencyLimit[]): Promise<PreparedSlots> {
    const lease_id = crypto.randomUUID();
    // A limit of 0 is decided by the rules alone (ABORT): nothing to ask.
    if (limits.some((limit) => limit.limit === 0)) {
      const outcomes = limits.map((limit): SlotOutcome => ({ limit, kind: 'denied' }));
      return { inputs: { ...NO_CONCURRENCY_INPUTS, slots: { lease_id, outcomes } }, acquired: null };
    }
    const outcomes = await this.askAll(runId, lease_id, limits);
    const granted = outcomes.filter((o) => o.kind === 'granted').map((o) => o.limit);
    return {
      inputs: { ...NO_CONCURRENCY_INPUTS, slots: { lease_id, outcomes } },
      acquired: granted.length > 0 ? { lease_id, limits: granted } : null,
    };
  }

  /** Asks each limit in turn, stopping at the first that says no: no slot is taken that cannot be used. */
  private async askAll(
    runId: string,
    leaseId: string,
    limits: RunConcurrencyLimit[],
  ): Promise<SlotOutcome[]> {
    const outcomes: SlotOutcome[] = [];
    for (const limit of limits) {
      const granted = await concurrencyLimitObject(this.env, limit.key).acquire({
        holder: runId,
        lease_id: leaseId,
        limit: limit.limit,
        lease_seconds: limit.lease_seconds,
      });
      outcomes.push({ limit, kind: granted ? 'granted' : 'denied' });
      if (!granted) break;
    }
    return outcomes;
  }
}
