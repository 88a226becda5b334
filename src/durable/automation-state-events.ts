// The automations evaluator's waiting `prefect.automation.triggered|resolved` events (docs/automations.md):
// kept in the object's SQLite with their firing, written to D1 in the batch of the next action outcome,
// so they add no D1 write to the path from an event to its action.
import { insertEvents } from '../db/events';
import type { NewEvent } from '../domain/events';

export class StateEventOutbox {
  constructor(
    private readonly sql: SqlStorage,
    private readonly db: D1Database,
  ) {
    sql.exec('CREATE TABLE IF NOT EXISTS pending_events (id TEXT PRIMARY KEY, doc TEXT NOT NULL)');
  }

  /** Inside the firing's transaction. */
  add(events: readonly NewEvent[]) {
    for (const event of events)
      this.sql.exec('INSERT INTO pending_events (id, doc) VALUES (?, ?)', event.id, JSON.stringify(event));
  }

  /**
   * Writes `events` (an outcome, or none) after the waiting state events, in one D1 batch. Should that
   * fail, `events` are tried alone: a state event never holds an outcome up. False when `events` were
   * not written.
   */
  async write(events: readonly NewEvent[], received: Date): Promise<boolean> {
    const waiting = this.sql
      .exec<{ id: string; doc: string }>('SELECT id, doc FROM pending_events ORDER BY rowid LIMIT 100')
      .toArray();
    if (waiting.length > 0) {
      try {
        await insertEvents(
          this.db,
          [...waiting.map((row) => JSON.parse(row.doc) as NewEvent), ...events],
          received,
        );
        for (const row of waiting) this.sql.exec('DELETE FROM pending_events WHERE id = ?', row.id);
        return true;
      } catch {
        // Below: the outcome alone.
      }
    }
    if (events.length === 0) return waiting.length === 0;
    try {
      await insertEvents(this.db, events, received);
      return true;
    } catch {
      return false;
    }
  }

  get waiting(): boolean {
    return this.sql.exec('SELECT 1 FROM pending_events LIMIT 1').toArray().length > 0;
  }
}
