// Dashboard sessions: how long a session and a sign-in link live, whether a stored one still stands,
// when a cookie may act (its Origin), and where to return after sign-in (docs/dashboard.md).
import type { ApiKeyScope } from 'edgeflow/protocol';

/** A session ends this long after its last request… */
export const SESSION_IDLE_MS = 2 * 60 * 60 * 1000;
/** …and at the latest this long after sign-in, however busy: a working day. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** `last_seen_at` is rewritten at most this often: idle expiry is exact to within this much. */
export const SESSION_TOUCH_MS = 5 * 60 * 1000;
/** A one-time sign-in link works this long, and once. */
export const SIGN_IN_TOKEN_MS = 15 * 60 * 1000;

/** The key a session or sign-in link belongs to, as the index holds it now. */
export interface KeyStanding {
  scope: ApiKeyScope;
  revokedAt: string | null;
  expiresAt: string | null;
}

/**
 * Who a session or a sign-in link speaks for. `keyId` null is the configured admin key, which has no
 * row: it stands while the admin key is the one it was made with (`adminKeyHolds`).
 */
export type Holder =
  | { kind: 'api_key'; keyId: string; key: KeyStanding | null }
  | { kind: 'admin'; adminKeyHolds: boolean };

export interface SessionPrincipal {
  scope: ApiKeyScope;
  keyId: string | null;
}

/** The principal a holder stands for now; null once its key is revoked, expired, deleted or changed. */
export function holderPrincipal(holder: Holder, now: number): SessionPrincipal | null {
  if (holder.kind === 'admin') return holder.adminKeyHolds ? { scope: 'admin', keyId: null } : null;
  const { key } = holder;
  if (!key || key.revokedAt) return null;
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return null;
  return { scope: key.scope, keyId: holder.keyId };
}

export interface StoredSession {
  holder: Holder;
  lastSeenAt: number;
  expiresAt: number;
}

export type SessionStanding =
  | { kind: 'valid'; principal: SessionPrincipal; touch: boolean }
  | { kind: 'expired' }
  | { kind: 'key_invalid' };

/** Whether a stored session still signs its holder in at `now`, and whether to record this use. */
export function sessionStanding(session: StoredSession, now: number): SessionStanding {
  if (now >= session.expiresAt || now >= session.lastSeenAt + SESSION_IDLE_MS) return { kind: 'expired' };
  const principal = holderPrincipal(session.holder, now);
  if (!principal) return { kind: 'key_invalid' };
  return { kind: 'valid', principal, touch: now - session.lastSeenAt >= SESSION_TOUCH_MS };
}

/** The times a session started at `now` keeps. */
export function newSessionTimes(now: number): { createdAt: number; lastSeenAt: number; expiresAt: number } {
  return { createdAt: now, lastSeenAt: now, expiresAt: now + SESSION_LIFETIME_MS };
}

/** Methods that change nothing, so a cookie may carry them from anywhere (links, reloads). */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

export type OriginRefusal = { code: 'auth.origin_missing' | 'auth.origin_mismatch'; message: string };

/**
 * A request the browser sent with the session cookie may change something only when its `Origin` is
 * exactly this server's (scheme, host and port): SameSite=Strict already keeps other sites' requests
 * cookieless, and this holds even for a sibling site or another port on the same host.
 */
export function originRefusal(
  method: string,
  origin: string | undefined,
  serverOrigin: string,
): OriginRefusal | null {
  if (SAFE_METHODS.has(method.toUpperCase())) return null;
  if (!origin) {
    return {
      code: 'auth.origin_missing',
      message: `A ${method} signed in by the session cookie needs an Origin header (${serverOrigin}); send an API key as \`Authorization: Bearer <key>\` from scripts.`,
    };
  }
  if (origin !== serverOrigin) {
    return {
      code: 'auth.origin_mismatch',
      message: `A ${method} signed in by the session cookie must come from ${serverOrigin}, not from ${origin.slice(0, 200)}.`,
    };
  }
  return null;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Local development is plain http to a loopback address (`npm run dev`, `npm run server`): there the
 * cookie can't be Secure, for a browser would never send it back. Anywhere else it is Secure: a
 * deployed Worker is reached over https.
 */
export function isLocalDevelopment(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * Where sign-in returns to: a path on this server only (`/runs?state=FAILED`), never another site
 * (`//evil.test`, `/\evil.test`, `https://…`), so the sign-in page can't be made to redirect away.
 */
export function returnPath(next: string | undefined): string {
  if (!next || next.length > 2000 || !next.startsWith('/')) return '/';
  if (next.startsWith('//') || next.startsWith('/\\')) return '/';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (/[\u0000-\u001f\u007f]/.test(next)) return '/';
  return next;
}
