// A flow run object's outbox rows: what the D1 index and the run's pool have yet to hear of. A delivery
// is recorded in memory at once and its rows are deleted by the object's next write, inside that
// write's commit: deleting them on their own cost every write a second commit, an fsync on workerd's
// one thread (docs/performance.md). An object evicted or restarted before its next write delivers
// again; those deliveries are idempotent (versioned upserts, events by id), so that costs a round trip
// and changes nothing. Whatever was not delivered is never dropped: rows go only once delivered.
import type { RunTables } from './run-tables';

/**
 * `flow_run`, `task_run`: the D1 index is behind the object. `pool_sync`: the run's work pool is.
 * `parent_task`: a subflow run's parent task run has yet to hear its latest state. `children`: the
 * run's subflow runs have yet to follow its end (id: the ParentEnd they follow).
 */
export type OutboxKind = 'flow_run' | 'task_run' | 'pool_sync' | 'parent_task' | 'children';

export interface OutboxEntry {
  kind: OutboxKind;
  id: string;
  /** The run's version (the task run's, for `task_run`) the delivery carried. */
  version: number;
}

/**
 * Kinds whose delivered rows wait for the next write. A parent task's state is appended, not upserted
 * (a second delivery would add a state), so it is deleted at once, as `children` entries are.
 */
const DEFERRED: ReadonlySet<OutboxKind> = new Set(['flow_run', 'task_run', 'pool_sync']);

const key = (kind: OutboxKind, id: string) => `${kind} ${id}`;

export class RunOutboxRows {
  /** Kinds with an undelivered entry; undefined: not counted since load, a rollback or a delivery. */
  private dirtyKinds: Set<OutboxKind> | undefined;
  /** Delivered entries whose rows are still there, by kind and id. */
  private delivered = new Map<string, OutboxEntry>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: RunTables,
    /** The run's current version (null: no run). */
    private readonly runVersion: () => number | null,
  ) {
    tables.beforeWrite(() => this.deleteDelivered());
  }

  mark(kind: OutboxKind, id: string): void {
    this.tables.ensure();
    this.sql.exec('INSERT OR IGNORE INTO outbox (kind, id) VALUES (?, ?)', kind, id);
    this.delivered.delete(key(kind, id));
    this.dirtyKinds?.add(kind);
  }

  /** Marks task runs just written (their versions bumped, so no earlier delivery covers them). */
  markTaskRuns(ids: string[]): void {
    if (ids.length === 0) return;
    this.tables.ensure();
    this.sql.exec(
      `INSERT OR IGNORE INTO outbox (kind, id) SELECT 'task_run', value FROM json_each(?)`,
      JSON.stringify(ids),
    );
    for (const id of ids) this.delivered.delete(key('task_run', id));
    this.dirtyKinds?.add('task_run');
  }

  isDirty(kind: OutboxKind): boolean {
    if (this.dirtyKinds === undefined) {
      if (!this.tables.present()) return false;
      const rows = this.sql
        .exec<{ kind: OutboxKind; id: string; task_version: number | null }>(
          `SELECT o.kind, o.id, t.version AS task_version FROM outbox o
           LEFT JOIN task_runs t ON o.kind = 'task_run' AND t.id = o.id`,
        )
        .toArray();
      const runVersion = this.runVersion();
      this.dirtyKinds = new Set(
        rows
          .filter((row) => {
            const version = row.kind === 'task_run' ? row.task_version : runVersion;
            return this.delivered.get(key(row.kind, row.id))?.version !== version;
          })
          .map((row) => row.kind),
      );
    }
    return this.dirtyKinds.has(kind);
  }

  /** The ids of one kind's entries (for kinds whose id is not a run's). */
  readIds(kind: OutboxKind): string[] {
    if (!this.tables.present()) return [];
    const rows = this.sql.exec<{ id: string }>('SELECT id FROM outbox WHERE kind = ? ORDER BY id', kind);
    return rows.toArray().map((row) => row.id);
  }

  /** Task runs the index is behind on, their JSON unparsed (one query); delivered ones left out. */
  readTaskRuns(): { id: string; version: number; json: string }[] {
    if (!this.tables.present()) return [];
    return this.sql
      .exec<{ id: string; version: number; json: string }>(
        `SELECT t.id, t.version, t.doc AS json FROM outbox o JOIN task_runs t ON t.id = o.id WHERE o.kind = 'task_run'`,
      )
      .toArray()
      .filter((task) => this.delivered.get(key('task_run', task.id))?.version !== task.version);
  }

  /** Drops one entry now, whatever the run's version (it was delivered as recorded). */
  deleteNow(kind: OutboxKind, id: string): void {
    if (!this.tables.present()) return;
    this.sql.exec('DELETE FROM outbox WHERE kind = ? AND id = ?', kind, id);
    this.delivered.delete(key(kind, id));
    this.dirtyKinds = undefined;
  }

  /**
   * These entries were delivered at these versions: they count as clean unless they change again, and
   * their rows go with the next write (a kind not deferred goes now, if its version is still current).
   */
  recordDelivery(entries: OutboxEntry[]): void {
    if (!this.tables.present()) return;
    for (const entry of entries) {
      if (DEFERRED.has(entry.kind)) this.delivered.set(key(entry.kind, entry.id), entry);
      else if (this.runVersion() === entry.version) this.deleteNow(entry.kind, entry.id);
    }
    this.dirtyKinds = undefined;
  }

  /**
   * Run first by every write, in its transaction: deletes the rows of delivered entries that have not
   * changed since (a changed one is marked again by the write that changed it).
   */
  private deleteDelivered(): void {
    if (this.delivered.size === 0) return;
    const entries = [...this.delivered.values()];
    this.delivered.clear();
    const tasks = entries.filter((entry) => entry.kind === 'task_run');
    if (tasks.length > 0) {
      this.sql.exec(
        `DELETE FROM outbox WHERE kind = 'task_run' AND id IN (
           SELECT t.id FROM json_each(?) j JOIN task_runs t
             ON t.id = json_extract(j.value, '$[0]') AND t.version = json_extract(j.value, '$[1]'))`,
        JSON.stringify(tasks.map((entry) => [entry.id, entry.version])),
      );
    }
    const runVersion = this.runVersion();
    for (const entry of entries) {
      // flow_run and pool_sync entries follow the run's own version.
      if (entry.kind !== 'task_run' && entry.version === runVersion)
        this.sql.exec('DELETE FROM outbox WHERE kind = ? AND id = ?', entry.kind, entry.id);
    }
  }

  /**
   * A transaction rolled back (its deletes too): count again. Deliveries it forgot are made again,
   * which changes nothing.
   */
  forget(): void {
    this.dirtyKinds = undefined;
    this.delivered.clear();
  }
}
