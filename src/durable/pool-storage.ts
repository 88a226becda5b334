// The work pool object's SQLite tables: its config copy, the runs it knows (with their leases) and
// its workers. Synchronous reads and writes; the object decides with the domain and saves here.
import type { StateType } from 'edgeflow/protocol';
import {
  CLAIMS_KEPT_PER_AGENT,
  type ClaimedLease,
  type PoolConfig,
  type RunDispatchStatus,
} from '../domain/dispatch';
import { POOL_SCHEMA } from './pool-schema';

/** Gone runs are kept this long as tombstones, so a late, older sync cannot bring them back. */
export const TOMBSTONE_MS = 10 * 60_000;
/** Lapsed leases and Late runs are handled in slices of this size per alarm. */
const SLICE = 100;

export type PoolRun = {
  id: string;
  version: number;
  queue: string;
  status: RunDispatchStatus;
  state_type: StateType | null;
  state_name: string | null;
  due_at: number | null;
  late_at: number | null;
  lease_id: string | null;
  agent: string | null;
  lease_interval_s: number | null;
  lease_deadline: number | null;
};

export type StoredWorker = {
  name: string;
  last_heartbeat: number;
  interval_s: number;
};

/** A due run as a claim considers it; the version lets a refusal apply to this version only. */
export type DueRun = { id: string; queue: string; due_at: number; version: number };

