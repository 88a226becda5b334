// One-time sign-in links (`npm run dev` prints one): made by an admin key, shown once, used once and
// only briefly, never carrying a key, and signing in as the key that made them (docs/dashboard.md).
import { exports } from 'cloudflare:workers';
import type { SignInTokenCreated } from 'edgeflow/protocol';
import { describe, expect, it, vi } from 'vitest';
import { ADMIN_KEY, api } from './api';

const SITE = 'http://edgeflow.test';

async function makeLink(key = ADMIN_KEY): Promise<SignInTokenCreated> {
  const { status, body } = await api<SignInTokenCreated>('POST', '/sign_in_tokens', undefined, key);
  expect(status).toBe(201);
  return body;
}

/** Posts the link's Continue form; `origin: null` sends none. */
function useLink(token: string, origin: string | null = SITE) {
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
  if (origin) headers.set('origin', origin);
  return exports.default.fetch(`${SITE}/signin`, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  });
}

const openPage = (url: string) => exports.default.fetch(url, { redirect: 'manual' });

describe('one-time sign-in links', () => {
  it('are made by an admin key as a /signin link carrying a token, not the key', async () => {
    const link = await makeLink();
    const url = new URL(link.sign_in_url);
    expect(url.origin + url.pathname).toBe(`${SITE}/signin`);
    expect(url.searchParams.get('token')).toBe(link.token);
    expect(link.sign_in_url).not.toContain(ADMIN_KEY);
    expect(Date.parse(link.expires_at) - Date.now()).toBeLessThanOrEqual(15 * 60 * 1000);
  });

  it('are refused to agent and read keys', async () => {
    for (const scope of ['agent', 'read'] as const) {
      const { body } = await api<{ key: string }>('POST', '/api_keys', { name: `${scope} key`, scope });
      expect((await api('POST', '/sign_in_tokens', undefined, body.key)).status).toBe(403);
    }
  });

  it('open a page that asks to continue, changing nothing: the token works only when POSTed', async () => {
    const link = await makeLink();
    const page = await openPage(link.sign_in_url);
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie()).toEqual([]);
    // Not no-referrer, under which browsers send the form's POST with `Origin: null`.
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    const html = await page.text();
    expect(html).toContain(`<input type="hidden" name="token" value="${link.token}"/>`);
    expect(html).toContain('Continue');
    // Opening it again still works: the GET did not use it up.
    expect((await openPage(link.sign_in_url)).status).toBe(200);
    const used = await useLink(link.token);
    expect(used.status).toBe(303);
    expect(used.headers.getSetCookie()[0]).toMatch(/^__Host-edgeflow_session=/);
  });

  it('work once: a second use is refused', async () => {
    const link = await makeLink();
    expect((await useLink(link.token)).status).toBe(303);
    const again = await useLink(link.token);
    expect(again.status).toBe(401);
    expect(again.headers.getSetCookie()).toEqual([]);
    expect((await openPage(link.sign_in_url)).status).toBe(401);
  });

  it('stop working when they expire, after 15 minutes', async () => {
    const link = await makeLink();
    // The Worker runs in this isolate: moving its clock is the wait.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.parse(link.expires_at) });
    try {
      const page = await openPage(link.sign_in_url);
      expect(page.status).toBe(401);
      expect(await page.text()).toContain('expired or was already used');
      expect((await useLink(link.token)).status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('need the Origin like any sign-in, and are not used up by a refused attempt', async () => {
    const link = await makeLink();
    expect((await useLink(link.token, null)).status).toBe(403);
    expect((await useLink(link.token, 'http://evil.test')).status).toBe(403);
    expect((await useLink(link.token)).status).toBe(303);
  });

  it('sign in as the key that made them, and die with it', async () => {
    const admin = await api<{ id: string; key: string }>('POST', '/api_keys', {
      name: 'linker',
      scope: 'admin',
    });
    const link = await makeLink(admin.body.key);
    expect(await (await openPage(link.sign_in_url)).text()).toContain('the key “linker” (admin)');
    const revoked = await makeLink(admin.body.key);
    const used = await useLink(link.token);
    const cookie = used.headers.getSetCookie()[0]!.split(';')[0]!;
    const keys = await exports.default.fetch(`${SITE}/api/api_keys`, { headers: { cookie } });
    expect(keys.status).toBe(200);
    expect((await api('DELETE', `/api_keys/${admin.body.id}`)).status).toBe(204);
    expect((await useLink(revoked.token)).status).toBe(401);
    expect((await exports.default.fetch(`${SITE}/api/api_keys`, { headers: { cookie } })).status).toBe(401);
  });

  it('refuse a token that was never issued', async () => {
    expect((await openPage(`${SITE}/signin?token=${'A'.repeat(43)}`)).status).toBe(401);
    expect((await openPage(`${SITE}/signin?token=short`)).status).toBe(401);
    expect((await useLink('A'.repeat(43))).status).toBe(401);
  });
});
