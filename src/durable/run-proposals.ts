// Proposing a new state for a flow run from inside its object: the run's concurrency limits are asked
// first (their slots live in other objects), the rules decide in one SQLite transaction, slots not
// kept go back, and the index, the pool and the alarm catch up.
import { isTerminal, type StateCreate, timeOrderedId } from 'edgeflow/protocol';
import type { CacheRecord } from '../db/run-index';
import { defaultPolicy, type FlowPolicyName } from '../domain/orchestration';
import type { OrchestrationClock } from '../domain/orchestration/types';
import { type FlowTransitionAnswer, transitionFlowRun } from './flow-transitions';
import type { RunConcurrency } from './run-concurrency';
import type { RunOutbox } from './run-outbox';
import type { RunStorage } from './run-storage';
import type { TaskTagSlots } from './task-tag-slots';

export interface ProposeOptions {
  force?: boolean;
  /** Defaults to `defaultPolicy(force)`. */
  policy?: FlowPolicyName;
  /** Runs inside the transaction when the proposal is accepted. */
  onAccept?: () => void;
  /** Checked in the transaction, after any wait: false leaves the run as it is (answer null). */
  stillWanted?: () => boolean;
}

export interface RunParts {
  storage(): RunStorage;
  concurrency(): RunConcurrency;
  tagSlots(): TaskTagSlots;
  outbox: RunOutbox;
  armAlarm(): Promise<void>;
  /** A state was written: held reads of the run's state look again. */
  stateWritten?(): void;
}

export function systemClock(): OrchestrationClock {
  return { now: new Date(), newStateId: () => timeOrderedId(), random: Math.random };
}

export class RunProposals {
  constructor(private readonly run: RunParts) {}

  /** One proposal through the rules; null when the run does not exist (or is no longer wanted). */
  async propose(proposed: StateCreate, options: ProposeOptions = {}): Promise<FlowTransitionAnswer | null> {
    const { force = false, onAccept, stillWanted } = options;
    const storage = this.run.storage();
    const stored = storage.readRun();
    if (!stored) return null;
    const policy = options.policy ?? defaultPolicy(force);
    const prepared = await this.run.concurrency().prepare(stored.doc, proposed, policy);
    const clock = systemClock();
    const { before, answer } = storage.atomically(() => {
      const before = storage.readRun()?.doc.state ?? null;
      if (stillWanted && !stillWanted()) return { before, answer: null };
      const answer = transitionFlowRun(storage, {
        proposed,
        force,
        policy,
        clock,
        concurrency: prepared?.inputs,
      });
      if (answer?.result.status === 'ACCEPT') onAccept?.();
      return { before, answer };
    });
    const after = storage.readRun()?.doc.state ?? null;
    await this.run.concurrency().settle(stored.doc.id, prepared, before, after);
    // A flow run that ended (crashed and cancelled too) gives back its tasks' tag slots.
    if (after && isTerminal(after.type) && before?.type !== after.type)
      await this.run.tagSlots().releaseAll();
    return answer;
  }

  /**
   * After a written transition: the index and the pool hear of it (with `cacheRecords`, a batch's that
   * came with the proposal), and the alarm follows its timers. `index: false` leaves the index rows to
   * a caller that took them (`RunOutbox.handOverIndex`).
   */
  async publish(cacheRecords: CacheRecord[] = [], { index = true }: { index?: boolean } = {}): Promise<void> {
    await this.run.outbox.flush(cacheRecords, 'when_it_matters', { index });
    await this.run.armAlarm();
    this.run.stateWritten?.();
  }

  /**
   * After a proposal: `publish` a written state; otherwise deliver whatever the outbox still holds (a
   * no-op when it is caught up). A proposal that writes nothing may repeat one whose state committed
   * just before the server died, before its delivery: the retried request finds it done (its
   * transition id, or the rules) and must still bring the index and the pool up to it.
   */
  async settle(written: boolean, cacheRecords: CacheRecord[] = []): Promise<void> {
    if (written) await this.publish(cacheRecords);
    else await this.run.outbox.flush(cacheRecords);
  }

  /** `propose`, then `settle`. */
  async proposeAndPublish(proposed: StateCreate, options: ProposeOptions = {}) {
    const answer = await this.propose(proposed, options);
    if (answer) await this.settle(answer.written);
    return answer;
  }
}
