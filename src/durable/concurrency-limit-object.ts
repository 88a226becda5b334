// One Durable Object per concurrency limit. Two kinds share it (docs/concurrency.md):
// - a named limit (`limit:<name>`, task tag limits are `limit:tag:<tag>`): settings, counters with
//   lazy decay, leases that holders renew and that the alarm reclaims when they lapse, and requests
//   held waiting for slots (named-limit.ts);
// - a deployment's concurrency_limit or a schedule's max_active_runs: slots, each held by one flow run
//   under a lease that is trusted for its grace period; after that, when the limit is full, the limit
//   asks the holding run whether it still holds the slot, so a run that ended without giving its slot
//   back frees it, and a long run that is still going keeps it without renewals.
import { DurableObject } from 'cloudflare:workers';
import type { ConcurrencyLimit, ConcurrencyLimitUpdate, LimitHolders } from 'edgeflow/protocol';
import { forgetLeases } from '../db/concurrency-limits';
import { insertLogs } from '../db/logs';
import { countersAt, type LimitSettings, leaseLapsedLogs } from '../domain/limits';
import type { Env } from '../env';
import { type Clock, systemClock } from './clock';
import { NamedLimit, type SlotsReply, type SlotsRequest } from './named-limit';
import { type NamedLimitRecord, NamedLimitStorage } from './named-limit-storage';
import { flowRunObject } from './objects';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS slots (holder TEXT PRIMARY KEY, lease_id TEXT NOT NULL, trusted_until INTEGER NOT NULL);
`;

export type LimitUpdateReply =
  | { kind: 'ok'; limit: ConcurrencyLimit }
  | { kind: 'not_found' }
  | { kind: 'rename'; name: string };

export interface SlotRequest {
  /** The flow run id. */
  holder: string;
  lease_id: string;
  limit: number;
  lease_seconds: number;
}

export class ConcurrencyLimitObject extends DurableObject<Env> {
  /** Replaced by tests to move time (see clock.ts). */
  clock: Clock = systemClock;
  private limitStorage: NamedLimitStorage;
  private readonly named: NamedLimit;
  private slotsReady = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.limitStorage = new NamedLimitStorage(ctx.storage.sql);
    this.named = new NamedLimit(
      () => this.limitStorage,
      () => this.clock,
      () => this.armAlarm(),
    );
  }

  // --- Named limits ---

  /** Creates the limit; `created` false (and the existing limit) when the name is taken. */
  async createLimit(
    id: string,
    name: string,
    settings: LimitSettings,
    initial: { active_slots: number; denied_slots: number },
  ): Promise<{ created: boolean; limit: ConcurrencyLimit }> {
    const existing = this.limitStorage.read();
    if (existing) return { created: false, limit: this.view(existing) };
    const record = NamedLimit.newRecord(id, name, settings, this.clock.now());
    record.counters = { ...record.counters, ...initial };
    this.limitStorage.write(record);
    return { created: true, limit: this.view(record) };
  }

  async readLimit(): Promise<ConcurrencyLimit | null> {
    const record = this.limitStorage.read();
    return record && this.view(record);
  }

  async updateLimit(patch: ConcurrencyLimitUpdate): Promise<LimitUpdateReply> {
    const record = this.limitStorage.read();
    if (!record) return { kind: 'not_found' };
    if (patch.name !== undefined && patch.name !== record.name) return { kind: 'rename', name: record.name };
    const now = this.clock.now();
    const { name: _name, active_slots, denied_slots, ...settings } = patch;
    const counters = countersAt(record.counters, record.settings, now);
    const updated: NamedLimitRecord = {
      ...record,
      updated: new Date(now).toISOString(),
      settings: { ...record.settings, ...settings },
      counters: {
        ...counters,
        ...(active_slots === undefined ? {} : { active_slots, active_anchor: now }),
        ...(denied_slots === undefined ? {} : { denied_slots, denied_anchor: now }),
      },
    };
    this.limitStorage.write(updated);
    // A higher limit, or a limit switched off, may let waiters in.
    this.named.serve();
    return { kind: 'ok', limit: this.view(updated) };
  }

  /** Deletes the limit, its leases and its counters; held requests are told it is gone. */
  async deleteLimit(): Promise<boolean> {
    const record = this.limitStorage.read();
    if (!record) return false;
    this.named.endAll(record.name);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.limitStorage = new NamedLimitStorage(this.ctx.storage.sql);
    this.slotsReady = false;
    return true;
  }

  /** Frees every slot: leases dropped, counters to `activeSlots` (0 unless overridden). */
  async resetLimit(activeSlots = 0): Promise<ConcurrencyLimit | null> {
    const record = this.limitStorage.read();
    if (!record) return null;
    const now = this.clock.now();
    this.limitStorage.clearLeases();
    const reset = {
      ...record,
      counters: { ...record.counters, active_slots: activeSlots, active_anchor: now, denied_slots: 0 },
    };
    this.limitStorage.write(reset);
    this.named.serve();
    await this.armAlarm();
    return this.view(reset);
  }

  takeSlots(name: string, request: SlotsRequest): Promise<SlotsReply> {
    return this.named.take(name, request);
  }

  renewLease(leaseId: string, leaseSeconds: number): Promise<boolean> {
    return this.named.renew(leaseId, leaseSeconds);
  }

  releaseLease(leaseId: string, { occupied = true }: { occupied?: boolean } = {}): Promise<boolean> {
    return this.named.release(leaseId, { occupied });
  }

  abandonRequest(leaseId: string): Promise<void> {
    return this.named.abandon(leaseId);
  }

  async undoRateSlots(slots: number): Promise<void> {
    this.named.undoRate(slots);
  }

  async limitHolders(): Promise<LimitHolders | null> {
    if (!this.limitStorage.read()) return null;
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      leases: this.limitStorage.leases().map((lease) => ({
        lease_id: lease.lease_id,
        slots: lease.slots,
        acquired: iso(lease.acquired_at),
        expires: iso(lease.expires_at),
        holder: lease.holder,
      })),
      waiters: this.named.waiting().map((w) => ({ slots: w.slots, since: iso(w.since) })),
    };
  }

  /** Reclaims the leases that lapsed, tells their holders' runs, and sets the next alarm. */
  override async alarm(): Promise<void> {
    const expired = await this.named.reclaimExpired();
    const record = this.limitStorage.read();
    if (record && expired.length > 0) {
      const now = new Date(this.clock.now()).toISOString();
      await Promise.all([
        forgetLeases(
          this.env.DB,
          expired.map((lease) => lease.lease_id),
        ),
        insertLogs(this.env.DB, leaseLapsedLogs(record.name, expired, now)),
      ]).catch((error) => console.error('recording reclaimed leases failed', error));
    }
    await this.armAlarm();
  }

  private view(record: NamedLimitRecord): ConcurrencyLimit {
    const counters = countersAt(record.counters, record.settings, this.clock.now());
    return {
      id: record.id,
      created: record.created,
      updated: record.updated,
      name: record.name,
      ...record.settings,
      active_slots: counters.active_slots,
      denied_slots: counters.denied_slots,
      avg_slot_occupancy_seconds: counters.avg_slot_occupancy_seconds,
    };
  }

  /**
   * The alarm follows the earliest lease deadline (in the clock's time: a test that moves the clock
   * fires the alarm itself), so a lapsed lease's slots come back within one lease period.
   */
  private async armAlarm(): Promise<void> {
    const next = this.limitStorage.nextExpiry();
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Date.now() + Math.max(0, next - this.clock.now()));
  }

  // --- Deployment and schedule limits ---

  private get sql(): SqlStorage {
    if (!this.slotsReady) {
      this.ctx.storage.sql.exec(SCHEMA);
      this.slotsReady = true;
    }
    return this.ctx.storage.sql;
  }

  /**
   * Takes a slot for the holder, or renews the one it has (a run asks again on its way to RUNNING).
   * True when the holder has a slot afterwards.
   */
  async acquire(request: SlotRequest): Promise<boolean> {
    if (this.take(request)) return true;
    await this.verifyLapsed(request.lease_seconds);
    return this.take(request);
  }

  async release(holder: string, leaseId: string): Promise<void> {
    this.sql.exec('DELETE FROM slots WHERE holder = ? AND lease_id = ?', holder, leaseId);
  }

  /** How many runs hold a slot now. */
  async holders(): Promise<number> {
    return this.count();
  }

  async isFull(limit: number): Promise<boolean> {
    if (this.count() < limit) return false;
    await this.verifyLapsed(300);
    return this.count() >= limit;
  }

  /**
   * Synchronous, so no other request interleaves between the count and the insert. A holder asking
   * again keeps the lease it has: of two proposals racing into PENDING only one is accepted, and the
   * loser's release (under its own lease) must not free the winner's slot.
   */
  private take({ holder, lease_id, limit, lease_seconds }: SlotRequest): boolean {
    const sql = this.sql;
    const trustedUntil = Date.now() + lease_seconds * 1000;
    if (sql.exec('SELECT 1 FROM slots WHERE holder = ?', holder).toArray().length > 0) {
      sql.exec(
        'UPDATE slots SET trusted_until = ? WHERE holder = ? AND lease_id = ?',
        trustedUntil,
        holder,
        lease_id,
      );
      return true;
    }
    if (this.count() >= limit) return false;
    sql.exec(
      'INSERT INTO slots (holder, lease_id, trusted_until) VALUES (?, ?, ?)',
      holder,
      lease_id,
      trustedUntil,
    );
    return true;
  }

  private count(): number {
    return this.sql.exec<{ n: number }>('SELECT count(*) AS n FROM slots').one().n;
  }

  /** Asks the runs whose leases lapsed whether they still hold their slots; frees the ones that do not. */
  private async verifyLapsed(leaseSeconds: number): Promise<void> {
    const now = Date.now();
    const lapsed = this.sql
      .exec<{ holder: string; lease_id: string }>(
        'SELECT holder, lease_id FROM slots WHERE trusted_until <= ?',
        now,
      )
      .toArray();
    await Promise.all(
      lapsed.map(async ({ holder, lease_id }) => {
        const run = flowRunObject(this.env, holder);
        if (await run.holdsConcurrencySlot(lease_id)) {
          this.sql.exec(
            'UPDATE slots SET trusted_until = ? WHERE holder = ? AND lease_id = ?',
            Date.now() + leaseSeconds * 1000,
            holder,
            lease_id,
          );
        } else {
          await this.release(holder, lease_id);
        }
      }),
    );
  }
}
