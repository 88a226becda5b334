// The flow run object's SQLite tables, and typed reads and writes over them. Synchronous by design:
// the object loads, decides and saves inside one `atomically` block, so no transition interleaves.
//
// The run's row and which outbox kinds are dirty are also kept in memory (the timers too, in
// run-timer-store.ts): one request used to re-read and re-parse the run a dozen times. This class is
// the only writer of those tables, so the copies stay exact; a block that throws rolls SQLite back
// and drops them.
import type { FlowRun, State, TaskRun } from 'edgeflow/protocol';
import type { RunConcurrencyLimit } from '../domain/orchestration';
import { RunEvents } from './run-events';
import { RunInputs } from './run-inputs';
import { type OutboxEntry, type OutboxKind, RunOutboxRows } from './run-outbox-rows';
import { RunTables } from './run-tables';
import { RunTimerStore } from './run-timer-store';
import { insertRows } from './sql-rows';

export type { OutboxEntry, OutboxKind } from './run-outbox-rows';

export interface StoredTaskRun {
  doc: TaskRun;
  version: number;
}

export interface StoredRun {
  /** Shared with the cache: treat as read-only (the domain code builds new documents). */
  readonly doc: FlowRun;
  readonly version: number;
  readonly leaseId: string | null;
}

export class RunStorage {
  private readonly sql: SqlStorage;
  /** undefined: not loaded yet. */
  private run: StoredRun | null | undefined;
  private readonly tables: RunTables;
  private readonly outbox: RunOutboxRows;
  /** Events waiting for D1, appended in the same transactions as the changes that made them. */
  readonly events: RunEvents;
  /** The alarm's timers, written in the same transactions as the states that set them. */
  readonly timers: RunTimerStore;
  /** The run's inputs (docs/sdk.md, "Pause, suspend and input"). */
  readonly inputs: RunInputs;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.tables = new RunTables(this.sql);
    this.outbox = new RunOutboxRows(this.sql, this.tables, () => this.readRun()?.version ?? null);
    this.events = new RunEvents(this.sql, this.tables);
    this.timers = new RunTimerStore(this.sql, this.tables);
    this.inputs = new RunInputs(this.sql, this.tables);
  }

  /** Runs `block` in one SQLite transaction; if it throws, the rollback also drops the in-memory copies. */
  atomically<T>(block: () => T): T {
    try {
      return this.storage.transactionSync(block);
    } catch (error) {
      this.forget();
      throw error;
    }
  }

  private forget(): void {
    this.run = undefined;
    this.outbox.forget();
    this.timers.forget();
    this.tables.forget();
    this.events.forget();
  }

  readRun(): StoredRun | null {
    if (this.run === undefined) {
      if (!this.tables.present()) return null;
      const row = this.sql
        .exec<{ doc: string; version: number; lease_id: string | null }>(
          'SELECT doc, version, lease_id FROM run',
        )
        .toArray()[0];
      this.run = row
        ? { doc: JSON.parse(row.doc) as FlowRun, version: row.version, leaseId: row.lease_id }
        : null;
    }
    return this.run;
  }

  /** Writes the run and bumps its version; returns the new version. */
  writeRun(doc: FlowRun, previousVersion: number): number {
    this.tables.ensure();
    const version = previousVersion + 1;
    this.sql.exec(
      `INSERT INTO run (id, doc, version) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version`,
      doc.id,
      JSON.stringify(doc),
      version,
    );
    this.run = { doc, version, leaseId: this.run ? this.run.leaseId : this.readLeaseId() };
    this.markDirty('flow_run', doc.id);
    if (doc.work_pool_name) this.markDirty('pool_sync', doc.id);
    if (doc.parent_task_run_id) this.markDirty('parent_task', doc.id);
    return version;
  }

  private readLeaseId(): string | null {
    return (
      this.sql.exec<{ lease_id: string | null }>('SELECT lease_id FROM run').toArray()[0]?.lease_id ?? null
    );
  }

  setLease(leaseId: string | null): void {
    this.tables.ensure();
    this.sql.exec('UPDATE run SET lease_id = ?', leaseId);
    const run = this.readRun();
    if (!run) return;
    this.run = { ...run, leaseId };
    if (run.doc.work_pool_name) this.markDirty('pool_sync', run.doc.id);
  }

  isDirty(kind: OutboxKind): boolean {
    return this.outbox.isDirty(kind);
  }

  appendState(state: State, taskRunId: string | null): void {
    this.tables.ensure();
    this.sql.exec('INSERT INTO states (task_run_id, doc) VALUES (?, ?)', taskRunId, JSON.stringify(state));
  }

  /** Appends task run states in order: `[task_run_id, state]` pairs, a few statements for a whole batch. */
  appendTaskRunStates(states: [string, State][]): void {
    if (states.length === 0) return;
    this.tables.ensure();
    const rows = states.map(([taskRunId, state]) => [taskRunId, JSON.stringify(state)]);
    insertRows(this.sql, 'INSERT INTO states (task_run_id, doc)', rows);
  }

  readStates(taskRunId: string | null): State[] {
    if (!this.tables.present()) return [];
    const rows =
      taskRunId === null
        ? this.sql.exec<{ doc: string }>('SELECT doc FROM states WHERE task_run_id IS NULL ORDER BY seq')
        : this.sql.exec<{ doc: string }>(
            'SELECT doc FROM states WHERE task_run_id = ? ORDER BY seq',
            taskRunId,
          );
    return rows.toArray().map((row) => JSON.parse(row.doc) as State);
  }

  readTaskRun(id: string): StoredTaskRun | null {
    if (!this.tables.present()) return null;
    const row = this.sql
      .exec<{ doc: string; version: number }>('SELECT doc, version FROM task_runs WHERE id = ?', id)
      .toArray()[0];
    return row ? { doc: JSON.parse(row.doc) as TaskRun, version: row.version } : null;
  }

  /** The run's task runs in creation order, a page at a time (the SDK reads them to resume a run). */
  listTaskRuns(offset: number, limit: number): TaskRun[] {
    if (!this.tables.present()) return [];
    return this.sql
      .exec<{ doc: string }>('SELECT doc FROM task_runs ORDER BY rowid LIMIT ? OFFSET ?', limit, offset)
      .toArray()
      .map((row) => JSON.parse(row.doc) as TaskRun);
  }

  /** Whether the run has any task run (a run without one has no subflows either). */
  hasTaskRuns(): boolean {
    if (!this.tables.present()) return false;
    return this.sql.exec('SELECT 1 FROM task_runs LIMIT 1').toArray().length > 0;
  }

  readTaskRunByKey(taskKey: string, dynamicKey: string): StoredTaskRun | null {
    if (!this.tables.present()) return null;
    const row = this.sql
      .exec<{ doc: string; version: number }>(
        'SELECT doc, version FROM task_runs WHERE task_key = ? AND dynamic_key = ?',
        taskKey,
        dynamicKey,
      )
      .toArray()[0];
    return row ? { doc: JSON.parse(row.doc) as TaskRun, version: row.version } : null;
  }

  /** Writes task runs, each with its version bumped, and marks them for the index: a few statements a batch. */
  writeTaskRuns(runs: { doc: TaskRun; previousVersion: number }[]): void {
    if (runs.length === 0) return;
    this.tables.ensure();
    const rows = runs.map(({ doc, previousVersion }) => {
      return [doc.id, doc.task_key, doc.dynamic_key, JSON.stringify(doc), previousVersion + 1];
    });
    const upsert = 'ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version';
    insertRows(this.sql, 'INSERT INTO task_runs (id, task_key, dynamic_key, doc, version)', rows, upsert);
    this.outbox.markTaskRuns(runs.map(({ doc }) => doc.id));
  }

  /** The answer first given to a transition id, so a resent proposal gets it back unchanged. */
  readTransitionAnswer<T>(runId: string, transitionId: string): T | null {
    if (!this.tables.present()) return null;
    const row = this.sql
      .exec<{ answer: string }>(
        'SELECT answer FROM transitions WHERE run_id = ? AND transition_id = ?',
        runId,
        transitionId,
      )
      .toArray()[0];
    return row ? (JSON.parse(row.answer) as T) : null;
  }

  /** A task run's first state written with this transition id (its ACCEPT is not recorded as an answer). */
  readStateWithTransitionId(taskRunId: string, transitionId: string): State | null {
    if (!this.tables.present()) return null;
    const query = `SELECT doc FROM states WHERE task_run_id = ?
      AND doc ->> '$.state_details.transition_id' = ? ORDER BY seq LIMIT 1`;
    const row = this.sql.exec<{ doc: string }>(query, taskRunId, transitionId).toArray()[0];
    return row ? (JSON.parse(row.doc) as State) : null;
  }

  recordTransitionAnswer(runId: string, transitionId: string, answer: unknown): void {
    this.tables.ensure();
    this.sql.exec(
      'INSERT OR IGNORE INTO transitions (run_id, transition_id, answer) VALUES (?, ?, ?)',
      runId,
      transitionId,
      JSON.stringify(answer),
    );
  }

  /** Records several answers as `recordTransitionAnswer` does: `[run_id, transition_id, answer]`. */
  recordTransitionAnswers(answers: [string, string, unknown][]): void {
    if (answers.length === 0) return;
    this.tables.ensure();
    const rows = answers.map(([runId, id, answer]) => [runId, id, JSON.stringify(answer)]);
    insertRows(this.sql, 'INSERT OR IGNORE INTO transitions (run_id, transition_id, answer)', rows);
  }

  markDirty(kind: OutboxKind, id: string): void {
    this.outbox.mark(kind, id);
  }

  /** The ids of one kind's outbox entries (for kinds whose id is not a run's). */
  readOutboxIds(kind: OutboxKind): string[] {
    return this.outbox.readIds(kind);
  }

  /** Drops one entry whatever the run's version (it was delivered as recorded). */
  clearOutboxEntry(kind: OutboxKind, id: string): void {
    this.outbox.deleteNow(kind, id);
  }

  /** The rows the index is behind on: the run's document, and its task runs' JSON unparsed (one query). */
  readOutbox(): {
    flowRun: { doc: FlowRun; version: number } | null;
    taskRuns: { id: string; version: number; json: string }[];
  } {
    const run = this.isDirty('flow_run') ? this.readRun() : null;
    return {
      flowRun: run ? { doc: run.doc, version: run.version } : null,
      taskRuns: this.outbox.readTaskRuns(),
    };
  }

  /**
   * The index or the pool caught up with these entries: clean unless they changed again meanwhile.
   * Their rows go with the object's next write (run-outbox-rows.ts).
   */
  clearOutbox(flushed: OutboxEntry[]): void {
    this.outbox.recordDelivery(flushed);
  }

  /** The concurrency limits copied onto the run when it was created (run-concurrency.ts). */
  writeConcurrencyLimits(limits: readonly RunConcurrencyLimit[]): void {
    if (limits.length === 0) return;
    this.tables.ensure();
    for (const limit of limits) {
      this.sql.exec(
        'INSERT OR REPLACE INTO concurrency_limits (key, doc) VALUES (?, ?)',
        limit.key,
        JSON.stringify(limit),
      );
    }
  }

  readConcurrencyLimits(): RunConcurrencyLimit[] {
    if (!this.tables.present()) return [];
    return this.sql
      .exec<{ doc: string }>('SELECT doc FROM concurrency_limits ORDER BY key')
      .toArray()
      .map((row) => JSON.parse(row.doc) as RunConcurrencyLimit);
  }
}
