// A named limit's rows in its object's SQLite: its settings and counters (one row) and its leases.
// The tables are made when the limit is created, so asking about a name that has no limit (a task
// tag without one) leaves no storage behind.
import type { LeaseHolder } from 'edgeflow/protocol';
import type { LimitCounters, LimitSettings } from '../domain/limits';
import { hasTable } from './sql-rows';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS named_limit (
  one INTEGER PRIMARY KEY CHECK (one = 1), id TEXT NOT NULL, name TEXT NOT NULL,
  created TEXT NOT NULL, updated TEXT NOT NULL, settings TEXT NOT NULL, counters TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS leases (
  lease_id TEXT PRIMARY KEY, slots INTEGER NOT NULL, acquired_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, holder TEXT);
CREATE INDEX IF NOT EXISTS leases_expiry ON leases (expires_at);
`;

export interface NamedLimitRecord {
  id: string;
  name: string;
  created: string;
  updated: string;
  settings: LimitSettings;
  counters: LimitCounters;
}

export interface LeaseRow {
  lease_id: string;
  /** The slots the lease counted (0 when the limit was inactive: nothing to give back). */
  slots: number;
  acquired_at: number;
  expires_at: number;
  holder: LeaseHolder | null;
}

type LimitRow = Omit<NamedLimitRecord, 'settings' | 'counters'> & { settings: string; counters: string };
type StoredLease = Omit<LeaseRow, 'holder'> & { holder: string | null };

export class NamedLimitStorage {
  private ready: boolean | undefined;

  constructor(private readonly sql: SqlStorage) {}

  private exists(): boolean {
    this.ready ??= hasTable(this.sql, 'named_limit');
    return this.ready;
  }

  read(): NamedLimitRecord | null {
    if (!this.exists()) return null;
    const row = this.sql.exec<LimitRow>('SELECT * FROM named_limit').toArray()[0];
    if (!row) return null;
    return { ...row, settings: JSON.parse(row.settings), counters: JSON.parse(row.counters) };
  }

  write(record: NamedLimitRecord): void {
    if (!this.exists()) {
      this.sql.exec(SCHEMA);
      this.ready = true;
    }
    this.sql.exec(
      `INSERT INTO named_limit (one, id, name, created, updated, settings, counters) VALUES (1, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (one) DO UPDATE SET updated = excluded.updated, settings = excluded.settings,
         counters = excluded.counters`,
      record.id,
      record.name,
      record.created,
      record.updated,
      JSON.stringify(record.settings),
      JSON.stringify(record.counters),
    );
  }

  writeCounters(counters: LimitCounters): void {
    this.sql.exec('UPDATE named_limit SET counters = ?', JSON.stringify(counters));
  }

  addLease(lease: LeaseRow): void {
    this.sql.exec(
      'INSERT OR REPLACE INTO leases (lease_id, slots, acquired_at, expires_at, holder) VALUES (?, ?, ?, ?, ?)',
      lease.lease_id,
      lease.slots,
      lease.acquired_at,
      lease.expires_at,
      lease.holder ? JSON.stringify(lease.holder) : null,
    );
  }

  lease(leaseId: string): LeaseRow | null {
    if (!this.exists()) return null;
    const row = this.sql.exec<StoredLease>('SELECT * FROM leases WHERE lease_id = ?', leaseId).toArray()[0];
    return row ? parseLease(row) : null;
  }

  /** Moves a lease's deadline; false when there is no such lease (released, or reclaimed). */
  renew(leaseId: string, expiresAt: number): boolean {
    if (!this.exists()) return false;
    return (
      this.sql.exec('UPDATE leases SET expires_at = ? WHERE lease_id = ?', expiresAt, leaseId).rowsWritten > 0
    );
  }

  removeLease(leaseId: string): void {
    this.sql.exec('DELETE FROM leases WHERE lease_id = ?', leaseId);
  }

  /** Leases whose deadline is at or before `now`, oldest deadline first. */
  expired(now: number): LeaseRow[] {
    if (!this.exists()) return [];
    return this.sql
      .exec<StoredLease>('SELECT * FROM leases WHERE expires_at <= ? ORDER BY expires_at', now)
      .toArray()
      .map(parseLease);
  }

  leases(): LeaseRow[] {
    if (!this.exists()) return [];
    return this.sql.exec<StoredLease>('SELECT * FROM leases ORDER BY acquired_at').toArray().map(parseLease);
  }

  nextExpiry(): number | null {
    if (!this.exists()) return null;
    return this.sql.exec<{ at: number | null }>('SELECT min(expires_at) AS at FROM leases').one().at;
  }

  clearLeases(): void {
    if (this.exists()) this.sql.exec('DELETE FROM leases');
  }
}

function parseLease(row: StoredLease): LeaseRow {
  return { ...row, holder: row.holder ? JSON.parse(row.holder) : null };
}
