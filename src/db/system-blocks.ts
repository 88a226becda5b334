// System block types in D1: which are installed, and installing the missing ones in one batch that
// any number of isolates may run at once (docs/blocks.md, "System block types").
import type { SystemBlock } from '../domain/blocks/system-types';

/** `slug checksum version` of every schema of the protected types among `slugs`. */
export async function installedSystemBlocks(db: D1Database, slugs: readonly string[]): Promise<Set<string>> {
  const { results } = await db
    .prepare(
      `SELECT t.slug AS slug, s.checksum AS checksum, s.version AS version
       FROM block_types t JOIN block_schemas s ON s.block_type_id = t.id
       WHERE t.is_protected = 1 AND t.slug IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify(slugs))
    .all<{ slug: string; checksum: string; version: string }>();
  return new Set(results.map((row) => `${row.slug} ${row.checksum} ${row.version}`));
}

/**
 * Creates each type (or marks the one a client registered under its slug as protected, with the
 * system description) and its schema; what exists already is left, so running it twice is harmless.
 */
export async function installSystemBlocks(
  db: D1Database,
  blocks: readonly SystemBlock[],
  now: Date,
): Promise<void> {
  if (blocks.length === 0) return;
  const at = now.toISOString();
  const type = db.prepare(
    `INSERT INTO block_types
       (id, name, slug, logo_url, documentation_url, description, code_example, is_protected, created, updated)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
     ON CONFLICT (slug) DO UPDATE SET name = excluded.name, logo_url = excluded.logo_url,
       documentation_url = excluded.documentation_url, description = excluded.description,
       code_example = excluded.code_example, is_protected = 1, updated = excluded.updated`,
  );
  const schema = db.prepare(
    `INSERT INTO block_schemas (id, checksum, fields, block_type_id, capabilities, version, created, updated)
     SELECT ?, ?, ?, id, ?, ?, ?, ? FROM block_types WHERE slug = ?
     ON CONFLICT (checksum, version) DO NOTHING`,
  );
  await db.batch(
    blocks.flatMap(({ type: t, schema: s }) => [
      type.bind(
        crypto.randomUUID(),
        t.name,
        t.slug,
        t.logo_url,
        t.documentation_url,
        t.description,
        t.code_example,
        at,
        at,
      ),
      schema.bind(
        crypto.randomUUID(),
        s.checksum,
        JSON.stringify(s.fields),
        JSON.stringify(s.capabilities),
        s.version,
        at,
        at,
        t.slug,
      ),
    ]),
  );
}
