// One Durable Object per concurrency limit (a deployment's concurrency_limit, a schedule's
// max_active_runs): its slots, each held by one flow run under a lease. A lease is trusted for its
// grace period; after that, when the limit is full, the limit asks the holding run whether it still
// holds the slot, so a run that ended without giving its slot back (a lost release, a deleted run)
// frees it, and a long run that is still going keeps it without renewals.
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { flowRunObject } from './objects';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS slots (holder TEXT PRIMARY KEY, lease_id TEXT NOT NULL, trusted_until INTEGER NOT NULL);
`;

export interface SlotRequest {
  /** The flow run id. */
  holder: string;
  lease_id: string;
  limit: number;
  lease_seconds: number;
}

export class ConcurrencyLimitObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
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
    this.ctx.storage.sql.exec('DELETE FROM slots WHERE holder = ? AND lease_id = ?', holder, leaseId);
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
    const sql = this.ctx.storage.sql;
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
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM slots').one().n;
  }

  /** Asks the runs whose leases lapsed whether they still hold their slots; frees the ones that do not. */
  private async verifyLapsed(leaseSeconds: number): Promise<void> {
    const now = Date.now();
    const lapsed = this.ctx.storage.sql
      .exec<{ holder: string; lease_id: string }>(
        'SELECT holder, lease_id FROM slots WHERE trusted_until <= ?',
        now,
      )
      .toArray();
    await Promise.all(
      lapsed.map(async ({ holder, lease_id }) => {
        const run = flowRunObject(this.env, holder);
        if (await run.holdsConcurrencySlot(lease_id)) {
          this.ctx.storage.sql.exec(
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
