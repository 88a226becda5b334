// A flow run object's events waiting for D1: appended in the transaction that made them (a state
// change, a report batch's custom events), read in order by the outbox and deleted once D1 has them
// (docs/events.md). The row's seq keeps the order they were made in.
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

  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: RunTables,
  ) {}

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
        this.tables.present() && this.sql.exec('SELECT 1 FROM events LIMIT 1').toArray().length > 0;
    }
    return this.pending;
  }

  /** The oldest events not yet delivered, at most `EVENTS_PER_DELIVERY` and `BYTES_PER_DELIVERY`. */
  readPending(): PendingEvents | null {
    if (!this.hasPending()) return null;
    const rows: { seq: number; doc: string }[] = [];
    let bytes = 0;
    const cursor = this.sql.exec<{ seq: number; doc: string }>(
      'SELECT seq, doc FROM events ORDER BY seq LIMIT ?',
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

  /** D1 has every event up to `lastSeq`: they go (events appended meanwhile stay). */
  delivered(lastSeq: number): void {
    this.sql.exec('DELETE FROM events WHERE seq <= ?', lastSeq);
    this.pending = undefined;
  }

  /** A transaction rolled back: what was appended in it is gone too. */
  forget(): void {
    this.pending = undefined;
  }
}
