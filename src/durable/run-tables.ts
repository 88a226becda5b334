// The flow run object's SQLite schema, and whether an object has it yet. A new object gets its tables
// with its first write, inside that write's commit: making them up front cost every new run a commit
// (an fsync locally) of its own (docs/performance.md).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS run (id TEXT PRIMARY KEY, doc TEXT NOT NULL, version INTEGER NOT NULL, lease_id TEXT);
CREATE TABLE IF NOT EXISTS states (seq INTEGER PRIMARY KEY AUTOINCREMENT, task_run_id TEXT, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS states_by_task ON states (task_run_id, seq);
CREATE TABLE IF NOT EXISTS task_runs (
  id TEXT PRIMARY KEY, task_key TEXT NOT NULL, dynamic_key TEXT NOT NULL, doc TEXT NOT NULL, version INTEGER NOT NULL,
  UNIQUE (task_key, dynamic_key)
);
CREATE TABLE IF NOT EXISTS transitions (run_id TEXT NOT NULL, transition_id TEXT NOT NULL, answer TEXT NOT NULL,
  PRIMARY KEY (run_id, transition_id));
CREATE TABLE IF NOT EXISTS outbox (kind TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS timers (kind TEXT PRIMARY KEY, due_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS concurrency_limits (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS run_inputs (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
`;

/** The tables and indexes SCHEMA makes, so one query can tell whether an object has them all. */
const SCHEMA_NAMES = [...SCHEMA.matchAll(/CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)/g)].map(
  (match) => match[1]!,
);

export class RunTables {
  /** undefined: not checked yet. */
  private known: boolean | undefined;
  /** Run first by every write, inside its transaction (run-outbox-rows.ts, run-events.ts). */
  private readonly writeHooks: (() => void)[] = [];

  constructor(private readonly sql: SqlStorage) {}

  /**
   * Whether the object has its tables; an object holding only some of them (made before a table was
   * added to SCHEMA) gets the rest now.
   */
  present(): boolean {
    if (this.known === undefined) {
      const placeholders = SCHEMA_NAMES.map(() => '?').join(', ');
      const found = this.sql
        .exec<{ n: number }>(
          `SELECT count(*) AS n FROM sqlite_master WHERE name IN (${placeholders})`,
          ...SCHEMA_NAMES,
        )
        .one().n;
      if (found > 0 && found < SCHEMA_NAMES.length) this.sql.exec(SCHEMA);
      this.known = found > 0;
    }
    return this.known;
  }

  /**
   * Called first by every write: makes the tables in the write's own transaction if need be, and runs
   * the deletes that wait for a write to ride on.
   */
  ensure(): void {
    if (!this.present()) {
      this.sql.exec(SCHEMA);
      this.known = true;
    }
    for (const hook of this.writeHooks) hook();
  }

  /** `hook` runs at the start of every write, in the write's transaction. */
  beforeWrite(hook: () => void): void {
    this.writeHooks.push(hook);
  }

  /** A transaction rolled back: the tables it made are gone too. */
  forget(): void {
    this.known = undefined;
  }
}
