// A flow run's inputs in its object's SQLite (Prefect's flow_run_input rows): keyed JSON texts that
// resumes and other runs send to it (docs/sdk.md, "Pause, suspend and input"). Deleted with the run.
import type { FlowRunInput, FlowRunInputCreate, FlowRunInputFilter } from 'edgeflow/protocol';
import { newRunInput } from '../domain/runs/pauses';
import type { RunStorage } from './run-storage';
import type { RunTables } from './run-tables';
import type { RunWatchers } from './run-watchers';

export class RunInputs {
  constructor(
    private readonly sql: SqlStorage,
    private readonly tables: RunTables,
  ) {}

  /** Adds the input; false when one with its key exists already (keys are written once). */
  add(input: FlowRunInput): boolean {
    this.tables.ensure();
    const cursor = this.sql.exec(
      'INSERT INTO run_inputs (key, doc) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
      input.key,
      JSON.stringify(input),
    );
    return cursor.rowsWritten > 0;
  }

  read(key: string): FlowRunInput | null {
    if (!this.tables.present()) return null;
    const row = this.sql.exec<{ doc: string }>('SELECT doc FROM run_inputs WHERE key = ?', key).toArray()[0];
    return row ? (JSON.parse(row.doc) as FlowRunInput) : null;
  }

  /**
   * Inputs whose key starts with `prefix`, oldest first, skipping `excludeKeys`, and with
   * `createdSince` (an ISO instant in UTC, as `created` is stored) those created then or later.
   */
  filter(prefix: string, limit: number, excludeKeys: readonly string[], createdSince = ''): FlowRunInput[] {
    if (!this.tables.present()) return [];
    const excluded = new Set(excludeKeys);
    const found: FlowRunInput[] = [];
    // substr(), not LIKE: a prefix is compared literally, whatever % or _ it holds.
    const rows = this.sql.exec<{ doc: string; key: string }>(
      `SELECT key, doc FROM run_inputs WHERE substr(key, 1, ?) = ? AND json_extract(doc, '$.created') >= ?
       ORDER BY json_extract(doc, '$.created'), key`,
      prefix.length,
      prefix,
      createdSince,
    );
    for (const row of rows) {
      if (excluded.has(row.key)) continue;
      found.push(JSON.parse(row.doc) as FlowRunInput);
      if (found.length >= limit) break;
    }
    return found;
  }

  remove(key: string): boolean {
    if (!this.tables.present()) return false;
    return this.sql.exec('DELETE FROM run_inputs WHERE key = ?', key).rowsWritten > 0;
  }
}

/** The object's input calls: each finds the run first (null when there is none) and wakes held reads. */
export class RunInputCalls {
  constructor(
    private readonly storage: () => RunStorage,
    private readonly watchers: RunWatchers,
  ) {}

  add(input: FlowRunInputCreate): FlowRunInput | 'exists' | null {
    const storage = this.storage();
    const run = storage.readRun();
    if (!run) return null;
    const row = newRunInput(run.doc.id, input, new Date(), crypto.randomUUID());
    if (!storage.atomically(() => storage.inputs.add(row))) return 'exists';
    this.watchers.wake();
    return row;
  }

  read(key: string): FlowRunInput | 'absent' | null {
    const storage = this.storage();
    if (!storage.readRun()) return null;
    return storage.inputs.read(key) ?? 'absent';
  }

  /** With `wait_seconds`, held until at least one input matches (or the wait runs out: then `[]`). */
  async filter(filter: FlowRunInputFilter): Promise<FlowRunInput[] | null> {
    const { prefix, limit = 1, exclude_keys = [], wait_seconds = 0, created_after } = filter;
    // Stored as toISOString() writes it, so the instant compares as text once written the same way.
    const since = created_after ? new Date(created_after).toISOString() : '';
    const found = await this.watchers.until(() => {
      const storage = this.storage();
      if (!storage.readRun()) return 'gone' as const;
      const rows = storage.inputs.filter(prefix, limit, exclude_keys, since);
      return rows.length > 0 ? rows : null;
    }, wait_seconds * 1000);
    if (found === 'gone') return null;
    return found ?? [];
  }

  remove(key: string): 'removed' | 'absent' | null {
    const storage = this.storage();
    if (!storage.readRun()) return null;
    return storage.atomically(() => storage.inputs.remove(key)) ? 'removed' : 'absent';
  }
}
