// A named limit inside its object: takes slots under leases, holds requests that wait for slots and
// answers them first come first served the moment slots free, renews, releases and reclaims leases
// (docs/concurrency.md). Every decision is the domain's; this loads, asks, saves.
import type { LeaseHolder } from 'edgeflow/protocol';
import {
  type AcquireMode,
  acquireProblem,
  countersAt,
  denySlots,
  fits,
  giveBackSlots,
  type LimitSettings,
  leaseDeadline,
  newCounters,
  nextDecayAt,
  type RequestProblem,
  takeSlots,
  waitersToServe,
} from '../domain/limits';
import type { Clock } from './clock';
import type { LeaseRow, NamedLimitRecord, NamedLimitStorage } from './named-limit-storage';

export interface SlotsRequest {
  lease_id: string;
  slots: number;
  mode: AcquireMode;
  lease_seconds: number;
  holder: LeaseHolder | null;
  /** How long to hold the request for slots; 0 answers at once. */
  wait_ms: number;
}

export type SlotsReply =
  | { kind: 'granted'; limit: { id: string; name: string; limit: number }; counted: number }
  | { kind: 'denied'; retry_after_seconds: number }
  | { kind: 'refused'; problem: RequestProblem };

interface Waiter {
  request: SlotsRequest;
  since: number;
  timer: ReturnType<typeof setTimeout> | null;
  answer: (reply: SlotsReply) => void;
}

