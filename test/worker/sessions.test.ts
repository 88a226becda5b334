// Dashboard sign-in: a key starts a session held in a cookie, which the API accepts beside the Bearer
// header, rechecking its key every time, and which may change things only from the server's own
// origin (docs/dashboard.md, "Sign-in and sessions").
import { createExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { ADMIN_KEY, api } from './api';

const SITE = 'http://edgeflow.test';
const LOCAL = 'http://127.0.0.1:8787';

interface Call {
  method?: string;
  cookie?: string;
  origin?: string;
  form?: Record<string, string>;
  json?: unknown;
}

function send(url: string, { method = 'GET', cookie, origin, form, json }: Call = {}) {
  const headers = new Headers();
  if (cookie) headers.set('cookie', cookie);
  if (origin) headers.set('origin', origin);
  let body: string | undefined;
  if (form) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
    body = new URLSearchParams(form).toString();
  } else if (json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(json);
  }
  return exports.default.fetch(url, { method, headers, body, redirect: 'manual' });
}

/** The session cookie a response sets, as a browser would send it back (`name=value`). */
function sessionCookieOf(response: Response): string | undefined {
  const set = response.headers.getSetCookie().find((line) => /edgeflow_session=[^;]/.test(line));
  return set?.split(';')[0];
}

async function signIn(key: string, base = SITE): Promise<string> {
  const response = await send(`${base}/signin`, { method: 'POST', origin: base, form: { key } });
  expect(response.status).toBe(303);
  const cookie = sessionCookieOf(response);
  expect(cookie).toBeDefined();
  return cookie!;
}

async function createKey(scope: 'admin' | 'agent' | 'read') {
  const { status, body } = await api<{ id: string; key: string }>('POST', '/api_keys', {
    name: `${scope} dashboard key`,
    scope,
  });
  expect(status).toBe(201);
  return body;
}

const filterRuns = (cookie: string, origin?: string) =>
  send(`${SITE}/api/flow_runs/filter`, { method: 'POST', cookie, origin, json: { limit: 1 } });

describe('signing in with a key', () => {
  it('starts a session: 303 to the dashboard and an HttpOnly, SameSite=Strict, Secure host-only cookie', async () => {
    const { key } = await createKey('read');
    const response = await send(`${SITE}/signin`, { method: 'POST', origin: SITE, form: { key } });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
    const [line] = response.headers.getSetCookie();
    expect(line).toMatch(
      /^__Host-edgeflow_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(await response.text()).not.toContain(key);
  });

  it('on local dev (http to 127.0.0.1 or localhost) sets the cookie without Secure, which http could not return', async () => {
    for (const base of [LOCAL, 'http://localhost:8787']) {
      const response = await send(`${base}/signin`, {
        method: 'POST',
        origin: base,
        form: { key: ADMIN_KEY },
      });
      const [line] = response.headers.getSetCookie();
      expect(line).toMatch(
        /^edgeflow_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/,
      );
    }
  });

  it('refuses a wrong key with the page again (401), and no cookie', async () => {
    const response = await send(`${SITE}/signin`, {
      method: 'POST',
      origin: SITE,
      form: { key: 'not-a-key' },
    });
    expect(response.status).toBe(401);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await response.text()).toContain('That key is invalid, expired or revoked.');
  });

  it('returns to the page that asked, and never to another site', async () => {
    const back = await send(`${SITE}/signin`, {
      method: 'POST',
      origin: SITE,
      form: { key: ADMIN_KEY, next: '/runs?state=FAILED' },
    });
    expect(back.headers.get('location')).toBe('/runs?state=FAILED');
    const away = await send(`${SITE}/signin`, {
      method: 'POST',
      origin: SITE,
      form: { key: ADMIN_KEY, next: '//evil.test/' },
    });
    expect(away.headers.get('location')).toBe('/');
  });

  it('serves a labelled key form that is never cached, framed or scripted', async () => {
    const response = await send(`${SITE}/signin?next=/runs`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<label for="key">API key</label>');
    expect(html).toMatch(/<input id="key" name="key" type="password"/);
    expect(html).toContain('<input type="hidden" name="next" value="/runs"/>');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('content-security-policy')).not.toContain('script-src');
  });
});

