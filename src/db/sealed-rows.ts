// The rows that hold sealed secrets, found by the key that sealed them, for a key rotation to seal
// again under the current key (docs/blocks.md, "Rotating the key").

/** Each table with a sealed column: block documents' data, webhooks' HMAC keys. */
export const SEALED_COLUMNS = {
  block_documents: 'data_cipher',
  webhooks: 'secret_cipher',
} as const;
export type SealedTable = keyof typeof SEALED_COLUMNS;

export interface SealedRow {
  id: string;
  cipher: string;
}

/**
 * Up to `limit` rows of `table`, by id after `afterId`, whose ciphertext was not sealed under the key
 * `prefix` names. substr(), not LIKE: D1 refuses long LIKE patterns, and `_` would be a wildcard.
 */
export async function rowsSealedElsewhere(
  db: D1Database,
  table: SealedTable,
  { prefix, afterId, limit }: { prefix: string; afterId: string; limit: number },
): Promise<SealedRow[]> {
  const column = SEALED_COLUMNS[table];
  const { results } = await db
    .prepare(
      `SELECT id, ${column} AS cipher FROM ${table}
       WHERE ${column} IS NOT NULL AND substr(${column}, 1, ?) != ? AND id > ?
       ORDER BY id LIMIT ?`,
    )
    .bind(prefix.length, prefix, afterId, limit)
    .all<SealedRow>();
  return results;
}

/** Replaces each row's ciphertext, only where it is still the one read: a write in between wins. */
export async function replaceSealed(
  db: D1Database,
  table: SealedTable,
  changes: { id: string; was: string; now: string }[],
): Promise<number> {
  if (changes.length === 0) return 0;
  const column = SEALED_COLUMNS[table];
  const statement = db.prepare(`UPDATE ${table} SET ${column} = ? WHERE id = ? AND ${column} = ?`);
  const results = await db.batch(changes.map((change) => statement.bind(change.now, change.id, change.was)));
  return results.reduce((sum, result) => sum + (result.meta.changes ?? 0), 0);
}
