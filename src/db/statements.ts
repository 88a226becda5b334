// D1 statements from drizzle's SQL builder, and multi-row INSERTs within D1's bound-parameter cap.
import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';

const dialect = new SQLiteSyncDialect();
/** D1 binds at most 100 parameters per statement. */
const MAX_PARAMS = 100;

export function prepare(db: D1Database, query: SQL): D1PreparedStatement {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return db.prepare(text).bind(...params);
}

/** Multi-row INSERTs, as many rows per statement as the bound-parameter cap allows. */
export function insertStatements(
  db: D1Database,
  table: string,
  columns: readonly string[],
  rows: unknown[][],
  suffix = '',
): D1PreparedStatement[] {
  const perStatement = Math.floor(MAX_PARAMS / columns.length);
  const statements: D1PreparedStatement[] = [];
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    statements.push(
      db
        .prepare(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')} ${suffix}`,
        )
        .bind(...chunk.flat()),
    );
  }
  return statements;
}
