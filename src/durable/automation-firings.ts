// The automations evaluator's record of firings and of the actions they still owe, in its SQLite. A
// firing is recorded once (a replayed one has the same key and is ignored); its actions wait as rows
// until their outcome is stored; firings go with the events' retention (docs/events.md, "Retention").
import type { Action, Firing } from '../domain/automations';

export const FIRINGS_SCHEMA = `
CREATE TABLE IF NOT EXISTS firings (key TEXT PRIMARY KEY, automation_id TEXT NOT NULL, doc TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS firings_at ON firings (at);
CREATE TABLE IF NOT EXISTS pending_actions (key TEXT NOT NULL, idx INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (key, idx));
`;

export interface PendingAction {
  automation: { id: string; name: string };
  firing: Firing;
  action: Action;
  /** Its firing's `prefect.automation.triggered|resolved` event (absent on actions recorded before those). */
  state_event_id?: string | null;
}

/** An action owed: its firing's key and its place among the firing's actions. */
export interface OwedAction {
  key: string;
  idx: number;
  pending: PendingAction;
}

export class AutomationFirings {
  constructor(private readonly sql: SqlStorage) {}

  /** Records a firing at `now`; false when its key is there already (a replayed firing). */
  record(key: string, automationId: string, firing: Firing, now: number): boolean {
    return (
      this.sql.exec(
        'INSERT INTO firings (key, automation_id, doc, at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
        key,
        automationId,
        JSON.stringify(firing),
        now,
      ).rowsWritten > 0
    );
  }

  /** The actions firing `key` owes, in the order they run. */
  owe(key: string, actions: PendingAction[]): void {
    for (const [index, pending] of actions.entries())
      this.sql.exec(
        'INSERT INTO pending_actions (key, idx, doc) VALUES (?, ?, ?)',
        key,
        index,
        JSON.stringify(pending),
      );
  }

  /** Every action owed, oldest first. */
  owed(): OwedAction[] {
    return this.sql
      .exec<{ key: string; idx: number; doc: string }>(
        'SELECT key, idx, doc FROM pending_actions ORDER BY rowid',
      )
      .toArray()
      .map((row) => ({ key: row.key, idx: row.idx, pending: JSON.parse(row.doc) as PendingAction }));
  }

  anyOwed(): boolean {
    return this.sql.exec('SELECT 1 FROM pending_actions LIMIT 1').toArray().length > 0;
  }

  /** The action's outcome is stored: it is owed no more. */
  settled(key: string, idx: number): void {
    this.sql.exec('DELETE FROM pending_actions WHERE key = ? AND idx = ?', key, idx);
  }

  /** Firings recorded, newest first (the automation's history). */
  history(automationId: string, limit: number): { key: string; firing: Firing }[] {
    return this.sql
      .exec<{ key: string; doc: string }>(
        'SELECT key, doc FROM firings WHERE automation_id = ? ORDER BY at DESC LIMIT ?',
        automationId,
        limit,
      )
      .toArray()
      .map((row) => ({ key: row.key, firing: JSON.parse(row.doc) as Firing }));
  }

  /**
   * Deletes up to `limit` firings recorded before `cutoff` (epoch ms). A firing is kept to ignore its
   * event if that is read again (a cursor placed afresh reads from an automation's creation); an event
   * past the events' retention is gone from D1, so no firing of it is needed any more.
   */
  prune(cutoff: number, limit: number): void {
    // Read first: most ticks find nothing, and a read is no commit.
    if (this.sql.exec('SELECT 1 FROM firings WHERE at < ? LIMIT 1', cutoff).toArray().length === 0) return;
    this.sql.exec(
      'DELETE FROM firings WHERE key IN (SELECT key FROM firings WHERE at < ? ORDER BY at LIMIT ?)',
      cutoff,
      limit,
    );
  }
}
