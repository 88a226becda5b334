// What an API key's scope lets it call. Scopes nest, admin ⊃ agent ⊃ read; each route declares the
// scope it takes in its OpenAPI `security` (docs/api-scopes.md).
import { API_KEY_SCOPES, type ApiKeyScope } from 'edgeflow/protocol';

const RANK: Record<ApiKeyScope, number> = { read: 0, agent: 1, admin: 2 };

/** Whether a key of scope `held` may call a route that takes `required`. */
export function scopeSatisfies(held: ApiKeyScope, required: ApiKeyScope): boolean {
  return RANK[held] >= RANK[required];
}

/** What a route declares: callable without a key, a key of at least this scope, or nothing usable. */
export type RouteScope = { kind: 'public' } | { kind: 'key'; scope: ApiKeyScope } | { kind: 'undeclared' };

type Security = readonly Readonly<Record<string, readonly string[]>>[];

/**
 * Reads a route's OpenAPI `security`: `[]` is public, `[{ bearer: [scope] }]` takes that scope. A route
 * without `security` would inherit the document's default and say nothing of its scope, so it, and any
 * other shape, is undeclared: the auth check refuses it.
 */
export function routeScopeOf(security: Security | undefined): RouteScope {
  if (!security) return { kind: 'undeclared' };
  if (security.length === 0) return { kind: 'public' };
  const [only] = security;
  const scopes = security.length === 1 && only ? Object.entries(only) : [];
  const [scheme, [scope, ...more] = []] = scopes[0] ?? [];
  const known = (API_KEY_SCOPES as readonly string[]).includes(scope ?? '');
  if (scopes.length !== 1 || scheme !== 'bearer' || more.length > 0 || !known) return { kind: 'undeclared' };
  return { kind: 'key', scope: scope as ApiKeyScope };
}
