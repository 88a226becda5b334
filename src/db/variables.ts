// Variables in D1: one row per name, the value kept as its JSON text (docs/variables.md).
import { and, asc, count, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { Variable, VariableFilterBody } from 'edgeflow/protocol';
import { likeSubstring } from './filters';
import { variables } from './schema';

type VariableRow = typeof variables.$inferSelect;

const toVariable = (row: VariableRow): Variable => ({
  id: row.id,
  created: row.created,
  updated: row.updated,
  name: row.name,
  value: JSON.parse(row.value),
  tags: row.tags,
});

const toRow = (variable: Variable): VariableRow => ({
  id: variable.id,
  created: variable.created,
  updated: variable.updated,
  name: variable.name,
  value: JSON.stringify(variable.value),
  tags: variable.tags,
});

/** Stores the variable; null when its name is taken. */
export async function insertVariable(database: D1Database, variable: Variable): Promise<Variable | null> {
  const [row] = await drizzle(database)
    .insert(variables)
    .values(toRow(variable))
    .onConflictDoNothing({ target: variables.name })
    .returning();
  return row ? toVariable(row) : null;
}

export async function readVariable(
  database: D1Database,
  by: { id: string } | { name: string },
): Promise<Variable | null> {
  const where = 'id' in by ? eq(variables.id, by.id) : eq(variables.name, by.name);
  const [row] = await drizzle(database).select().from(variables).where(where).limit(1);
  return row ? toVariable(row) : null;
}

/**
 * Saves a changed variable; false when its new name belongs to another one. The name check sits in
 * the UPDATE's own WHERE, so it holds against a concurrent rename without catching a constraint
 * error (drizzle wraps D1's errors, so their text is not a reliable signal).
 */
export async function saveVariable(database: D1Database, variable: Variable): Promise<boolean> {
  const { id, ...fields } = toRow(variable);
  const nameFree = sql`NOT EXISTS (SELECT 1 FROM ${variables} AS other WHERE other.name = ${fields.name} AND other.id <> ${id})`;
  const rows = await drizzle(database)
    .update(variables)
    .set(fields)
    .where(and(eq(variables.id, id), nameFree))
    .returning({ id: variables.id });
  return rows.length > 0;
}

export async function deleteVariable(
  database: D1Database,
  by: { id: string } | { name: string },
): Promise<boolean> {
  const where = 'id' in by ? eq(variables.id, by.id) : eq(variables.name, by.name);
  const rows = await drizzle(database).delete(variables).where(where).returning({ id: variables.id });
  return rows.length > 0;
}

function conditions(body: VariableFilterBody): SQL | undefined {
  const filter = body.variables;
  const out: SQL[] = [];
  if (filter?.id?.any_) out.push(inArray(variables.id, filter.id.any_));
  if (filter?.name?.any_) out.push(inArray(variables.name, filter.name.any_));
  if (filter?.name?.like_) out.push(likeSubstring(sql`${variables.name}`, filter.name.like_));
  for (const tag of filter?.tags?.all_ ?? []) {
    out.push(sql`EXISTS (SELECT 1 FROM json_each(${variables.tags}) WHERE value = ${tag})`);
  }
  return out.length > 0 ? and(...out) : undefined;
}

const ORDER = {
  NAME_ASC: [asc(variables.name)],
  NAME_DESC: [desc(variables.name)],
  CREATED_DESC: [desc(variables.created), asc(variables.name)],
  UPDATED_DESC: [desc(variables.updated), asc(variables.name)],
} as const;

export async function filterVariables(database: D1Database, body: VariableFilterBody): Promise<Variable[]> {
  const rows = await drizzle(database)
    .select()
    .from(variables)
    .where(conditions(body))
    .orderBy(...ORDER[body.sort])
    .limit(body.limit ?? 200)
    .offset(body.offset ?? 0);
  return rows.map(toVariable);
}

export async function countVariables(database: D1Database, body: VariableFilterBody): Promise<number> {
  const [row] = await drizzle(database).select({ n: count() }).from(variables).where(conditions(body));
  return row?.n ?? 0;
}
