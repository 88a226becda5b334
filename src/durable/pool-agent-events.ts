// A work pool object's agent events: an agent's first heartbeat (or its first after going offline)
// is `prefect.worker.started`, its heartbeat lapsing `prefect.worker.stopped` (found by the pool's
// alarm). The object appends them in its own SQLite and delivers them to D1 after its answer; one
// that D1 refuses stays and the alarm tries again (docs/events.md).
import { eventInsertStatements } from '../db/events';
import { agentEvent } from '../domain/events';
import type { Clock } from './clock';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS online_agents (name TEXT PRIMARY KEY, offline_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL);
`;

/** How soon a refused delivery is tried again. */
const RETRY_MS = 5_000;

export class PoolAgentEvents {
  private delivering: Promise<void> | null = null;
  /** When a refused delivery is next tried (the alarm's wake-up); null when none failed. */
  private retryAt: number | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly db: D1Database,
    private readonly clock: () => Clock,
  ) {
    sql.exec(SCHEMA);
  }

  /** Notes an agent's heartbeat: online until `offlineAt`; an event if it was not online. */
  heartbeat(poolName: string, agent: string, offlineAt: number): void {
    const now = this.clock().now();
    const known = this.sql
      .exec<{ offline_at: number }>('SELECT offline_at FROM online_agents WHERE name = ?', agent)
      .toArray()[0];
    if (!known || known.offline_at <= now) this.append(agentEvent(poolName, agent, 'online', stamp(now)));
    this.sql.exec(
      'INSERT INTO online_agents (name, offline_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET offline_at = excluded.offline_at',
      agent,
      offlineAt,
    );
  }

  /**
   * The agent's record was deleted: it is no longer followed, so no `stopped` event comes for it; a
   * heartbeat after this is a first one again (`started`).
   */
  forget(agent: string): void {
    this.sql.exec('DELETE FROM online_agents WHERE name = ?', agent);
  }

  /** Agents whose heartbeat lapsed by now go offline, each with its event. */
  lapse(poolName: string): void {
    const now = this.clock().now();
    const lapsed = this.sql
      .exec<{ name: string }>('SELECT name FROM online_agents WHERE offline_at <= ? ORDER BY offline_at', now)
      .toArray();
    for (const { name } of lapsed) this.append(agentEvent(poolName, name, 'offline', stamp(now)));
    this.sql.exec('DELETE FROM online_agents WHERE offline_at <= ?', now);
  }

  /** The next time the alarm has work here: an agent going offline, or a delivery to try again. */
  nextWakeUp(): number | null {
    const next = this.sql
      .exec<{ t: number | null }>('SELECT min(offline_at) AS t FROM online_agents')
      .one().t;
    if (this.retryAt === null) return next;
    return next === null ? this.retryAt : Math.min(next, this.retryAt);
  }

  /** Delivers what is pending to D1 in one batch, one delivery at a time. */
  async deliver(): Promise<void> {
    while (this.delivering) await this.delivering;
    this.delivering = this.deliverNow().finally(() => {
      this.delivering = null;
    });
    await this.delivering;
  }

  private async deliverNow(): Promise<void> {
    const rows = this.sql
      .exec<{ seq: number; doc: string }>('SELECT seq, doc FROM pending_events ORDER BY seq LIMIT 1000')
      .toArray();
    if (rows.length === 0) return;
    const now = this.clock().now();
    try {
      const statements = eventInsertStatements(
        this.db,
        rows.map((row) => row.doc),
        new Date(now),
      );
      await this.db.batch(statements);
      this.sql.exec('DELETE FROM pending_events WHERE seq <= ?', rows.at(-1)!.seq);
      this.retryAt = null;
    } catch (error) {
      console.error('delivering agent events failed; retrying from the alarm', error);
      this.retryAt = now + RETRY_MS;
    }
  }

  private append(event: unknown): void {
    this.sql.exec('INSERT INTO pending_events (doc) VALUES (?)', JSON.stringify(event));
  }
}

const stamp = (now: number) => ({ id: crypto.randomUUID(), occurred: new Date(now) });
