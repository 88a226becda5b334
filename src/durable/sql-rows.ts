// Helpers for a Durable Object's SQLite: multi-row INSERTs (a task batch writes hundreds of rows, and
// one statement per chunk of rows costs far less than one per row), and whether a table exists.

/** Whether the database has table `name`: for tables made on first use, so a read need not make one. */
export function hasTable(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
}

/** Durable Object SQLite takes at most 100 bound parameters per statement. */
const MAX_BOUND_PARAMETERS = 100;

/**
 * Runs `${head} VALUES (?, …), … ${tail}` over `rows` (all of the same length), in as few statements
 * as the parameter limit allows. Rows go in their order, so AUTOINCREMENT keys and `INSERT OR IGNORE`
 * keep the same first-wins outcome as one statement per row.
 */
export function insertRows(sql: SqlStorage, head: string, rows: unknown[][], tail = ''): void {
  if (rows.length === 0) return;
  const columns = rows[0]!.length;
  const perStatement = Math.floor(MAX_BOUND_PARAMETERS / columns);
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const values = Array.from({ length: chunk.length }, () => row).join(', ');
    sql.exec(`${head} VALUES ${values} ${tail}`, ...chunk.flat());
  }
}
