// The Events, Automations, Blocks, Variables and Artifacts pages in a real browser (Debian's Chromium
// through playwright-core) against the real local server: the events feed following the stream live,
// an automation created from the JSON editor (a refusal shown by its field), firing, paused, edited and
// deleted, a block made from its schema's form whose secret never reaches a page, and a read key with
// no write controls; each page saved as a screenshot (docs/dashboard.md).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  markDocument,
  screenshot,
  signedIn,
  stillSameDocument,
  waitForText,
} from './browser.ts';
import { DEV_KEY, type LocalServer, startServer, waitUntil } from './harness.ts';

let server: LocalServer;
let browser: Browser;
let admin: BrowserContext;
let reader: BrowserContext;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

function emit(name: string, resource: string, payload: Record<string, unknown> = {}) {
  return api('POST', '/events', [
    {
      id: crypto.randomUUID(),
      occurred: new Date().toISOString(),
      event: name,
      resource: { 'prefect.resource.id': resource, 'prefect.resource.name': 'shop' },
      related: [{ 'prefect.resource.id': 'prefect.tag.nightly', 'prefect.resource.role': 'tag' }],
      payload,
    },
  ]);
}

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  const response = await page.goto(path);
  expect(response?.status(), path).toBe(200);
  return page;
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  admin = await signedIn(browser, server, DEV_KEY);
  const { key } = await api<{ key: string }>('POST', '/api_keys', { name: 'pages reader', scope: 'read' });
  reader = await signedIn(browser, server, key);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('dashboard pages: events, automations, blocks', () => {
  it('shows new events live as the stream brings them, filtered, and keeps an expanded event open', async () => {
    const tag = unique('orders');
    await emit(`${tag}.placed`, `shop.order.${tag}-1`, { total: 12 });
    const page = await open(admin, `/events?prefix=${tag}.`);
    await markDocument(page);
    await page.waitForSelector('#feed-status[data-state="live"]');
    await page.click(`summary:has-text("${tag}.placed")`);
    await waitForText(page, '.events-region details[open] .event-body', /"total": 12/);

    await emit(`${tag}.shipped`, `shop.order.${tag}-1`, { carrier: 'post' });
    await emit(`other-${tag}.ignored`, `shop.order.${tag}-1`);
    await waitForText(page, '.events-region', new RegExp(`${tag}\\.shipped`));
    expect(await stillSameDocument(page)).toBe(true);
    expect(await page.textContent('.events-region')).not.toContain(`other-${tag}`);
    // The event the reader had expanded is still expanded after the feed re-rendered.
    expect(await page.locator(`details[open] summary:has-text("${tag}.placed")`).count()).toBe(1);
    await screenshot(page, 'events');

    await page.fill('input[name="resource"]', `shop.order.${tag}-2`);
    await Promise.all([page.waitForURL(/resource=/), page.click('form.filters button[type="submit"]')]);
    await waitForText(page, '.events-region', /No events match/);
    await page.close();
  });

  it('creates an automation from the JSON editor, showing a refusal by its field, then it fires, pauses, is edited and deleted', async () => {
    const tag = unique('ping');
    const page = await open(admin, '/automations/new');
    await page.fill('#automation-name', tag);
    await page.fill(
      '#automation-trigger',
      JSON.stringify({ type: 'event', posture: 'Sometimes', expect: [`${tag}.seen`] }),
    );
    await page.fill(
      '#automation-actions',
      JSON.stringify([{ type: 'do-nothing' }, { type: 'call-webhook', url: 'http://127.0.0.1:9/hook' }]),
    );
    await page.click('form.fields button[type="submit"]');
    await waitForText(page, '#automation-trigger-error', /trigger\.posture/);
    expect(await page.getAttribute('#automation-trigger', 'aria-invalid')).toBe('true');
    expect(
      await api<unknown[]>('POST', '/automations/filter', { automations: { name: { any_: [tag] } } }),
    ).toEqual([]);
    await screenshot(page, 'automation-form-refused');

    await page.fill(
      '#automation-trigger',
      JSON.stringify({ type: 'event', posture: 'Reactive', expect: [`${tag}.seen`] }),
    );
    await Promise.all([
      page.waitForURL(/\/automations\/[0-9a-f-]{36}$/),
      page.click('form.fields button[type="submit"]'),
    ]);
    const id = page.url().split('/').pop()!;
    await markDocument(page);

    await emit(`${tag}.seen`, `shop.${tag}`);
    // The firing appears on the open page: its do-nothing executed, its webhook (nothing listens) failed.
    await waitForText(page, 'table.firings', /call-webhook: failed/, 45_000);
    expect(await page.textContent('table.firings')).toContain('do-nothing: executed');
    expect(await stillSameDocument(page)).toBe(true);
    await screenshot(page, 'automation');

    await page.getByRole('button', { name: 'Pause' }).click();
    await waitForText(page, '.title-row', /Paused/);
    expect((await api<{ enabled: boolean }>('GET', `/automations/${id}`)).enabled).toBe(false);

    const list = await open(admin, '/automations');
    const row = list.locator(`tr[data-automation-id="${id}"]`);
    expect(await row.textContent()).toMatch(/Paused.*Reactive: .*\.seen.*\(failed\)/s);
    await screenshot(list, 'automations');
    await list.close();

    await page.getByRole('link', { name: 'Edit' }).click();
    await page.fill('#automation-name', `${tag}-renamed`);
    await Promise.all([
      page.waitForURL(new RegExp(`/automations/${id}$`)),
      page.click('form.fields button[type="submit"]'),
    ]);
    await waitForText(page, 'h1', new RegExp(`${tag}-renamed`));
    expect((await api<{ name: string; enabled: boolean }>('GET', `/automations/${id}`)).name).toBe(
      `${tag}-renamed`,
    );

    page.on('dialog', (dialog) => void dialog.accept());
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/automations'),
      page.getByRole('button', { name: 'Delete' }).click(),
    ]);
    expect(await page.locator(`tr[data-automation-id="${id}"]`).count()).toBe(0);
    await page.close();
  });

  it('makes a block from the form its schema generates; its secret never appears in a page, and saving the mask keeps it', async () => {
    const slug = unique('shop-credentials');
    const type = await api<{ id: string }>('POST', '/block_types', { name: 'Shop credentials', slug });
    const schema = await api<{ id: string }>('POST', '/block_schemas', {
      block_type_id: type.id,
      fields: {
        title: slug,
        type: 'object',
        properties: {
          username: { type: 'string', title: 'Username' },
          password: { type: 'string', title: 'Password', format: 'password', writeOnly: true },
          port: { type: 'integer', title: 'Port', default: 443 },
          // Prefect's Secret value: text or an object.
          pin: {
            title: 'PIN',
            anyOf: [{ type: 'string', format: 'password', writeOnly: true }, { type: 'object' }],
          },
        },
        required: ['username', 'password'],
        secret_fields: ['password', 'pin'],
      },
    });
    expect(schema.id).toBeTruthy();
    const secret = `s3cr3t-${crypto.randomUUID()}`;
    const page = await open(admin, `/blocks/new/${slug}`);
    await page.getByLabel('Name', { exact: true }).fill('shop');
    await page.getByLabel('Username').fill('edge');
    await page.getByLabel('Password').fill(secret);
    await page.getByLabel('PIN').fill('1234');
    await Promise.all([
      page.waitForURL(/\/blocks\/[0-9a-f-]{36}$/),
      page.click('form.fields button[type="submit"]'),
    ]);
    const id = page.url().split('/').pop()!;
    expect(await page.content()).not.toContain(secret);
    expect(await page.inputValue('input[name="data.password"]')).toBe('********');
    await screenshot(page, 'block');

    // Saving with the mask untouched changes the username and keeps the stored secret.
    await page.fill('input[name="data.username"]', 'edge-2');
    await page.click('form.fields button[type="submit"]');
    await waitUntil(
      () => api<{ data: Record<string, unknown> }>('GET', `/block_documents/${id}?include_secrets=true`),
      (document) => document.data.username === 'edge-2',
      30_000,
      'the block to be saved',
    );
    const stored = await api<{ data: Record<string, unknown> }>(
      'GET',
      `/block_documents/${id}?include_secrets=true`,
    );
    // The PIN typed as digits stays text (a secret is JSON only when it looks like an object).
    expect(stored.data).toEqual({ username: 'edge-2', password: secret, port: 443, pin: '1234' });

    for (const path of ['/blocks', `/blocks/${id}`, `/blocks/new/${slug}`, '/events?range=all']) {
      const fresh = await open(admin, path);
      expect(await fresh.content(), path).not.toContain(secret);
      if (path === '/blocks') await screenshot(fresh, 'blocks');
      await fresh.close();
    }
    const readOnly = await open(reader, `/blocks/${id}`);
    expect(await readOnly.content()).not.toContain(secret);
    expect(await readOnly.locator('form.fields, button[data-call]').count()).toBe(0);
    await readOnly.close();
    await page.close();
  });

  it('shows a read key the automations without a single write button', async () => {
    const automation = await api<{ id: string }>('POST', '/automations', {
      name: unique('read-only'),
      trigger: { type: 'event', posture: 'Reactive', expect: ['never.happens'] },
      actions: [{ type: 'do-nothing' }],
    });
    for (const path of ['/automations', `/automations/${automation.id}`]) {
      const page = await open(reader, path);
      expect(
        await page.locator('button[data-call], a[href$="/edit"], a[href="/automations/new"]').count(),
        path,
      ).toBe(0);
      await page.close();
    }
    const refused = await reader.newPage();
    expect((await refused.goto('/automations/new'))?.status()).toBe(403);
    await refused.close();
  });

  it('saves screenshots of the variables and artifacts pages', async () => {
    await api('POST', '/variables', {
      name: unique('shop_region'),
      value: { region: 'eu', limit: 3 },
      tags: ['shop'],
    });
    const key = unique('orders-report');
    await api('POST', '/artifacts', {
      key,
      type: 'markdown',
      data: '# Orders\n\n**12** placed today',
      description: 'daily',
    });
    await api('POST', '/artifacts', {
      key: unique('orders-table'),
      type: 'table',
      data: [
        { region: 'eu', orders: 12 },
        { region: 'us', orders: 7 },
      ],
    });
    for (const [name, path] of [
      ['variables', '/variables'],
      ['artifacts', '/artifacts'],
      ['artifact', `/artifacts/key/${key}`],
    ] as const) {
      const page = await open(admin, path);
      await screenshot(page, name);
      await page.close();
    }
  });
});
