// Authentication and scope checks for everything the Worker serves: a Bearer key, or the dashboard's
// session cookie (docs/api-scopes.md, docs/dashboard.md).
import type { Context, MiddlewareHandler } from 'hono';
import { readApiKeyCredentials, recordApiKeyUse } from '../db/api-keys';
import { scopeSatisfies } from '../domain/auth/scopes';
import { originRefusal, returnPath } from '../domain/auth/sessions';
import { ApiError } from './errors';
import { declaredScope, matchedRouteKey, type RouteScopeTable, routeScopeTable } from './route-scopes';
import type { AppEnv, Principal } from './router';
import { adminKeyHash, isCachedAdminKey, sameHash, sha256Hex } from './secrets';
import { clearSessionCookie, sessionCookie, sessionPrincipal } from './sessions';

/**
 * What anyone may request; webhooks carry their own secret, and sign-in and sign-out check their own
 * Origin. The API routes among them also declare `security: []`, and a test holds the two in step
 * (docs/api-scopes.md). Static assets are served before the Worker runs; one that reaches it needs no
 * session either.
 */
const PUBLIC_ROUTES: { method: string; pattern: RegExp }[] = [
  { method: 'GET', pattern: /^\/api\/health$/ },
  { method: 'POST', pattern: /^\/api\/webhooks\/[^/]+$/ },
  { method: 'GET', pattern: /^\/signin$/ },
  { method: 'POST', pattern: /^\/signin$/ },
  { method: 'POST', pattern: /^\/signout$/ },
  { method: 'GET', pattern: /^\/static\// },
];

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

/** A key's `last_used_at` is as fresh as its last check against D1: at most a cache period old. */
function noteKeyUsed(env: AppEnv['Bindings'], keyId: string, now: number): Promise<unknown> {
  return recordApiKeyUse(env.DB, keyId, new Date(now).toISOString()).catch((error) =>
    console.error('recording an API key use failed', error),
  );
}

/** The principal a Bearer key stands for, or null for a key that is not (or no longer) valid. */
export async function principalFor(
  token: string,
  env: AppEnv['Bindings'],
  now: number,
  inBackground: (work: Promise<unknown>) => void,
): Promise<Principal | null> {
  const cached = keyCache.get(token);
  // An admin entry stands only while the configured key is the one it was checked against.
  const stillAdmin = cached?.principal.keyId !== null || isCachedAdminKey(env.EDGEFLOW_API_KEY);
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
export function backgroundOf(c: Context<AppEnv>): (work: Promise<unknown>) => void {
  try {
    const context = c.executionCtx;
    return (work) => context.waitUntil(work);
  } catch {
    return () => undefined;
  }
}

const isApiPath = (path: string) => path === '/api' || path.startsWith('/api/');

/**
 * No valid credential: a page request goes to the sign-in page (and back here after it), anything
 * else gets the API's 401. A dead session's cookie is cleared on the way.
 */
function signInFirst(
  c: Context<AppEnv>,
  refusal: { code: string; message: string },
  options: { clearCookie: boolean },
): Response {
  if (options.clearCookie) clearSessionCookie(c);
  const page = !isApiPath(c.req.path) && (c.req.method === 'GET' || c.req.method === 'HEAD');
  if (!page) throw new ApiError(401, refusal.code, refusal.message);
  const url = new URL(c.req.url);
  const back = returnPath(url.pathname + url.search);
  return c.redirect(back === '/' ? '/signin' : `/signin?next=${encodeURIComponent(back)}`, 303);
}

const MISSING_KEY = {
  code: 'auth.missing_key',
  message: 'Send an API key as `Authorization: Bearer <key>`, or sign in to the dashboard at /signin.',
};
const SESSION_ENDED = {
  code: 'auth.session_ended',
  message:
    'The session has ended (signed out, expired, or its key revoked or changed): sign in again at /signin.',
};

/**
 * Who the request speaks for: a Bearer key if it sends an Authorization header, else the session
 * cookie, which may change something only from this server's own origin. A Response is the way to
 * the sign-in page.
 */
async function principalOf(c: Context<AppEnv>): Promise<Principal | Response> {
  const header = c.req.header('authorization');
  if (header === undefined) {
    const secret = sessionCookie(c);
    if (!secret) return signInFirst(c, MISSING_KEY, { clearCookie: false });
    // Before the session is looked up: a cross-origin attempt costs no D1 query.
    const refusal = originRefusal(c.req.method, c.req.header('origin'), new URL(c.req.url).origin);
    if (refusal) throw new ApiError(403, refusal.code, refusal.message);
    const session = await sessionPrincipal(c.env, secret, Date.now(), backgroundOf(c));
    if (session.kind === 'ended') return signInFirst(c, SESSION_ENDED, { clearCookie: true });
    return session.principal;
  }
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
  if (!token) throw new ApiError(401, MISSING_KEY.code, MISSING_KEY.message);
  const principal = await principalFor(token, c.env, Date.now(), backgroundOf(c));
  if (!principal) throw new ApiError(401, 'auth.invalid_key', 'The API key is invalid, expired or revoked.');
  return principal;
}

/**
 * Authenticates every request but the public ones, then holds the key to the scope its route
 * declares. `routes` is the app's OpenAPI registry, read at the first request, once every router is
 * mounted. An API route that declares no scope is refused to every key: it fails closed. Dashboard
 * pages (outside /api) answer GET only, to any key (`read` and up); changes go through the API.
 */
export function authenticate(routes: () => Parameters<typeof routeScopeTable>[0]): MiddlewareHandler<AppEnv> {
  let scopes: RouteScopeTable | undefined;
  return async (c, next) => {
    // HEAD is answered by the GET route.
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const path = c.req.path;
    if (PUBLIC_ROUTES.some((route) => route.method === method && route.pattern.test(path))) return next();

    if (!c.env.EDGEFLOW_API_KEY) {
      throw new ApiError(
        503,
        'auth.not_configured',
        'No API key is configured: set one with `wrangler secret put EDGEFLOW_API_KEY`. The API refuses to run open.',
      );
    }
    const principal = await principalOf(c);
    if (principal instanceof Response) return principal;

    scopes ??= routeScopeTable(routes());
    const route = matchedRouteKey(c);
    // No route answers this request: let it reach the 404.
    if (route && !isApiPath(path) && method !== 'GET') {
      throw new ApiError(
        403,
        'auth.undeclared_scope',
        `${route}: dashboard pages answer GET only; changes go through the API.`,
      );
    }
    if (route && isApiPath(path)) {
      const declared = declaredScope(scopes, route);
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