export class PoolStorage {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(POOL_SCHEMA);
  }

  readConfig(): PoolConfig | null {
    const row = this.sql.exec<{ doc: string }>('SELECT doc FROM config').toArray()[0];
    return row ? (JSON.parse(row.doc) as PoolConfig) : null;
  }

  writeConfig(config: PoolConfig | null): void {
    if (config === null) this.sql.exec('DELETE FROM config');
    else
      this.sql.exec(
        'INSERT INTO config (id, doc) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc',
        JSON.stringify(config),
      );
  }

  readRun(id: string): PoolRun | null {
    return this.sql.exec<PoolRun>('SELECT * FROM runs WHERE id = ?', id).toArray()[0] ?? null;
  }

  /**
   * Saves what a sync said; the lease's agent and deadline stay only while the lease id is unchanged.
   * A run that left the pool (finished, moved, deleted) has no lease left to watch: its deadline goes,
   * so the alarm never calls its object to crash a run that already ended.
   */
  saveRun(run: Omit<PoolRun, 'agent' | 'lease_interval_s' | 'lease_deadline'>, now: number): void {
    this.sql.exec(
      `INSERT INTO runs (id, version, queue, status, state_type, state_name, due_at, late_at, lease_id, skipped, gone_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10)
       ON CONFLICT (id) DO UPDATE SET version = ?2, queue = ?3, status = ?4, state_type = ?5, state_name = ?6,
         due_at = ?7, late_at = ?8, skipped = 0, gone_at = ?10,
         agent = CASE WHEN lease_id IS ?9 THEN agent END,
         lease_interval_s = CASE WHEN lease_id IS ?9 THEN lease_interval_s END,
         lease_deadline = CASE WHEN ?4 = 'gone' THEN NULL WHEN lease_id IS ?9 THEN lease_deadline END,
         lease_id = ?9`,
      run.id,
      run.version,
      run.queue,
      run.status,
      run.state_type,
      run.state_name,
      run.due_at,
      run.late_at,
      run.lease_id,
      run.status === 'gone' ? now : null,
    );
  }

  /** Queued runs due by `now` that no claim has refused at this version. */
  dueCandidates(now: number): DueRun[] {
    return this.sql
      .exec<DueRun>(
        `SELECT id, queue, due_at, version FROM runs
         WHERE status = 'queued' AND skipped = 0 AND due_at <= ? ORDER BY due_at LIMIT 1000`,
        now,
      )
      .toArray();
  }

  activeByQueue(): Map<string, number> {
    const rows = this.sql
      .exec<{ queue: string; n: number }>(
        "SELECT queue, count(*) AS n FROM runs WHERE status = 'active' GROUP BY queue",
      )
      .toArray();
    return new Map(rows.map((row) => [row.queue, row.n]));
  }

  /**
   * A claim succeeded: the run is active, PENDING and leased to `agent` until `deadline`. The run
   * object does not sync PENDING (or RUNNING) back; its next sync is the next change the pool must
   * hear of (an end, a cancellation). Until then this is what the pool knows, unless a newer sync
   * already said more.
   */
  recordClaim(id: string, leaseId: string, agent: string, intervalSeconds: number, deadline: number): void {
    this.sql.exec(
      `UPDATE runs SET lease_id = ?, agent = ?, lease_interval_s = ?, lease_deadline = ?,
         state_type = CASE WHEN status = 'queued' THEN 'PENDING' ELSE state_type END,
         state_name = CASE WHEN status = 'queued' THEN 'Pending' ELSE state_name END,
         status = CASE WHEN status = 'queued' THEN 'active' ELSE status END
       WHERE id = ? AND status <> 'gone'`,
      leaseId,
      agent,
      intervalSeconds,
      deadline,
      id,
    );
  }

  /** The run object refused this version of the run: leave it out until a newer sync arrives. */
  markSkipped(id: string, version: number): void {
    this.sql.exec('UPDATE runs SET skipped = 1 WHERE id = ? AND version = ?', id, version);
  }

  renewLeases(ids: string[], agent: string, intervalSeconds: number, deadline: number): void {
    if (ids.length === 0) return;
    this.sql.exec(
      `UPDATE runs SET lease_deadline = ?, lease_interval_s = ?
       WHERE agent = ? AND id IN (SELECT value FROM json_each(?))`,
      deadline,
      intervalSeconds,
      agent,
      JSON.stringify(ids),
    );
  }

  /** The listed runs as leases see them, for a heartbeat's answer. */
  leasedRuns(ids: string[]): PoolRun[] {
    return this.sql
      .exec<PoolRun>(
        "SELECT * FROM runs WHERE status <> 'gone' AND id IN (SELECT value FROM json_each(?))",
        JSON.stringify(ids),
      )
      .toArray();
  }

  lapsedLeases(now: number): PoolRun[] {
    return this.sql
      .exec<PoolRun>(
        'SELECT * FROM runs WHERE lease_deadline <= ? ORDER BY lease_deadline LIMIT ?',
        now,
        SLICE,
      )
      .toArray();
  }

  /** Drops a lease the run object has been told about (crashed), unless it changed meanwhile. */
  dropLease(id: string, leaseId: string): void {
    this.sql.exec(
      'UPDATE runs SET agent = NULL, lease_interval_s = NULL, lease_deadline = NULL WHERE id = ? AND lease_id = ?',
      id,
      leaseId,
    );
  }

  postponeLease(id: string, until: number): void {
    this.sql.exec('UPDATE runs SET lease_deadline = ? WHERE id = ?', until, id);
  }

  lateRuns(now: number): PoolRun[] {
    return this.sql
      .exec<PoolRun>(
        "SELECT * FROM runs WHERE status = 'queued' AND late_at <= ? ORDER BY late_at LIMIT ?",
        now,
        SLICE,
      )
      .toArray();
  }

  setLateAt(id: string, lateAt: number | null): void {
    this.sql.exec('UPDATE runs SET late_at = ? WHERE id = ?', lateAt, id);
  }

  cancellingFor(agent: string): string[] {
    return this.sql
      .exec<{ id: string }>(
        "SELECT id FROM runs WHERE agent = ? AND state_type = 'CANCELLING' ORDER BY id",
        agent,
      )
      .toArray()
      .map((row) => row.id);
  }

  purgeTombstones(now: number): void {
    this.sql.exec('DELETE FROM runs WHERE gone_at <= ?', now - TOMBSTONE_MS);
    this.sql.exec('DELETE FROM claims WHERE expires_at <= ?', now);
  }

  /** The leases an earlier answer to this claim handed out; null when it is not remembered (new or expired). */
  claimedLeases(agent: string, claimId: string, now: number): ClaimedLease[] | null {
    const rows = this.sql
      .exec<{ run_id: string; lease_id: string }>(
        'SELECT run_id, lease_id FROM claims WHERE agent = ? AND claim_id = ? AND expires_at > ? ORDER BY run_id',
        agent,
        claimId,
        now,
      )
      .toArray();
    return rows.length > 0 ? rows : null;
  }

  /** Remembers what a claim leased; keeps only each agent's latest few claims, and none expired. */
  rememberClaim(
    agent: string,
    claimId: string,
    leased: ClaimedLease[],
    now: number,
    expiresAt: number,
  ): void {
    for (const lease of leased) {
      this.sql.exec(
        `INSERT INTO claims (agent, claim_id, run_id, lease_id, claimed_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET lease_id = excluded.lease_id, claimed_at = excluded.claimed_at,
           expires_at = excluded.expires_at`,
        agent,
        claimId,
        lease.run_id,
        lease.lease_id,
        now,
        expiresAt,
      );
    }
    this.sql.exec(
      `DELETE FROM claims WHERE expires_at <= ?1 OR (agent = ?2 AND claim_id NOT IN (
         SELECT claim_id FROM claims WHERE agent = ?2 GROUP BY claim_id ORDER BY max(rowid) DESC LIMIT ?3))`,
      now,
      agent,
      CLAIMS_KEPT_PER_AGENT,
    );
  }

  /** The pending wake-up times: next future due run, next Late mark, next lease deadline, next purge. */
  wakeUpTimes(now: number): (number | null)[] {
    const one = (query: string, ...args: number[]) =>
      this.sql.exec<{ t: number | null }>(query, ...args).one().t;
    return [
      one("SELECT min(due_at) AS t FROM runs WHERE status = 'queued' AND skipped = 0 AND due_at > ?", now),
      one("SELECT min(late_at) AS t FROM runs WHERE status = 'queued'"),
      one('SELECT min(lease_deadline) AS t FROM runs'),
      ((gone) => (gone === null ? null : gone + TOMBSTONE_MS))(one('SELECT min(gone_at) AS t FROM runs')),
    ];
  }

  readWorker(name: string): StoredWorker | null {
    return this.sql.exec<StoredWorker>('SELECT * FROM workers WHERE name = ?', name).toArray()[0] ?? null;
  }

  saveWorker(worker: StoredWorker): void {
    this.sql.exec(
      `INSERT INTO workers (name, last_heartbeat, interval_s) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET last_heartbeat = excluded.last_heartbeat, interval_s = excluded.interval_s`,
      worker.name,
      worker.last_heartbeat,
      worker.interval_s,
    );
  }

  /** Forgets a worker's record; whether there was one. */
  deleteWorker(name: string): boolean {
    return this.sql.exec('DELETE FROM workers WHERE name = ?', name).rowsWritten > 0;
  }

  listWorkers(): StoredWorker[] {
    return this.sql.exec<StoredWorker>('SELECT * FROM workers ORDER BY last_heartbeat DESC, name').toArray();
  }
}