export class NamedLimit {
  private waiters: Waiter[] = [];
  private decayTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly storage: () => NamedLimitStorage,
    private readonly clock: () => Clock,
    /** Called after leases change, so the object re-arms its alarm for the next expiry. */
    private readonly leasesChanged: () => Promise<void>,
  ) {}

  /** Takes slots now, or holds the request until they free or its wait ends. */
  async take(name: string, request: SlotsRequest): Promise<SlotsReply> {
    const record = this.storage().read();
    const problem = acquireProblem(
      [name],
      new Map([[name, record?.settings ?? null]]),
      request.slots,
      request.mode,
    );
    if (problem || !record) return { kind: 'refused', problem: problem! };
    // Asking again under a lease already held (a resent proposal) keeps the slots it has.
    const held = this.storage().lease(request.lease_id);
    if (held) {
      const limit = { id: record.id, name: record.name, limit: record.settings.limit };
      return { kind: 'granted', limit, counted: held.slots };
    }
    // Nobody overtakes a waiter: with others waiting, a new request queues (or is denied) behind them.
    if (this.waiters.length === 0) {
      const current = countersAt(record.counters, record.settings, this.clock().now());
      // A request that will wait is not counted as denied (only a 423 is).
      if (fits(current, record.settings, request.slots) || request.wait_ms <= 0) {
        const reply = this.tryTake(record, request);
        if (reply.kind === 'granted') await this.leasesChanged();
        return reply;
      }
    } else if (request.wait_ms <= 0) {
      return this.deny(record, request);
    }
    return new Promise<SlotsReply>((answer) => {
      const waiter: Waiter = { request, since: this.clock().now(), timer: null, answer };
      waiter.timer = setTimeout(() => this.timeOut(waiter), request.wait_ms);
      this.waiters.push(waiter);
      this.armDecayTimer();
    });
  }

  /** Moves a lease's deadline; false when the lease is gone (released, or reclaimed after lapsing). */
  async renew(leaseId: string, leaseSeconds: number): Promise<boolean> {
    const renewed = this.storage().renew(leaseId, leaseDeadline(this.clock().now(), leaseSeconds));
    if (renewed) await this.leasesChanged();
    return renewed;
  }

  /** Gives a lease's slots back; `occupied` false for a rollback (not a real use of the slots). */
  async release(leaseId: string, { occupied }: { occupied: boolean }): Promise<boolean> {
    const storage = this.storage();
    const record = storage.read();
    const lease = storage.lease(leaseId);
    if (!record || !lease) return false;
    const now = this.clock().now();
    const held = occupied ? (now - lease.acquired_at) / 1000 : null;
    storage.removeLease(leaseId);
    storage.writeCounters(giveBackSlots(record.counters, record.settings, lease.slots, held, now));
    await this.leasesChanged();
    this.serve();
    return true;
  }

  /**
   * The request under `leaseId` is gone (its client disconnected): out of the line if it still
   * waits, its slots back if it was granted meanwhile, so no one holds slots nobody will use.
   */
  async abandon(leaseId: string): Promise<void> {
    const waiting = this.waiters.find((w) => w.request.lease_id === leaseId);
    if (waiting) {
      this.waiters = this.waiters.filter((w) => w !== waiting);
      if (waiting.timer) clearTimeout(waiting.timer);
      waiting.answer({ kind: 'denied', retry_after_seconds: 0 });
      this.serve();
      return;
    }
    await this.release(leaseId, { occupied: false });
  }

  /** Undoes a rate-limit take that a later limit of the same request refused. */
  undoRate(slots: number): void {
    const record = this.storage().read();
    if (!record) return;
    const now = this.clock().now();
    this.storage().writeCounters(giveBackSlots(record.counters, record.settings, slots, null, now));
    this.serve();
  }

  /** Frees the slots of leases past their deadline; returns them for the log lines to their holders. */
  async reclaimExpired(): Promise<LeaseRow[]> {
    const storage = this.storage();
    const record = storage.read();
    const now = this.clock().now();
    const expired = storage.expired(now);
    if (!record || expired.length === 0) return [];
    let counters = record.counters;
    for (const lease of expired) {
      storage.removeLease(lease.lease_id);
      counters = giveBackSlots(counters, record.settings, lease.slots, (now - lease.acquired_at) / 1000, now);
    }
    storage.writeCounters(counters);
    this.serve();
    return expired;
  }

  /** After the settings changed or slots were reset: waiters that fit now are served. */
  serve(): void {
    const record = this.storage().read();
    if (!record) return;
    const now = this.clock().now();
    const count = waitersToServe(
      this.waiters.map((w) => w.request),
      countersAt(record.counters, record.settings, now),
      record.settings,
    );
    const served = this.waiters.splice(0, count);
    for (const waiter of served) {
      if (waiter.timer) clearTimeout(waiter.timer);
      // Read again each time: the previous grant changed the counters.
      waiter.answer(this.tryTake(this.storage().read()!, waiter.request));
    }
    if (served.length > 0) void this.leasesChanged();
    this.armDecayTimer();
  }

  /** The limit was deleted: every held request is told there is no such limit any more. */
  endAll(name: string): void {
    const problem = acquireProblem([name], new Map(), 1, 'concurrency')!;
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.answer({ kind: 'refused', problem });
    }
  }

  waiting(): { slots: number; since: number }[] {
    return this.waiters.map((w) => ({ slots: w.request.slots, since: w.since }));
  }

  /** A new limit's record. */
  static newRecord(id: string, name: string, settings: LimitSettings, now: number): NamedLimitRecord {
    const iso = new Date(now).toISOString();
    return { id, name, created: iso, updated: iso, settings, counters: newCounters(now) };
  }

  private tryTake(record: NamedLimitRecord, request: SlotsRequest): SlotsReply {
    const now = this.clock().now();
    const outcome = takeSlots(record.counters, record.settings, request.slots, now);
    this.storage().writeCounters(outcome.counters);
    if (!outcome.granted) return { kind: 'denied', retry_after_seconds: outcome.retry_after_seconds };
    const counted = record.settings.active ? request.slots : 0;
    if (request.mode === 'concurrency') {
      this.storage().addLease({
        lease_id: request.lease_id,
        slots: counted,
        acquired_at: now,
        expires_at: leaseDeadline(now, request.lease_seconds),
        holder: request.holder,
      });
    }
    const limit = { id: record.id, name: record.name, limit: record.settings.limit };
    return { kind: 'granted', limit, counted };
  }

  private deny(record: NamedLimitRecord, request: SlotsRequest): SlotsReply {
    const outcome = denySlots(record.counters, record.settings, request.slots, this.clock().now());
    this.storage().writeCounters(outcome.counters);
    return { kind: 'denied', retry_after_seconds: outcome.retry_after_seconds };
  }

  private timeOut(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index < 0) return;
    this.waiters.splice(index, 1);
    const record = this.storage().read();
    waiter.answer(record ? this.deny(record, waiter.request) : { kind: 'denied', retry_after_seconds: 0 });
    // The head may have been what held the others back.
    this.serve();
  }

  /** A rate limit frees slots by time alone: wake when the next one decays, for the waiters. */
  private armDecayTimer(): void {
    if (this.decayTimer) clearTimeout(this.decayTimer);
    this.decayTimer = null;
    const record = this.storage().read();
    if (this.waiters.length === 0 || !record) return;
    const now = this.clock().now();
    const at = nextDecayAt(countersAt(record.counters, record.settings, now), record.settings);
    if (at === null) return;
    this.decayTimer = setTimeout(() => this.serve(), Math.max(0, at - now));
  }
}
