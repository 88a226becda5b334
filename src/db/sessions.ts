// Dashboard sessions and one-time sign-in links in D1, each read together with the key it belongs to.
import { and, eq, gt, lte, or } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { ApiKeyScope } from 'edgeflow/protocol';
import type { Holder } from '../domain/auth/sessions';
import { apiKeys, sessions, signInTokens } from './schema';

/** A session or sign-in link row as written: `id` is the hash of its secret, never the secret. */
export interface NewHeldRow {
  id: string;
  keyId: string | null;
  adminKeyCheck: string | null;
  createdAt: number;
  expiresAt: number;
}

/** What a stored row says of its holder; the admin check is compared by the caller, who knows the secret. */
export interface StoredHolder {
  keyId: string | null;
  adminKeyCheck: string | null;
  key: (Holder & { kind: 'api_key' })['key'];
}

const holderColumns = {
  keyId: sessions.keyId,
  adminKeyCheck: sessions.adminKeyCheck,
  keyScope: apiKeys.scope,
  keyRevokedAt: apiKeys.revokedAt,
  keyExpiresAt: apiKeys.expiresAt,
};

function storedHolder(row: {
  keyId: string | null;
  adminKeyCheck: string | null;
  keyScope: string | null;
  keyRevokedAt: string | null;
  keyExpiresAt: string | null;
}): StoredHolder {
  const key = row.keyScope
    ? { scope: row.keyScope as ApiKeyScope, revokedAt: row.keyRevokedAt, expiresAt: row.keyExpiresAt }
    : null;
  return { keyId: row.keyId, adminKeyCheck: row.adminKeyCheck, key };
}

/**
 * Starts a session in place of the one this browser had (`replacing`, the old cookie's hash), if any.
 * Sessions past their lifetime or idle limit go in the same batch, so the table holds about as many
 * rows as there are people signed in.
 */
export async function insertSession(
  d1: D1Database,
  row: NewHeldRow & { lastSeenAt: number },
  options: { idleSince: number; replacing: string | null },
): Promise<void> {
  const db = drizzle(d1);
  const { idleSince, replacing } = options;
  const stale = or(lte(sessions.expiresAt, row.createdAt), lte(sessions.lastSeenAt, idleSince));
  await db.batch([
    db.delete(sessions).where(replacing ? or(stale, eq(sessions.id, replacing)) : stale),
    db.insert(sessions).values(row),
  ]);
}

export interface StoredSessionRow extends StoredHolder {
  lastSeenAt: number;
  expiresAt: number;
}

/** The session and its key in one query: two primary-key lookups, on every request a cookie carries. */
export async function readSession(d1: D1Database, id: string): Promise<StoredSessionRow | null> {
  const [row] = await drizzle(d1)
    .select({ ...holderColumns, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt })
    .from(sessions)
    .leftJoin(apiKeys, eq(apiKeys.id, sessions.keyId))
    .where(eq(sessions.id, id))
    .limit(1);
  return row ? { ...storedHolder(row), lastSeenAt: row.lastSeenAt, expiresAt: row.expiresAt } : null;
}

export async function touchSession(d1: D1Database, id: string, at: number): Promise<void> {
  await drizzle(d1).update(sessions).set({ lastSeenAt: at }).where(eq(sessions.id, id)).run();
}

export async function deleteSession(d1: D1Database, id: string): Promise<void> {
  await drizzle(d1).delete(sessions).where(eq(sessions.id, id)).run();
}

/** Stores a sign-in link; used and expired links are gone already or go in the same batch. */
export async function insertSignInToken(d1: D1Database, row: NewHeldRow): Promise<void> {
  const db = drizzle(d1);
  await db.batch([
    db.delete(signInTokens).where(lte(signInTokens.expiresAt, row.createdAt)),
    db.insert(signInTokens).values(row),
  ]);
}

const tokenHolderColumns = {
  ...holderColumns,
  keyId: signInTokens.keyId,
  adminKeyCheck: signInTokens.adminKeyCheck,
  keyName: apiKeys.name,
};

export interface StoredSignInToken extends StoredHolder {
  /** The key's name, shown on the page that asks to continue; null for the configured admin key. */
  keyName: string | null;
}

/** A link that is still unused and unexpired, without using it (the page that asks to continue). */
export async function readSignInToken(
  d1: D1Database,
  id: string,
  now: number,
): Promise<StoredSignInToken | null> {
  const [row] = await drizzle(d1)
    .select(tokenHolderColumns)
    .from(signInTokens)
    .leftJoin(apiKeys, eq(apiKeys.id, signInTokens.keyId))
    .where(and(eq(signInTokens.id, id), gt(signInTokens.expiresAt, now)))
    .limit(1);
  return row ? { ...storedHolder(row), keyName: row.keyName } : null;
}

/**
 * Uses a link: deleting its row is what makes it single-use, so of two concurrent uses only one gets
 * the row back. Its key is then read as it stands now.
 */
export async function consumeSignInToken(
  d1: D1Database,
  id: string,
  now: number,
): Promise<StoredHolder | null> {
  const db = drizzle(d1);
  const [used] = await db
    .delete(signInTokens)
    .where(and(eq(signInTokens.id, id), gt(signInTokens.expiresAt, now)))
    .returning({ keyId: signInTokens.keyId, adminKeyCheck: signInTokens.adminKeyCheck });
  if (!used) return null;
  if (!used.keyId) return { ...used, key: null };
  const [key] = await db
    .select({ scope: apiKeys.scope, revokedAt: apiKeys.revokedAt, expiresAt: apiKeys.expiresAt })
    .from(apiKeys)
    .where(eq(apiKeys.id, used.keyId))
    .limit(1);
  return { ...used, key: key ? { ...key, scope: key.scope as ApiKeyScope } : null };
}
