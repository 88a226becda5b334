// Bearer-key authentication and scope checks for the API under /api and the dashboard's pages.
import type { Context, MiddlewareHandler } from 'hono';
import { readApiKeyCredentials, recordApiKeyUse } from '../db/api-keys';
import { type RouteScope, scopeSatisfies } from '../domain/auth/scopes';
import { ApiError } from './errors';
import { declaredScope, matchedRouteKey, type RouteScopeTable, routeScopeTable } from './route-scopes';
import type { AppEnv, Principal } from './router';

/**
 * Routes anyone may call; webhooks carry their own secret. They also declare `security: []`, and a test
 * holds the two in step (docs/api-scopes.md).
 */
const PUBLIC_ROUTES: { method: string; pattern: RegExp }[] = [
  { method: 'GET', pattern: /^\/api\/health$/ },
  { method: 'POST', pattern: /^\/api\/webhooks\/[^/]+$/ },
];

/**
 * The dashboard's pages (every path outside /api) only read; each change they offer is a call to /api,
 * held to that route's scope (docs/dashboard.md).
 */
const DASHBOARD_PAGE: RouteScope = { kind: 'key', scope: 'read' };

/**
 * A validated key is trusted for this long in this isolate, to spare D1 a read per request. Entries are
 * keyed by the token itself, so a hit costs no hashing either (two SHA-256 digests per request were a
 * visible share of a request's CPU locally); only valid keys are cached, and at most this many.
 */
const KEY_CACHE_MS = 30_000;
const KEY_CACHE_MAX = 1_000;
const keyCache = new Map<string, { principal: Principal; until: number }>();

export function forgetCachedKey(keyId: string): void {
  for (const [token, entry] of keyCache) if (entry.principal.keyId === keyId) keyCache.delete(token);
}

function remember(token: string, principal: Principal, until: number): void {
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(token, { principal, until });
}

/** The configured admin key's hash, computed once per isolate (and again if the secret changes). */
let adminHash: { key: string; hash: Promise<string> } | null = null;
function adminKeyHash(key: string): Promise<string> {
  if (adminHash?.key !== key) adminHash = { key, hash: sha256Hex(key) };
  return adminHash.hash;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function sameHash(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right);
}

/** A key's `last_used_at` is as fresh as its last check against D1: at most a cache period old. */
function noteKeyUsed(env: AppEnv['Bindings'], keyId: string, now: number): Promise<unknown> {
  return recordApiKeyUse(env.DB, keyId, new Date(now).toISOString()).catch((error) =>
    console.error('recording an API key use failed', error),
  );
}

async function principalFor(
  token: string,
  env: AppEnv['Bindings'],
  now: number,
  inBackground: (work: Promise<unknown>) => void,
): Promise<Principal | null> {
  const cached = keyCache.get(token);
  // An admin entry stands only while the configured key is the one it was checked against.
  const stillAdmin = cached?.principal.keyId !== null || adminHash?.key === env.EDGEFLOW_API_KEY;
  if (cached && cached.until > now && stillAdmin) return cached.principal;
  keyCache.delete(token);

  const hash = await sha256Hex(token);
  if (sameHash(hash, await adminKeyHash(env.EDGEFLOW_API_KEY ?? ''))) {
    const principal: Principal = { scope: 'admin', keyId: null };
    remember(token, principal, now + KEY_CACHE_MS);
    return principal;
  }

  const match = /^ef_([0-9a-f]{12})_[A-Za-z0-9_-]{20,}$/.exec(token);
  if (!match) return null;
  const row = await readApiKeyCredentials(env.DB, match[1]!);
  if (!row || row.revokedAt || !sameHash(hash, row.hash)) return null;
  const expires = row.expiresAt ? Date.parse(row.expiresAt) : Number.POSITIVE_INFINITY;
  if (expires <= now) return null;
  const principal: Principal = { scope: row.scope, keyId: row.id };
  inBackground(noteKeyUsed(env, row.id, now));
  // Never trust a cached key past its own expiry.
  remember(token, principal, Math.min(now + KEY_CACHE_MS, expires));
  return principal;
}

/** Hands work to the request's `waitUntil`; where there is none (a bare `app.fetch`), it just runs. */
function backgroundOf(c: Context<AppEnv>): (work: Promise<unknown>) => void {
  try {
    const context = c.executionCtx;
    return (work) => context.waitUntil(work);
  } catch {
    return () => undefined;
  }
}

/**
 * Authenticates every request that reaches the Worker but the public ones, then holds the key to the
 * scope its route declares. `routes` is the app's OpenAPI registry, read at the first request, once
 * every router is mounted. A route that declares no scope is refused to every key: it fails closed.
 */
export function authenticate(routes: () => Parameters<typeof routeScopeTable>[0]): MiddlewareHandler<AppEnv> {
  let scopes: RouteScopeTable | undefined;
  return async (c, next) => {
    const method = c.req.method;
    const path = c.req.path;
    if (PUBLIC_ROUTES.some((route) => route.method === method && route.pattern.test(path))) return next();

    if (!c.env.EDGEFLOW_API_KEY) {
      throw new ApiError(
        503,
        'auth.not_configured',
        'No API key is configured: set one with `wrangler secret put EDGEFLOW_API_KEY`. The API refuses to run open.',
      );
    }
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (!token)
      throw new ApiError(401, 'auth.missing_key', 'Send an API key as `Authorization: Bearer <key>`.');
    const principal = await principalFor(token, c.env, Date.now(), backgroundOf(c));
    if (!principal)
      throw new ApiError(401, 'auth.invalid_key', 'The API key is invalid, expired or revoked.');

    scopes ??= routeScopeTable(routes());
    const route = matchedRouteKey(c);
    // No route answers this request: let it reach the 404.
    if (route) {
      const declared = path.startsWith('/api/') ? declaredScope(scopes, route) : DASHBOARD_PAGE;
      if (declared.kind !== 'key') {
        throw new ApiError(
          403,
          'auth.undeclared_scope',
          `${route} declares no scope, so no key may call it.`,
        );
      }
      if (!scopeSatisfies(principal.scope, declared.scope)) {
        throw new ApiError(
          403,
          'auth.forbidden',
          `${method} ${path} takes a key with scope "${declared.scope}" (or above); this key's scope is "${principal.scope}".`,
        );
      }
    }
    c.set('principal', principal);
    return next();
  };
}
