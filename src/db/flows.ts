// Flows in D1: upsert by name, read, filter.
import { and, asc, desc, eq, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { Flow, FlowCreate, FlowFilterBody } from 'edgeflow/protocol';
import { flowConditions } from './filters';
import { flows } from './schema';

type FlowRow = typeof flows.$inferSelect;

const toFlow = (row: FlowRow): Flow => ({
  id: row.id,
  name: row.name,
  tags: row.tags,
  created: row.created,
  updated: row.updated,
});

/** Creates the flow, or returns the one with that name: two concurrent creates get the same row. */
export async function upsertFlow(
  database: D1Database,
  input: FlowCreate,
  now: Date,
): Promise<{ created: boolean; flow: Flow }> {
  const db = drizzle(database);
  const at = now.toISOString();
  const inserted = await db
    .insert(flows)
    .values({ id: crypto.randomUUID(), name: input.name, tags: input.tags, created: at, updated: at })
    .onConflictDoNothing({ target: flows.name })
    .returning();
  if (inserted[0]) return { created: true, flow: toFlow(inserted[0]) };
  const [existing] = await db.select().from(flows).where(eq(flows.name, input.name)).limit(1);
  return { created: false, flow: toFlow(existing!) };
}

export async function readFlow(database: D1Database, id: string): Promise<Flow | null> {
  const [row] = await drizzle(database).select().from(flows).where(eq(flows.id, id)).limit(1);
  return row ? toFlow(row) : null;
}

export async function readFlowByName(database: D1Database, name: string): Promise<Flow | null> {
  const [row] = await drizzle(database).select().from(flows).where(eq(flows.name, name)).limit(1);
  return row ? toFlow(row) : null;
}

export async function filterFlows(database: D1Database, body: FlowFilterBody): Promise<Flow[]> {
  const conditions: SQL[] = flowConditions(body.flows);
  const order =
    body.sort === 'NAME_DESC'
      ? desc(flows.name)
      : body.sort === 'CREATED_DESC'
        ? desc(flows.created)
        : asc(flows.name);
  const rows = await drizzle(database)
    .select()
    .from(flows)
    .where(conditions.length ? and(...conditions) : sql`1`)
    .orderBy(order)
    .limit(body.limit)
    .offset(body.offset);
  return rows.map(toFlow);
}

/** Which of these flow ids exist, in one query whatever their number (they ride in one JSON parameter). */
export async function existingFlowIds(database: D1Database, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { results } = await database
    .prepare('SELECT id FROM flows WHERE id IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((row) => row.id));
}