describe('the session on every request', () => {
  it('is accepted on /api beside the Bearer header', async () => {
    const cookie = await signIn(ADMIN_KEY);
    const response = await send(`${SITE}/api/openapi.json`, { cookie });
    expect(response.status).toBe(200);
    expect((await filterRuns(cookie, SITE)).status).toBe(200);
  });

  it('sends a page request without a session to sign in, while /api answers 401 JSON', async () => {
    const page = await send(`${SITE}/runs?state=FAILED`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(`/signin?next=${encodeURIComponent('/runs?state=FAILED')}`);
    const call = await send(`${SITE}/api/openapi.json`);
    expect(call.status).toBe(401);
    expect(await call.json()).toMatchObject({ code: 'auth.missing_key' });
  });

  it('lets a signed-in page request through to its route', async () => {
    const cookie = await signIn(ADMIN_KEY);
    const response = await send(`${SITE}/no-such-page`, { cookie });
    expect(response.status).toBe(404);
  });

  it('ends at once when its key is revoked, and clears the cookie', async () => {
    const { id, key } = await createKey('agent');
    const cookie = await signIn(key);
    expect((await send(`${SITE}/api/openapi.json`, { cookie })).status).toBe(200);
    expect((await api('DELETE', `/api_keys/${id}`)).status).toBe(204);
    const response = await send(`${SITE}/api/openapi.json`, { cookie });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'auth.session_ended' });
    expect(response.headers.getSetCookie()[0]).toMatch(/^__Host-edgeflow_session=; Max-Age=0/);
    const page = await send(`${SITE}/`, { cookie });
    expect(page.headers.get('location')).toBe('/signin');
  });

  it('signed in with the configured admin key, ends when that key is changed', async () => {
    const cookie = await signIn(ADMIN_KEY);
    const withAdminKey = (key: string) =>
      worker.fetch(
        new Request(`${SITE}/api/openapi.json`, { headers: { cookie } }),
        { ...env, EDGEFLOW_API_KEY: key },
        createExecutionContext(),
      );
    expect((await withAdminKey(ADMIN_KEY)).status).toBe(200);
    const response = await withAdminKey('a-new-admin-key');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'auth.session_ended' });
  });

  it('ends after two idle hours', async () => {
    const cookie = await signIn(ADMIN_KEY);
    // The Worker runs in this isolate: moving its clock is the wait.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * 60 * 60 * 1000 });
    try {
      const response = await send(`${SITE}/api/openapi.json`, { cookie });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: 'auth.session_ended' });
    } finally {
      vi.useRealTimers();
    }
  });

  it("gives a read key's session every GET and filter, and refuses it every change", async () => {
    const { key } = await createKey('read');
    const cookie = await signIn(key);
    expect((await filterRuns(cookie, SITE)).status).toBe(200);
    const create = await send(`${SITE}/api/flows`, {
      method: 'POST',
      cookie,
      origin: SITE,
      json: { name: 'from-a-read-session' },
    });
    expect(create.status).toBe(403);
    expect(await create.json()).toMatchObject({ code: 'auth.forbidden' });
    const link = await send(`${SITE}/api/sign_in_tokens`, { method: 'POST', cookie, origin: SITE });
    expect(link.status).toBe(403);
  });
});

describe('the Origin of a change carried by the cookie', () => {
  it('is required: without one the change is refused with 403 naming the header', async () => {
    const cookie = await signIn(ADMIN_KEY);
    const response = await filterRuns(cookie);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'auth.origin_missing' });
  });

  it('must be the exact origin: another site, scheme or port is refused', async () => {
    const cookie = await signIn(ADMIN_KEY);
    for (const origin of ['http://evil.test', 'https://edgeflow.test', 'http://edgeflow.test:8080']) {
      const response = await filterRuns(cookie, origin);
      expect(response.status, origin).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'auth.origin_mismatch' });
    }
  });

  it('includes the port locally too', async () => {
    const cookie = await signIn(ADMIN_KEY, LOCAL);
    const call = (origin: string) =>
      send(`${LOCAL}/api/flow_runs/filter`, { method: 'POST', cookie, origin, json: { limit: 1 } });
    expect((await call('http://127.0.0.1:8788')).status).toBe(403);
    expect((await call('http://localhost:8787')).status).toBe(403);
    expect((await call(LOCAL)).status).toBe(200);
  });

  it('is checked on sign-in itself, before any key is looked at', async () => {
    for (const origin of [undefined, 'http://evil.test', 'http://edgeflow.test:8080']) {
      const response = await send(`${SITE}/signin`, { method: 'POST', origin, form: { key: ADMIN_KEY } });
      expect(response.status, String(origin)).toBe(403);
      expect(response.headers.getSetCookie()).toEqual([]);
    }
  });

  it('does not apply to a Bearer key, which no browser sends by itself', async () => {
    const { status } = await api('POST', '/flow_runs/filter', { limit: 1 });
    expect(status).toBe(200);
  });
});

describe('signing out', () => {
  it('ends the session and clears the cookie', async () => {
    const cookie = await signIn(ADMIN_KEY);
    const response = await send(`${SITE}/signout`, { method: 'POST', cookie, origin: SITE });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/signin');
    expect(response.headers.getSetCookie()[0]).toMatch(/^__Host-edgeflow_session=; Max-Age=0/);
    expect((await send(`${SITE}/api/openapi.json`, { cookie })).status).toBe(401);
  });

  it('needs the same Origin as any other change, and leaves the session alone without it', async () => {
    const cookie = await signIn(ADMIN_KEY);
    const response = await send(`${SITE}/signout`, { method: 'POST', cookie, origin: 'http://evil.test' });
    expect(response.status).toBe(403);
    expect((await send(`${SITE}/api/openapi.json`, { cookie })).status).toBe(200);
  });

  it('signing in again replaces the session this browser had', async () => {
    const first = await signIn(ADMIN_KEY);
    const response = await send(`${SITE}/signin`, {
      method: 'POST',
      cookie: first,
      origin: SITE,
      form: { key: ADMIN_KEY },
    });
    const second = sessionCookieOf(response)!;
    expect(second).not.toBe(first);
    expect((await send(`${SITE}/api/openapi.json`, { cookie: first })).status).toBe(401);
    expect((await send(`${SITE}/api/openapi.json`, { cookie: second })).status).toBe(200);
  });
});
