// A flow run object's events waiting for D1: appended in the transaction that made them (a state
// change, a report batch's custom events), read in order by the outbox and deleted once D1 has them,
// by the object's next write (docs/events.md): a delete of their own would cost a commit. The row's
// seq keeps the order they were made in; D1 stores each event once by id, so events an object evicted
// before that write delivers again are not duplicated.
import type { RunTables } from './run-tables';

/** Events one index write carries at most; the rest go in the next write, straight after. */
export const EVENTS_PER_DELIVERY = 1_000;
/** And at most this much JSON (at least one event): custom events may be up to 1.5 MB each. */
const BYTES_PER_DELIVERY = 8_000_000;

export interface PendingEvents {
  /** The events' JSON texts, in the order they were made. */
  jsonTexts: string[];
  /** The last one's seq: what `delivered` clears up to. */
  lastSeq: number;
}

export class RunEvents {
  /** undefined: not counted since the object loaded (or since a rollback). */
  private pending: boolean | undefined;
  /** D1 has every event up to this seq (0: none known, as after a load). */
  private deliveredSeq = 0;
  /** The events table holds none up to this seq. */
  private deletedSeq = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: RunTables,
  ) {
    tables.beforeWrite(() => this.deleteDelivered());
  }

  /** Appends events (objects, stringified here) in one statement, whatever their number. */
  append(events: readonly unknown[]): void {
    if (events.length === 0) return;
    this.tables.ensure();
    this.sql.exec(
      'INSERT INTO events (doc) SELECT value FROM json_each(?)',
      `[${events.map((event) => JSON.stringify(event)).join(',')}]`,
    );
    this.pending = true;
  }

  hasPending(): boolean {
    if (this.pending === undefined) {
      this.pending =
        this.tables.present() &&
        this.sql.exec('SELECT 1 FROM events WHERE seq > ? LIMIT 1', this.deliveredSeq).toArray().length > 0;
    }
    return this.pending;
  }

  /** The oldest events not yet delivered, at most `EVENTS_PER_DELIVERY` and `BYTES_PER_DELIVERY`. */
  readPending(): PendingEvents | null {
    if (!this.hasPending()) return null;
    const rows: { seq: number; doc: string }[] = [];
    let bytes = 0;
    const cursor = this.sql.exec<{ seq: number; doc: string }>(
      'SELECT seq, doc FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
      this.deliveredSeq,
      EVENTS_PER_DELIVERY,
    );
    for (const row of cursor) {
      if (rows.length > 0 && bytes + row.doc.length > BYTES_PER_DELIVERY) break;
      rows.push(row);
      bytes += row.doc.length;
    }
    if (rows.length === 0) {
      this.pending = false;
      return null;
    }
    return { jsonTexts: rows.map((row) => row.doc), lastSeq: rows.at(-1)!.seq };
  }

  /** D1 has every event up to `lastSeq`: they go with the next write (events appended meanwhile stay). */
  delivered(lastSeq: number): void {
    this.deliveredSeq = Math.max(this.deliveredSeq, lastSeq);
    this.pending = undefined;
  }

  /** Run first by every write, in its transaction. */
  private deleteDelivered(): void {
    if (this.deliveredSeq <= this.deletedSeq) return;
    this.sql.exec('DELETE FROM events WHERE seq <= ?', this.deliveredSeq);
    this.deletedSeq = this.deliveredSeq;
  }

  /** A transaction rolled back: what was appended in it is gone too, and its deletes are undone. */
  forget(): void {
    this.pending = undefined;
    this.deletedSeq = 0;
  }
}
