// A flow run object's events waiting for D1: appended in the transaction that made them (a state
// change, a report batch's custom events), read in order by the outbox and deleted once D1 has them,
// by the object's next write (docs/events.md): a delete of their own would cost a commit. The row's
// seq keeps the order they were made in; D1 stores each event once by id, so events an object evicted
// before that write delivers again are not duplicated. A task batch's state events are one row, a
// record the events are built from at delivery with the batch's `states` rows (task-run-state-records.ts).
import type { FlowRun, State } from 'edgeflow/protocol';
import {
  type TaskRunStatesRecord,
  type TaskRunStatesRecorder,
  taskRunStateEventTexts,
  type WrittenStateRow,
} from '../domain/events';
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

/** A task batch's record of state events is stored as a JSON array; every other row is one event, an object. */
const isTaskRunStatesRecord = (doc: string) => doc.startsWith('[');

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

  /**
   * Appends a task batch's state events as one record row, right after the batch appended its
   * `states` rows (in the same transaction): its last `count` states are the record's. Nothing is lost
   * if the process dies before delivery: the record commits with the states, and stays until D1 has
   * its events, like any event row; built again, its events are the same, with the same ids.
   */
  appendTaskRunStates(recorder: TaskRunStatesRecorder, flowRun: FlowRun): void {
    if (recorder.count === 0) return;
    this.tables.ensure();
    const lastSeq = this.sql
      .exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'states'")
      .one().seq;
    // Wrapped in an array, which is how delivery tells it from an event (`isTaskRunStatesRecord`).
    const doc = JSON.stringify([recorder.record(flowRun, lastSeq - recorder.count + 1)]);
    this.sql.exec('INSERT INTO events (doc) VALUES (?)', doc);
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
    const jsonTexts: string[] = [];
    let lastSeq = 0;
    let bytes = 0;
    const cursor = this.sql.exec<{ seq: number; doc: string }>(
      'SELECT seq, doc FROM events WHERE seq > ? ORDER BY seq LIMIT ?',
      this.deliveredSeq,
      EVENTS_PER_DELIVERY,
    );
    for (const row of cursor) {
      const texts = isTaskRunStatesRecord(row.doc) ? this.taskRunStateEvents(row.doc) : [row.doc];
      let size = 0;
      for (const text of texts) size += text.length;
      const full = jsonTexts.length + texts.length > EVENTS_PER_DELIVERY || bytes + size > BYTES_PER_DELIVERY;
      if (lastSeq > 0 && full) break;
      jsonTexts.push(...texts);
      lastSeq = row.seq;
      bytes += size;
    }
    if (lastSeq === 0) {
      this.pending = false;
      return null;
    }
    return { jsonTexts, lastSeq };
  }

  /**
   * The newest event not known delivered: its id, and its row's seq. D1 holding it means D1 holds
   * every event before it too, since deliveries go in seq order, each in one D1 batch.
   */
  newestPending(): { id: string; seq: number } | null {
    if (!this.hasPending()) return null;
    const row = this.sql
      .exec<{ seq: number; doc: string }>(
        'SELECT seq, doc FROM events WHERE seq > ? ORDER BY seq DESC LIMIT 1',
        this.deliveredSeq,
      )
      .toArray()[0];
    if (!row) return null;
    if (!isTaskRunStatesRecord(row.doc))
      return { id: (JSON.parse(row.doc) as { id: string }).id, seq: row.seq };
    // A record's newest event is its last state's (each event's id is its state's).
    const [record] = JSON.parse(row.doc) as [TaskRunStatesRecord];
    const state = this.sql
      .exec<{ doc: string }>(
        'SELECT doc FROM states WHERE seq = ?',
        record.first_state_seq + record.states.length - 1,
      )
      .toArray()[0];
    return state ? { id: (JSON.parse(state.doc) as State).id, seq: row.seq } : null;
  }

  /**
   * A record's events as JSON texts, built from its `states` rows. A record its rows do not match
   * (which the batch that wrote both cannot leave) is logged and skipped: its events are lost, but the
   * run's index and every other event still go, where a throw would stop all delivery for the run.
   */
  private taskRunStateEvents(doc: string): string[] {
    try {
      return this.buildTaskRunStateEvents(doc);
    } catch (error) {
      console.error('a task-run state record could not be built into events; skipped', error);
      return [];
    }
  }

  private buildTaskRunStateEvents(doc: string): string[] {
    const [record] = JSON.parse(doc) as [TaskRunStatesRecord];
    // Parsed here, not by SQLite's JSON functions: a state stored before the edge limited depth may
    // hold data nested deeper than SQLite parses.
    const rows: WrittenStateRow[] = [];
    const cursor = this.sql.exec<{ task_run_id: string; doc: string }>(
      'SELECT task_run_id, doc FROM states WHERE seq >= ? ORDER BY seq LIMIT ?',
      record.first_state_seq,
      record.states.length,
    );
    for (const row of cursor) {
      const state = JSON.parse(row.doc) as State;
      rows.push({
        task_run_id: row.task_run_id,
        id: state.id,
        type: state.type,
        name: state.name,
        message: state.message,
        timestamp: state.timestamp,
      });
    }
    return taskRunStateEventTexts(record, rows);
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
