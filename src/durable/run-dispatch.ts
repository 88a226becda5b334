// A flow run's side of dispatch: what its work pool object asks of it (claim, give back, crash, mark
// Late). Every change still goes through the rules; see dispatch.ts for the seam.
import type { StateCreate } from 'edgeflow/protocol';
import { isTerminal } from 'edgeflow/protocol';
import { dispatchView, lapseCrashesRun } from '../domain/dispatch';
import { crashRetryProposal, defaultPolicy } from '../domain/orchestration';
import { flowRunSnapshot } from '../domain/runs/flow-run-docs';
import type { ClaimReply, FlowRunDispatchApi } from './dispatch';
import { transitionFlowRun } from './flow-transitions';
import { type RunParts, type RunProposals, systemClock } from './run-proposals';

export class RunDispatch implements FlowRunDispatchApi {
  constructor(
    private readonly run: RunParts,
    private readonly proposals: RunProposals,
  ) {}

  /**
   * `handOverIndex`: the pool writes this run's index rows with the other runs of its claim, in one D1
   * batch, and the answer carries them (when the object has only the run's own rows behind).
   */
  async claim(leaseId: string, agentName: string, { handOverIndex = false } = {}): Promise<ClaimReply> {
    const storage = this.run.storage();
    const answer = await this.proposals.propose(
      { type: 'PENDING', name: 'Pending', message: `Claimed by ${agentName}` },
      { onAccept: () => storage.setLease(leaseId) },
    );
    if (!answer) return { kind: 'skipped', reason: 'The flow run no longer exists.' };
    if (answer.result.status !== 'ACCEPT') {
      await this.proposals.settle(answer.written);
      const reason = 'reason' in answer.result.details ? answer.result.details.reason : null;
      return { kind: 'skipped', reason: reason ?? `The run is ${answer.result.state?.type ?? 'gone'}.` };
    }
    // The pool records the claim itself (PENDING, this lease), so it need not hear it back now; the
    // index must have it before the answer: the claimer may filter next (docs/orchestration.md).
    const claimed = storage.readRun()!;
    this.run.outbox.poolRecorded(dispatchView(claimed.doc, claimed.version, claimed.leaseId));
    const index = handOverIndex ? this.run.outbox.handOverIndex() : null;
    await this.proposals.publish([], { index: !index });
    return index
      ? { kind: 'claimed', run: storage.readRun()!.doc, index }
      : { kind: 'claimed', run: storage.readRun()!.doc };
  }

  async unclaim(leaseId: string, reason: string): Promise<void> {
    const storage = this.run.storage();
    const claimed = () => {
      const stored = storage.readRun();
      return stored?.leaseId === leaseId && stored.doc.state_type === 'PENDING';
    };
    if (!claimed()) return;
    await this.proposals.proposeAndPublish(
      {
        type: 'SCHEDULED',
        name: 'Scheduled',
        message: reason,
        state_details: { scheduled_time: new Date().toISOString() },
      },
      { onAccept: () => storage.setLease(null), stillWanted: claimed },
    );
  }

  /** CRASHED, and with retries left straight back to SCHEDULED, in one transaction. */
  async crash(leaseId: string, reason: string): Promise<void> {
    const storage = this.run.storage();
    const stored = storage.readRun();
    if (!stored) return;
    // Nothing to crash (the run ended, or moved on to another lease): its end may still be undelivered
    // (the server died between its commit and the index write), and the pool is waiting to hear it.
    if (
      stored.leaseId !== leaseId ||
      isTerminal(stored.doc.state_type) ||
      !lapseCrashesRun(stored.doc.state, stored.doc.empirical_policy.retry_type)
    ) {
      await this.run.outbox.flush([]);
      return;
    }
    const clock = systemClock();
    const before = stored.doc.state;
    const propose = (proposed: StateCreate) =>
      transitionFlowRun(storage, { proposed, force: false, policy: defaultPolicy(false), clock });
    const crashed = storage.atomically(() => {
      const answer = propose({ type: 'CRASHED', name: 'Crashed', message: reason });
      if (answer?.result.state?.type !== 'CRASHED') return false;
      storage.setLease(null);
      const retry = crashRetryProposal(flowRunSnapshot(storage.readRun()!.doc), reason, clock.now);
      if (retry) propose(retry);
      return true;
    });
    await this.run.concurrency().settle(stored.doc.id, null, before, storage.readRun()?.doc.state ?? null);
    // Its tasks died with it: their tag slots go back, even when the run itself goes round again.
    if (crashed) await this.run.tagSlots().releaseAll();
    await this.proposals.publish();
  }

  async markLate(): Promise<void> {
    const stored = this.run.storage().readRun();
    if (stored?.doc.state_type !== 'SCHEDULED') return;
    const scheduled_time =
      stored.doc.state?.state_details.scheduled_time ?? stored.doc.next_scheduled_start_time;
    await this.proposals.proposeAndPublish(
      { type: 'SCHEDULED', name: 'Late', state_details: { scheduled_time } },
      { policy: 'mark_late' },
    );
  }
}
