// API keys, dashboard sessions and one-time sign-in tokens (docs/api-scopes.md, docs/dashboard.md).
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  scope: text('scope').notNull(),
  prefix: text('prefix').notNull(),
  /** SHA-256 of the whole key, hex: keys are 256-bit random, so a fast hash is enough. */
  hash: text('hash').notNull(),
  created: text('created').notNull(),
  expiresAt: text('expires_at'),
  revokedAt: text('revoked_at'),
  lastUsedAt: text('last_used_at'),
});

/**
 * Dashboard sessions (docs/dashboard.md, "Sign-in and sessions"). `id` is the SHA-256 of the cookie's
 * random value, so a read of this table signs no one in. `key_id` is the key signed in with; null for
 * the configured admin key, whose session instead holds `admin_key_check`, a hash of the cookie value
 * and that key, so changing the key ends its sessions. Times are epoch milliseconds.
 */
export const sessions = sqliteTable('sessions', {
  id: text('id').primaryKey(),
  keyId: text('key_id'),
  adminKeyCheck: text('admin_key_check'),
  createdAt: integer('created_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
});

/**
 * One-time sign-in links (`POST /api/sign_in_tokens`): hashed like sessions, tied to the key that made
 * them in the same way, deleted as they are used.
 */
export const signInTokens = sqliteTable('sign_in_tokens', {
  id: text('id').primaryKey(),
  keyId: text('key_id'),
  adminKeyCheck: text('admin_key_check'),
  createdAt: integer('created_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
});
