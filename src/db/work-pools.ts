// Work pools in D1: their configuration (queryable, the source of truth for it), the config copy a
// pool object dispatches with, and the throttled presence its object writes back. Queues: work-queues.ts.
import { and, asc, count, eq, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { WorkPool, WorkPoolCreate, WorkPoolFilterBody, WorkPoolUpdate } from 'edgeflow/protocol';
import { DEFAULT_QUEUE_NAME, type PoolConfig, poolStatus } from '../domain/dispatch';
import type { NewEvent } from '../domain/events';
import { newEventsSelect } from './events';
import { inList } from './filters';
import { events as eventRows, workPools, workQueues } from './schema';

type PoolRow = typeof workPools.$inferSelect;
type QueueRow = typeof workQueues.$inferSelect;

const time = (iso: string | null) => (iso ? Date.parse(iso) : null);

export function toWorkPool(row: PoolRow, now: Date): WorkPool {
  return {
    id: row.id,
    created: row.created,
    updated: row.updated,
    name: row.name,
    type: 'process',
    description: row.description,
    concurrency_limit: row.concurrencyLimit,
    paused: row.paused,
    status: poolStatus(row.paused, time(row.onlineUntil), now.getTime()),
    default_queue_id: row.defaultQueueId,
  };
}

function toConfig(pool: PoolRow, queues: QueueRow[]): PoolConfig {
  return {
    id: pool.id,
    name: pool.name,
    version: pool.configVersion,
    concurrency_limit: pool.concurrencyLimit,
    paused: pool.paused,
    queues: queues.map((queue) => ({
      id: queue.id,
      name: queue.name,
      priority: queue.priority,
      concurrency_limit: queue.concurrencyLimit,
      paused: queue.paused,
    })),
  };
}

/** Creates the pool with its `default` queue in one batch; null when the name is taken. */
export async function insertWorkPool(
  d1: D1Database,
  input: WorkPoolCreate,
  now: Date,
  /** Its `created` event (docs/events.md): stored in the same batch, only if the pool was new. */
  events: NewEvent[] = [],
): Promise<{ pool: WorkPool; config: PoolConfig } | null> {
  const db = drizzle(d1);
  const at = now.toISOString();
  const poolId = crypto.randomUUID();
  const queue: QueueRow = {
    id: crypto.randomUUID(),
    workPoolName: input.name,
    name: DEFAULT_QUEUE_NAME,
    description: 'The work pool’s default queue.',
    priority: 1,
    concurrencyLimit: null,
    paused: false,
    lastPolled: null,
    created: at,
    updated: at,
  };
  const [inserted] = await db.batch([
    db
      .insert(workPools)
      .values({
        id: poolId,
        name: input.name,
        type: input.type,
        description: input.description ?? null,
        concurrencyLimit: input.concurrency_limit ?? null,
        paused: input.paused,
        defaultQueueId: queue.id,
        configVersion: 1,
        created: at,
        updated: at,
      })
      .onConflictDoNothing({ target: workPools.name })
      .returning(),
    // Only when the pool row above was new: a taken name leaves no orphan queue behind.
    db
      .insert(workQueues)
      .select(
        sql`SELECT ${queue.id}, ${queue.workPoolName}, ${queue.name}, ${queue.description}, ${queue.priority}, NULL, 0, NULL, ${at}, ${at}
            WHERE EXISTS (SELECT 1 FROM work_pools WHERE id = ${poolId})`,
      )
      .onConflictDoNothing(),
    // The queue insert above changed a row only if the pool was new.
    db
      .insert(eventRows)
      .select(newEventsSelect(events, now, { onlyIfChanged: true }))
      .onConflictDoNothing(),
  ]);
  const pool = inserted[0];
  if (!pool) return null;
  return { pool: toWorkPool(pool, now), config: toConfig(pool, [queue]) };
}

export async function readPoolRow(d1: D1Database, name: string): Promise<PoolRow | null> {
  const [row] = await drizzle(d1).select().from(workPools).where(eq(workPools.name, name)).limit(1);
  return row ?? null;
}

export async function readWorkPool(d1: D1Database, name: string, now: Date): Promise<WorkPool | null> {
  const row = await readPoolRow(d1, name);
  return row ? toWorkPool(row, now) : null;
}

/** The pool and its queues as its object dispatches with them; one round trip. */
export async function readPoolConfig(d1: D1Database, name: string): Promise<PoolConfig | null> {
  const db = drizzle(d1);
  const [pools, queues] = await db.batch([
    db.select().from(workPools).where(eq(workPools.name, name)).limit(1),
    db.select().from(workQueues).where(eq(workQueues.workPoolName, name)).orderBy(asc(workQueues.priority)),
  ]);
  return pools[0] ? toConfig(pools[0], queues) : null;
}

/**
 * Follows a queue change in its batch: the pool's object must take the new configuration. It bumps
 * only when the statement just before it changed a row (SQLite's `changes()`), so a queue that isn't
 * there (404) or already is (409) leaves the pool untouched.
 */
export function bumpVersion(db: ReturnType<typeof drizzle>, name: string, at: string) {
  return db
    .update(workPools)
    .set({ configVersion: sql`${workPools.configVersion} + 1`, updated: at })
    .where(and(eq(workPools.name, name), sql`changes() > 0`));
}

/** Applies a patch; null when there is no such pool. */
export async function updateWorkPool(
  d1: D1Database,
  name: string,
  patch: WorkPoolUpdate,
  now: Date,
  /** Its events, stored in the same batch when the pool is there. */
  events: NewEvent[] = [],
): Promise<boolean> {
  const db = drizzle(d1);
  const [rows] = await db.batch([
    db
      .update(workPools)
      .set({
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.concurrency_limit !== undefined ? { concurrencyLimit: patch.concurrency_limit } : {}),
        ...(patch.paused !== undefined ? { paused: patch.paused } : {}),
        configVersion: sql`${workPools.configVersion} + 1`,
        updated: now.toISOString(),
      })
      .where(eq(workPools.name, name))
      .returning({ id: workPools.id }),
    db
      .insert(eventRows)
      .select(newEventsSelect(events, now, { onlyIfChanged: true }))
      .onConflictDoNothing(),
  ]);
  return rows.length > 0;
}

