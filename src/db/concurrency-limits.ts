// The D1 index of named concurrency limits (id ↔ name, for filters and reads by id) and the lease
// directory (lease id → limit names). Each limit's settings and slots live in its object.
import { and, asc, eq, gte, inArray, lt } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { concurrencyLeases, concurrencyLimits } from './schema';

export interface LimitIndexRow {
  id: string;
  name: string;
  created: string;
}

/** Writes a limit's index row; the row already there for the name is kept (a repaired create). */
export async function indexLimit(d1: D1Database, row: LimitIndexRow): Promise<void> {
  await drizzle(d1).insert(concurrencyLimits).values(row).onConflictDoNothing();
}

export async function unindexLimit(d1: D1Database, name: string): Promise<void> {
  await drizzle(d1).delete(concurrencyLimits).where(eq(concurrencyLimits.name, name));
}

export async function limitNameById(d1: D1Database, id: string): Promise<string | null> {
  const rows = await drizzle(d1)
    .select({ name: concurrencyLimits.name })
    .from(concurrencyLimits)
    .where(eq(concurrencyLimits.id, id.toLowerCase()));
  return rows[0]?.name ?? null;
}

/** A page of limit names, in name order as Prefect lists them; `prefix` keeps names starting with it. */
export async function limitNames(
  d1: D1Database,
  offset: number,
  limit: number,
  prefix?: string,
): Promise<string[]> {
  // A prefix is a range of names: from the prefix to the prefix with its last character's successor.
  const range = prefix
    ? and(
        gte(concurrencyLimits.name, prefix),
        lt(
          concurrencyLimits.name,
          prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1),
        ),
      )
    : undefined;
  const rows = await drizzle(d1)
    .select({ name: concurrencyLimits.name })
    .from(concurrencyLimits)
    .where(range)
    .orderBy(asc(concurrencyLimits.name))
    .limit(limit)
    .offset(offset);
  return rows.map((row) => row.name);
}

/** Which of `names` have a limit (the index knows every limit by name). */
export async function existingLimitNames(d1: D1Database, names: readonly string[]): Promise<string[]> {
  const rows = await drizzle(d1)
    .select({ name: concurrencyLimits.name })
    .from(concurrencyLimits)
    .where(inArray(concurrencyLimits.name, [...names]));
  return rows.map((row) => row.name);
}

/** Leases on exactly these limit names (as their acquisition recorded them), oldest first. */
export async function leasesOnNames(
  d1: D1Database,
  names: readonly string[],
  limit: number,
): Promise<string[]> {
  const rows = await drizzle(d1)
    .select({ id: concurrencyLeases.id })
    .from(concurrencyLeases)
    .where(eq(concurrencyLeases.names, [...names]))
    .orderBy(asc(concurrencyLeases.created))
    .limit(limit);
  return rows.map((row) => row.id);
}

export async function recordLease(
  d1: D1Database,
  id: string,
  names: string[],
  created: string,
): Promise<void> {
  await drizzle(d1).insert(concurrencyLeases).values({ id, names, created }).onConflictDoNothing();
}

export async function leaseNames(d1: D1Database, id: string): Promise<string[] | null> {
  const rows = await drizzle(d1)
    .select({ names: concurrencyLeases.names })
    .from(concurrencyLeases)
    .where(eq(concurrencyLeases.id, id.toLowerCase()));
  return rows[0]?.names ?? null;
}

export async function forgetLeases(d1: D1Database, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await drizzle(d1)
    .delete(concurrencyLeases)
    .where(inArray(concurrencyLeases.id, [...ids]));
}
