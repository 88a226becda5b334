// Deleting a flow run object's run: by id (Prefect's DELETE, any state), by retention (final runs
// only, docs/retention.md), or a deployment withdrawing a run it scheduled that has not started.
import type { State } from 'edgeflow/protocol';
import { deleteRunIndex } from '../db/run-index';
import { isUnstartedAutoScheduled } from '../domain/deployments';
import { isFinalRun, ownedResultKeys } from '../domain/retention';
import type { Env } from '../env';
import type { RunParts } from './run-proposals';

export type ResultKeysReply = { kind: 'keys'; keys: string[] } | { kind: 'not_final' } | { kind: 'absent' };

export class RunRemoval {
  constructor(
    private readonly env: Env,
    private readonly run: RunParts,
    private readonly sql: SqlStorage,
    /** Empties the object: storage, alarm and what it keeps in memory. */
    private readonly wipe: () => Promise<void>,
  ) {}

  /** Deletes the run, its history and task runs, here and in the index. */
  async remove(): Promise<boolean> {
    const stored = this.run.storage().readRun();
    if (!stored) return false;
    await this.run.concurrency().settle(stored.doc.id, null, stored.doc.state, null);
    await this.run.tagSlots().releaseAll();
    // What the object has not delivered lands first: its events outlive the run (docs/events.md), and
    // an index write still in flight must not bring the run's row back after the delete below.
    await this.run.outbox.backgroundDone();
    await this.run.outbox.flush([]);
    await deleteRunIndex(this.env.DB, stored.doc.id);
    await this.wipe();
    return true;
  }

  /**
   * The R2 results this run wrote (docs/retention.md); refused while the run is not final, unless
   * `anyState` (a run deleted by id, as Prefect deletes it, whatever its state).
   */
  resultKeys(anyState: boolean): ResultKeysReply {
    const doc = this.run.storage().readRun()?.doc;
    if (!doc) return { kind: 'absent' };
    if (!anyState && !isFinalRun(doc.state_type)) return { kind: 'not_final' };
    const rows = this.sql.exec<{ doc: string }>('SELECT doc FROM states').toArray();
    return { kind: 'keys', keys: ownedResultKeys(rows.map((row) => JSON.parse(row.doc) as State)) };
  }

  /**
   * Retention's delete-everything: empties the object (storage and alarm) once its index writes have
   * landed, so none lands after the caller deletes the index rows. Refused unless the run is final.
   */
  async purge(): Promise<'purged' | 'not_final' | 'absent'> {
    const stored = this.run.storage().readRun();
    if (stored && !isFinalRun(stored.doc.state_type)) return 'not_final';
    if (stored) {
      await this.run.outbox.caughtUp();
      await this.run.tagSlots().releaseAll();
    }
    await this.wipe();
    return stored ? 'purged' : 'absent';
  }

  /**
   * Deletes the run only if its deployment's schedules made it and it has not started: how a
   * deployment withdraws its runs. Storage goes first, so no claim slips in between. The withdrawal
   * deletes the index rows of `removed` and `absent` runs afterwards, all in one D1 batch.
   */
  async removeUnstarted(): Promise<'removed' | 'kept' | 'absent'> {
    const doc = this.run.storage().readRun()?.doc;
    if (!doc) return 'absent';
    if (!isUnstartedAutoScheduled(doc)) return 'kept';
    await this.wipe();
    return 'removed';
  }
}
