// API key rows: the stored hash never leaves this module except to the auth check.
import { asc, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { ApiKey, ApiKeyScope } from 'edgeflow/protocol';
import { apiKeys } from './schema';

export interface NewApiKeyRow {
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  hash: string;
  created: string;
  expiresAt: string | null;
}

/** Every column but the hash, in the wire shape. */
const publicColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  scope: apiKeys.scope,
  prefix: apiKeys.prefix,
  created: apiKeys.created,
  expires_at: apiKeys.expiresAt,
  revoked_at: apiKeys.revokedAt,
  last_used_at: apiKeys.lastUsedAt,
};

export async function insertApiKey(d1: D1Database, row: NewApiKeyRow): Promise<ApiKey> {
  const [created] = await drizzle(d1).insert(apiKeys).values(row).returning(publicColumns);
  return created as ApiKey;
}

export async function listApiKeys(d1: D1Database): Promise<ApiKey[]> {
  const rows = await drizzle(d1)
    .select(publicColumns)
    .from(apiKeys)
    .orderBy(asc(apiKeys.created), asc(apiKeys.id));
  return rows as ApiKey[];
}

/** Marks a key revoked (keeping the first revocation time); false when no such key exists. */
export async function revokeApiKey(d1: D1Database, id: string, now: string): Promise<boolean> {
  const rows = await drizzle(d1)
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${now})` })
    .where(eq(apiKeys.id, id))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/** What the auth check needs of a key: its hash (this module's one export of it), scope and validity. */
export interface ApiKeyCredentials {
  id: string;
  hash: string;
  scope: ApiKeyScope;
  expiresAt: string | null;
  revokedAt: string | null;
}

export async function readApiKeyCredentials(d1: D1Database, id: string): Promise<ApiKeyCredentials | null> {
  const [row] = await drizzle(d1)
    .select({
      id: apiKeys.id,
      hash: apiKeys.hash,
      scope: apiKeys.scope,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.id, id))
    .limit(1);
  return row ? { ...row, scope: row.scope as ApiKeyScope } : null;
}

/** A key's `last_used_at` is as fresh as its last check against D1. */
export async function recordApiKeyUse(d1: D1Database, id: string, at: string): Promise<void> {
  await drizzle(d1).update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id)).run();
}
