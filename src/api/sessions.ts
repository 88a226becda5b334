// The dashboard's session cookie: starting and ending sessions, and what a cookie stands for now
// (docs/dashboard.md, "Sign-in and sessions").
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import { deleteSession, insertSession, readSession, type StoredHolder, touchSession } from '../db/sessions';
import {
  type Holder,
  isLocalDevelopment,
  newSessionTimes,
  SESSION_IDLE_MS,
  SESSION_LIFETIME_MS,
  type SessionPrincipal,
  sessionStanding,
} from '../domain/auth/sessions';
import type { Env } from '../env';
import type { AppEnv } from './router';
import { adminKeyCheck, randomSecret, SECRET_FORMAT, sameHash, sha256Hex } from './secrets';

/** `__Host-edgeflow_session` when Secure (no Domain, Path=/, so no subdomain can plant or read it). */
const COOKIE = 'edgeflow_session';

function cookieOptions(c: Context): CookieOptions {
  const local = isLocalDevelopment(new URL(c.req.url));
  const always = { path: '/', httpOnly: true, sameSite: 'Strict' } as const;
  return local ? { ...always, secure: false } : { ...always, secure: true, prefix: 'host' };
}

/** The cookie's value as sent, if any (possibly stale or forged: `sessionPrincipal` decides). */
export function sessionCookie(c: Context): string | undefined {
  const prefix = cookieOptions(c).prefix;
  return (prefix ? getCookie(c, COOKIE, prefix) : getCookie(c, COOKIE)) || undefined;
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, COOKIE, cookieOptions(c));
}

/** Who a stored session or sign-in link speaks for, its admin check compared against its secret. */
export async function holderOf(stored: StoredHolder, secret: string, env: Env): Promise<Holder> {
  if (stored.keyId) return { kind: 'api_key', keyId: stored.keyId, key: stored.key };
  const adminKey = env.EDGEFLOW_API_KEY;
  const holds =
    !!adminKey &&
    !!stored.adminKeyCheck &&
    sameHash(stored.adminKeyCheck, await adminKeyCheck(secret, adminKey));
  return { kind: 'admin', adminKeyHolds: holds };
}

export type SessionResult = { kind: 'valid'; principal: SessionPrincipal } | { kind: 'ended' };

/**
 * The principal a session cookie stands for at `now`, its key rechecked: one SHA-256 and one D1 query
 * (session ⋈ key, both by primary key) per request, plus one for the configured admin key's sessions.
 * A session found dead is deleted, and a live one's last use recorded, after the response.
 */
export async function sessionPrincipal(
  env: Env,
  secret: string,
  now: number,
  inBackground: (work: Promise<unknown>) => void,
): Promise<SessionResult> {
  if (!SECRET_FORMAT.test(secret)) return { kind: 'ended' };
  const id = await sha256Hex(secret);
  const row = await readSession(env.DB, id);
  if (!row) return { kind: 'ended' };
  const standing = sessionStanding(
    { holder: await holderOf(row, secret, env), lastSeenAt: row.lastSeenAt, expiresAt: row.expiresAt },
    now,
  );
  if (standing.kind !== 'valid') {
    inBackground(deleteSession(env.DB, id).catch((error) => console.error('ending a session failed', error)));
    return { kind: 'ended' };
  }
  if (standing.touch) {
    inBackground(
      touchSession(env.DB, id, now).catch((error) => console.error('recording a session use failed', error)),
    );
  }
  return { kind: 'valid', principal: standing.principal };
}

/**
 * Starts a session for `principal` and sets its cookie; the secret exists only in the cookie. A
 * session this browser already had ends: signing in again replaces it.
 */
export async function startSession(c: Context<AppEnv>, principal: SessionPrincipal, now: number) {
  const secret = randomSecret();
  const adminKey = c.env.EDGEFLOW_API_KEY ?? '';
  const previous = sessionCookie(c);
  await insertSession(
    c.env.DB,
    {
      id: await sha256Hex(secret),
      keyId: principal.keyId,
      adminKeyCheck: principal.keyId ? null : await adminKeyCheck(secret, adminKey),
      ...newSessionTimes(now),
    },
    {
      idleSince: now - SESSION_IDLE_MS,
      replacing: previous && SECRET_FORMAT.test(previous) ? await sha256Hex(previous) : null,
    },
  );
  setCookie(c, COOKIE, secret, { ...cookieOptions(c), maxAge: SESSION_LIFETIME_MS / 1000 });
}

/** Ends the session the cookie names, if any, and clears the cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const secret = sessionCookie(c);
  if (secret && SECRET_FORMAT.test(secret)) await deleteSession(c.env.DB, await sha256Hex(secret));
  clearSessionCookie(c);
}