/** Deletes the pool and its queues; flow runs keep naming it (Prefect does the same). */
export async function deleteWorkPool(
  d1: D1Database,
  name: string,
  now: Date,
  events: NewEvent[] = [],
): Promise<boolean> {
  const db = drizzle(d1);
  const [deleted] = await db.batch([
    db.delete(workPools).where(eq(workPools.name, name)).returning({ id: workPools.id }),
    db
      .insert(eventRows)
      .select(newEventsSelect(events, now, { onlyIfChanged: true }))
      .onConflictDoNothing(),
    db.delete(workQueues).where(eq(workQueues.workPoolName, name)),
  ]);
  return deleted.length > 0;
}

/** The `work_pools` part of a filter body as a WHERE condition (every pool without one). */
function poolConditions(body: WorkPoolFilterBody): SQL {
  const conditions: SQL[] = [];
  if (body.work_pools?.id?.any_) conditions.push(inList(sql.raw('id'), body.work_pools.id.any_));
  if (body.work_pools?.name?.any_) conditions.push(inList(sql.raw('name'), body.work_pools.name.any_));
  return conditions.length ? (and(...conditions) as SQL) : sql`1`;
}

export async function filterWorkPools(
  d1: D1Database,
  body: WorkPoolFilterBody,
  now: Date,
): Promise<WorkPool[]> {
  const rows = await drizzle(d1)
    .select()
    .from(workPools)
    .where(poolConditions(body))
    .orderBy(asc(workPools.name))
    .limit(body.limit)
    .offset(body.offset);
  return rows.map((row) => toWorkPool(row, now));
}

/** How many pools the filter matches (its `limit` and `offset` aside), Prefect's `POST /work_pools/count`. */
export async function countWorkPools(d1: D1Database, body: WorkPoolFilterBody): Promise<number> {
  const [row] = await drizzle(d1).select({ n: count() }).from(workPools).where(poolConditions(body));
  return row?.n ?? 0;
}

/** Written by the pool object, at most every few seconds: agents online until, queues polled at. */
export async function writePresence(
  d1: D1Database,
  poolName: string,
  presence: { onlineUntil: number | null; polledQueues: string[]; polledAt: number },
): Promise<void> {
  const db = drizzle(d1);
  const statements = [];
  if (presence.onlineUntil !== null) {
    const until = new Date(presence.onlineUntil).toISOString();
    statements.push(
      db
        .update(workPools)
        .set({ onlineUntil: until })
        .where(
          and(
            eq(workPools.name, poolName),
            sql`(${workPools.onlineUntil} IS NULL OR ${workPools.onlineUntil} < ${until})`,
          ),
        ),
    );
  }
  if (presence.polledQueues.length > 0) {
    statements.push(
      db
        .update(workQueues)
        .set({ lastPolled: new Date(presence.polledAt).toISOString() })
        .where(and(eq(workQueues.workPoolName, poolName), inList(sql.raw('name'), presence.polledQueues))),
    );
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
