// Dashboard sign-in and sign-out: a key, or a one-time link, starts a session held in a cookie
// (docs/dashboard.md, "Sign-in and sessions"). Public routes: each checks its own Origin.
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { consumeSignInToken, readSignInToken } from '../../db/sessions';
import {
  holderPrincipal,
  originRefusal,
  returnPath,
  type SessionPrincipal,
} from '../../domain/auth/sessions';
import type { Env } from '../../env';
import { backgroundOf, principalFor } from '../auth';
import { ApiError } from '../errors';
import type { AppEnv } from '../router';
import { SECRET_FORMAT, sha256Hex } from '../secrets';
import { endSession, holderOf, sessionCookie, startSession } from '../sessions';
import { type LinkHolder, SignInPage, type SignInPageProps } from '../sign-in-page';

const BAD_KEY = 'That key is invalid, expired or revoked.';
const BAD_LINK = 'This sign-in link has expired or was already used. Sign in with a key, or make a new link.';
const NOT_CONFIGURED = 'No API key is configured on this server (`wrangler secret put EDGEFLOW_API_KEY`).';

/** A form holds a key or a token and a return path: a few kilobytes at most. */
const MAX_FORM_BYTES = 16 * 1024;

/**
 * The page never leaves a token in a Referer to another site, is never cached or framed (a framed
 * Continue button could be clicked unawares), and runs no script. Not `no-referrer`: under it a
 * browser sends `Origin: null` with the form's POST, which the Origin rule must refuse.
 */
function page(c: Context<AppEnv>, props: SignInPageProps, status: 200 | 401 | 503) {
  c.header('cache-control', 'no-store');
  c.header('referrer-policy', 'same-origin');
  c.header('x-content-type-options', 'nosniff');
  c.header(
    'content-security-policy',
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  return c.html(`<!doctype html>${<SignInPage {...props} />}`, status);
}

/** A POST made by a form on another site (or a page on another port) must not sign anyone in or out. */
function requireOwnOrigin(c: Context<AppEnv>): void {
  const refusal = originRefusal(c.req.method, c.req.header('origin'), new URL(c.req.url).origin);
  if (refusal) throw new ApiError(403, refusal.code, refusal.message);
}

/** Whom an unused link signs in as, without using it; null for a used, expired or orphaned link. */
async function linkHolder(env: Env, token: string, now: number): Promise<LinkHolder | null> {
  if (!SECRET_FORMAT.test(token)) return null;
  const stored = await readSignInToken(env.DB, await sha256Hex(token), now);
  if (!stored) return null;
  const principal = holderPrincipal(await holderOf(stored, token, env), now);
  return principal && { keyName: stored.keyName, scope: principal.scope };
}

/** Uses a link (once): the principal of the key that made it, as that key stands now. */
async function linkPrincipal(env: Env, token: string, now: number): Promise<SessionPrincipal | null> {
  if (!SECRET_FORMAT.test(token)) return null;
  const stored = await consumeSignInToken(env.DB, await sha256Hex(token), now);
  return stored && holderPrincipal(await holderOf(stored, token, env), now);
}

const field = (form: Record<string, unknown>, name: string) =>
  typeof form[name] === 'string' ? form[name] : '';

export const signInRouter = new Hono<AppEnv>()
  // A GET changes nothing, a link's token included: the page asks to continue, and the POST uses it.
  .get('/signin', async (c) => {
    const next = returnPath(c.req.query('next'));
    const token = c.req.query('token');
    if (!c.env.EDGEFLOW_API_KEY) return page(c, { next, error: NOT_CONFIGURED }, 503);
    if (token === undefined) return page(c, { next }, 200);
    const holder = await linkHolder(c.env, token, Date.now());
    return holder ? page(c, { next, link: { token, holder } }, 200) : page(c, { next, error: BAD_LINK }, 401);
  })
  .post(
    '/signin',
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: () => {
        throw new ApiError(413, 'request.too_large', `A sign-in form is at most ${MAX_FORM_BYTES} bytes.`);
      },
    }),
    async (c) => {
      requireOwnOrigin(c);
      const form = await c.req.parseBody();
      const next = returnPath(field(form, 'next') || undefined);
      if (!c.env.EDGEFLOW_API_KEY) return page(c, { next, error: NOT_CONFIGURED }, 503);
      const now = Date.now();
      const token = field(form, 'token');
      const key = field(form, 'key').trim();
      const principal = token
        ? await linkPrincipal(c.env, token, now)
        : key && (await principalFor(key, c.env, now, backgroundOf(c)));
      if (!principal) return page(c, { next, error: token ? BAD_LINK : BAD_KEY }, 401);
      await startSession(c, principal, now);
      return c.redirect(next, 303);
    },
  )
  .post('/signout', async (c) => {
    if (sessionCookie(c)) requireOwnOrigin(c);
    await endSession(c);
    return c.redirect('/signin', 303);
  });
