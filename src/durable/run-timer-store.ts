// The timers one flow run object's alarm multiplexes (retrying the index write, a pause's timeout, a
// cancellation's), in its SQLite and cached in memory: the alarm asks for the next one on every write.
import type { RunTables } from './run-tables';

/** The timers one alarm multiplexes. */
export type TimerKind = 'index_retry' | 'pause_timeout' | 'cancelling_timeout';

export class RunTimerStore {
  /** undefined: not loaded since the object woke (or since a rollback). */
  private cache: Map<TimerKind, number> | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: RunTables,
  ) {}

  /** Drops the in-memory copy: a rolled-back transaction may have changed the table under it. */
  forget(): void {
    this.cache = undefined;
  }

  private timers(): Map<TimerKind, number> {
    if (this.cache === undefined) {
      if (!this.tables.present()) return new Map();
      const rows = this.sql.exec<{ kind: TimerKind; due_at: number }>('SELECT kind, due_at FROM timers');
      this.cache = new Map(rows.toArray().map((row) => [row.kind, row.due_at]));
    }
    return this.cache;
  }

  set(kind: TimerKind, dueAt: number): void {
    this.tables.ensure();
    this.sql.exec(
      'INSERT INTO timers (kind, due_at) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET due_at = excluded.due_at',
      kind,
      dueAt,
    );
    this.timers().set(kind, dueAt);
  }

  clear(kind: TimerKind): void {
    if (!this.timers().has(kind)) return;
    this.sql.exec('DELETE FROM timers WHERE kind = ?', kind);
    this.timers().delete(kind);
  }

  /** Removes and returns the timers due by `now`; `next` is the earliest one left. */
  takeDue(now: number): { due: TimerKind[]; next: number | null } {
    const due = [...this.timers()].filter(([, at]) => at <= now).map(([kind]) => kind);
    for (const kind of due) this.clear(kind);
    return { due, next: this.next() };
  }

  next(): number | null {
    const times = [...this.timers().values()];
    return times.length > 0 ? Math.min(...times) : null;
  }
}
