// A work pool's queues in D1. Every change bumps the pool's config version in the same batch, so the
// pool's object takes the new configuration, and stores its lifecycle events there (docs/events.md).
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { WorkQueue, WorkQueueCreate, WorkQueueFilterBody, WorkQueueUpdate } from 'edgeflow/protocol';
import { nextQueuePriority, queueStatus } from '../domain/dispatch';
import type { NewEvent } from '../domain/events';
import { newEventsSelect } from './events';
import { inList } from './filters';
import { events as eventRows, workQueues } from './schema';
import { bumpVersion, readPoolRow } from './work-pools';

type QueueRow = typeof workQueues.$inferSelect;

/** Stores `events` only when the statement just before it in the batch changed a row. */
const insertEventsIfChanged = (db: ReturnType<typeof drizzle>, events: NewEvent[], now: Date) =>
  db
    .insert(eventRows)
    .select(newEventsSelect(events, now, { onlyIfChanged: true }))
    .onConflictDoNothing();

const time = (iso: string | null) => (iso ? Date.parse(iso) : null);

export function toWorkQueue(row: QueueRow, now: Date): WorkQueue {
  return {
    id: row.id,
    created: row.created,
    updated: row.updated,
    name: row.name,
    description: row.description,
    priority: row.priority,
    concurrency_limit: row.concurrencyLimit,
    paused: row.paused,
    status: queueStatus(row.paused, time(row.lastPolled), now.getTime()),
    work_pool_name: row.workPoolName,
    last_polled: row.lastPolled,
  };
}

export type QueueInsertResult =
  | { kind: 'created'; queue: WorkQueue }
  | { kind: 'no_pool' }
  | { kind: 'exists' };

export async function insertWorkQueue(
  d1: D1Database,
  poolName: string,
  input: WorkQueueCreate,
  now: Date,
  /** Its `created` event, stored in the same batch only if the queue was new. */
  events: NewEvent[] = [],
): Promise<QueueInsertResult> {
  const db = drizzle(d1);
  if (!(await readPoolRow(d1, poolName))) return { kind: 'no_pool' };
  const existing = await db.select().from(workQueues).where(eq(workQueues.workPoolName, poolName));
  if (existing.some((queue) => queue.name === input.name)) return { kind: 'exists' };
  const at = now.toISOString();
  const [inserted] = await db.batch([
    db
      .insert(workQueues)
      .values({
        id: crypto.randomUUID(),
        workPoolName: poolName,
        name: input.name,
        description: input.description ?? null,
        priority: input.priority ?? nextQueuePriority(existing),
        concurrencyLimit: input.concurrency_limit ?? null,
        paused: input.paused,
        created: at,
        updated: at,
      })
      .onConflictDoNothing()
      .returning(),
    bumpVersion(db, poolName, at),
    // After the bump, which changed a row only if the queue was new.
    insertEventsIfChanged(db, events, now),
  ]);
  return inserted[0] ? { kind: 'created', queue: toWorkQueue(inserted[0], now) } : { kind: 'exists' };
}

export async function readWorkQueue(
  d1: D1Database,
  poolName: string,
  name: string,
  now: Date,
): Promise<WorkQueue | null> {
  const [row] = await drizzle(d1)
    .select()
    .from(workQueues)
    .where(and(eq(workQueues.workPoolName, poolName), eq(workQueues.name, name)))
    .limit(1);
  return row ? toWorkQueue(row, now) : null;
}

/** The queue with this id, whatever its pool (automation actions name queues by id, as Prefect does). */
export async function readWorkQueueById(d1: D1Database, id: string, now: Date): Promise<WorkQueue | null> {
  const [row] = await drizzle(d1).select().from(workQueues).where(eq(workQueues.id, id)).limit(1);
  return row ? toWorkQueue(row, now) : null;
}

export async function updateWorkQueue(
  d1: D1Database,
  poolName: string,
  name: string,
  patch: WorkQueueUpdate,
  now: Date,
  /** Its events, stored in the same batch when the queue is there. */
  events: NewEvent[] = [],
): Promise<boolean> {
  const db = drizzle(d1);
  const at = now.toISOString();
  const [updated] = await db.batch([
    db
      .update(workQueues)
      .set({
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.priority !== undefined ? { priority: patch.priority } : {}),
        ...(patch.concurrency_limit !== undefined ? { concurrencyLimit: patch.concurrency_limit } : {}),
        ...(patch.paused !== undefined ? { paused: patch.paused } : {}),
        updated: at,
      })
      .where(and(eq(workQueues.workPoolName, poolName), eq(workQueues.name, name)))
      .returning({ id: workQueues.id }),
    bumpVersion(db, poolName, at),
    // After the bump, which changed a row only if the queue was there.
    insertEventsIfChanged(db, events, now),
  ]);
  return updated.length > 0;
}

export async function deleteWorkQueue(
  d1: D1Database,
  poolName: string,
  name: string,
  now: Date,
  /** Its `deleted` event, stored in the same batch when the queue was there. */
  events: NewEvent[] = [],
): Promise<boolean> {
  const db = drizzle(d1);
  const [deleted] = await db.batch([
    db
      .delete(workQueues)
      .where(and(eq(workQueues.workPoolName, poolName), eq(workQueues.name, name)))
      .returning({ id: workQueues.id }),
    bumpVersion(db, poolName, now.toISOString()),
    // After the bump, which changed a row only if the queue was there.
    insertEventsIfChanged(db, events, now),
  ]);
  return deleted.length > 0;
}

export async function filterWorkQueues(
  d1: D1Database,
  poolName: string,
  body: WorkQueueFilterBody,
  now: Date,
): Promise<WorkQueue[]> {
  const conditions: SQL[] = [eq(workQueues.workPoolName, poolName)];
  if (body.work_queues?.name?.any_) conditions.push(inList(sql.raw('name'), body.work_queues.name.any_));
  const rows = await drizzle(d1)
    .select()
    .from(workQueues)
    .where(and(...conditions))
    .orderBy(asc(workQueues.priority), asc(workQueues.name))
    .limit(body.limit)
    .offset(body.offset);
  return rows.map((row) => toWorkQueue(row, now));
}
