// The Events, Automations and Blocks pages inside workerd: the events feed filtered by name prefix and
// resource and following the stream, automations with their firings and no write controls for a read
// key, and block documents whose secrets never reach a page (docs/dashboard.md).
import { exports } from 'cloudflare:workers';
import type { BlockDocument, BlockSchema, BlockType } from 'edgeflow/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, api } from './api';

async function get(path: string, key: string = ADMIN_KEY) {
  const response = await exports.default.fetch(`http://edgeflow.test${path}`, {
    headers: { authorization: `Bearer ${key}` },
    redirect: 'manual',
  });
  return { status: response.status, text: await response.text() };
}

const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

function event(
  name: string,
  resource: string,
  payload: Record<string, unknown> = {},
  related: object[] = [],
) {
  return {
    id: crypto.randomUUID(),
    occurred: new Date().toISOString(),
    event: name,
    resource: { 'prefect.resource.id': resource },
    related,
    payload,
  };
}

let readKey: string;
beforeAll(async () => {
  const { body } = await api<{ key: string }>('POST', '/api_keys', { name: 'pages reader', scope: 'read' });
  readKey = body.key;
});

describe('the events page', () => {
  it('lists the events matching its name prefix and resource, each with its resource, related and payload', async () => {
    const tag = unique('feed');
    const resource = `edgeflow.test.${tag}`;
    expect(
      (
        await api('POST', '/events', [
          event(`${tag}.shown`, resource, { answer: 42 }, [
            { 'prefect.resource.id': 'prefect.tag.nightly', 'prefect.resource.role': 'tag' },
          ]),
          event(`${tag}.other-resource`, `${resource}-elsewhere`),
          event(`not-${tag}.hidden`, resource),
        ])
      ).status,
    ).toBe(204);
    const query = `?prefix=${tag}.&resource=${resource}`;
    const page = await get(`/events${query}`, readKey);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`${tag}.shown`);
    expect(page.text).not.toContain(`${tag}.other-resource`);
    expect(page.text).not.toContain(`not-${tag}.hidden`);
    expect(page.text).toContain('&quot;answer&quot;: 42');
    expect(page.text).toContain('prefect.tag.nightly');
    expect(page.text).toContain('1 events');
    // The live region re-renders the same feed; the stream follows the same filter.
    const live = await get(`/events/live${query}`, readKey);
    expect(live.text).toContain(`${tag}.shown`);
    const stream = /data-stream="([^"]+)"/.exec(page.text)?.[1]?.replaceAll('&amp;', '&');
    const filter = JSON.parse(decodeURIComponent(new URL(stream!, 'http://x').searchParams.get('filter')!));
    expect(filter).toEqual({ order: 'DESC', event: { prefix: [`${tag}.`] }, resource: { id: [resource] } });
  });

  it('pages back to older events by cursor, skipping none, and shows one event by id expanded', async () => {
    const tag = unique('paged');
    const events = Array.from({ length: 55 }, (_, i) =>
      event(`${tag}.n${String(i).padStart(2, '0')}`, `edgeflow.test.${tag}`),
    );
    expect((await api('POST', '/events', events)).status).toBe(204);
    const first = await get(`/events?prefix=${tag}.`, readKey);
    const shown = (text: string) => new Set(text.match(new RegExp(`${tag}\\.n\\d\\d`, 'g')));
    expect(shown(first.text).size).toBe(50);
    expect(first.text).toContain('50 of 55 events, the newest');
    const older = /href="(\/events\?[^"]*before=[^"]+)" rel="next"/
      .exec(first.text)?.[1]
      ?.replaceAll('&amp;', '&');
    const second = await get(older!, readKey);
    expect(second.text).not.toContain('data-stream=');
    expect(shown(second.text).size).toBe(5);
    expect(new Set([...shown(first.text), ...shown(second.text)]).size).toBe(55);
    expect(second.text).not.toContain('rel="next"');

    const one = await get(`/events?id=${events[7]!.id}`, readKey);
    expect(one.text).toMatch(new RegExp(`<details id="event-${events[7]!.id}" class="event" open`));
    expect(shown(one.text)).toEqual(new Set([`${tag}.n07`]));
  });

  it('does not follow the stream once its range has ended', async () => {
    const page = await get('/events?to=2020-01-01T00:00', readKey);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('data-stream=');
    expect(page.text).toContain('This range has ended');
  });
});

async function createAutomation(name: string): Promise<string> {
  const { status, body } = await api<{ id: string }>('POST', '/automations', {
    name,
    trigger: { type: 'event', posture: 'Reactive', expect: [`${name}.never`], threshold: 1, within: 0 },
    actions: [{ type: 'do-nothing' }],
  });
  expect(status).toBe(201);
  return body.id;
}

describe('the automations pages', () => {
  it('list each automation with its state, trigger and last firing, and its firings on its page', async () => {
    const name = unique('page-automation');
    const id = await createAutomation(name);
    const resource = `prefect.automation.${id}`;
    await api('POST', '/events', [
      event('prefect.automation.action.executed', resource, {
        action_index: 0,
        action_type: 'do-nothing',
        invocation: `${id}/event:one`,
      }),
      event('prefect.automation.action.failed', resource, {
        action_index: 1,
        action_type: 'call-webhook',
        invocation: `${id}/event:one`,
        reason: 'HTTP 502 from the receiver',
      }),
    ]);
    const list = await get('/automations', readKey);
    expect(list.status).toBe(200);
    const row = new RegExp(`<tr data-automation-id="${id}">.*?</tr>`, 's').exec(list.text)?.[0] ?? '';
    expect(row).toContain('Enabled');
    expect(row).toContain(`Reactive: ${name}.never`);
    expect(row).toContain('(failed)');
    const detail = await get(`/automations/${id}`, readKey);
    expect(detail.text).toContain(`data-firing="${id}/event:one"`);
    expect(detail.text).toContain('call-webhook: failed');
    expect(detail.text).toContain('HTTP 502 from the receiver');
    expect(detail.text).toContain(`href="/events?range=all&amp;resource=prefect.automation.${id}"`);
    expect((await get(`/automations/${crypto.randomUUID()}`, readKey)).status).toBe(404);
  });

  it('show a read key no write buttons and refuse it the forms; an admin key gets both', async () => {
    const id = await createAutomation(unique('read-only'));
    for (const path of ['/automations', `/automations/${id}`]) {
      const reader = await get(path, readKey);
      expect(reader.text, path).not.toContain('data-call=');
      expect(reader.text, path).not.toContain('/automations/new');
      expect(reader.text, path).not.toContain(`/automations/${id}/edit`);
      const admin = await get(path);
      expect(admin.text, path).toContain(`/api/automations/${id}`);
      expect(admin.text, path).toContain('>Pause<');
    }
    expect((await get('/automations/new', readKey)).status).toBe(403);
    expect((await get(`/automations/${id}/edit`, readKey)).status).toBe(403);
    const form = await get(`/automations/${id}/edit`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('data-method="PUT"');
    expect(form.text).toMatch(/<textarea[^>]*name="trigger"[^>]*data-kind="json"/);
  });
});

async function secretBlock() {
  const slug = unique('page-secret');
  const type = (await api<BlockType>('POST', '/block_types', { name: `Secret ${slug}`, slug })).body;
  const schema = (
    await api<BlockSchema>('POST', '/block_schemas', {
      block_type_id: type.id,
      fields: {
        title: slug,
        type: 'object',
        properties: {
          username: { type: 'string', title: 'Username' },
          password: { type: 'string', title: 'Password', format: 'password', writeOnly: true },
        },
        required: ['username', 'password'],
        secret_fields: ['password'],
      },
    })
  ).body;
  const secret = `s3cr3t-${crypto.randomUUID()}`;
  const { status, body } = await api<BlockDocument>('POST', '/block_documents', {
    name: unique('creds'),
    block_type_id: type.id,
    block_schema_id: schema.id,
    data: { username: 'edge', password: secret },
  });
  expect(status).toBe(201);
  return { type, document: body, secret };
}

describe('the blocks pages', () => {
  it('never put a secret in a page: the list, the document and its edit form show only ********', async () => {
    const { type, document, secret } = await secretBlock();
    for (const path of ['/blocks', `/blocks/${document.id}`, `/blocks/new/${type.slug}`]) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).not.toContain(secret);
    }
    const detail = (await get(`/blocks/${document.id}`)).text;
    expect(detail).toContain('<code class="secret-mask">********</code>');
    expect(detail).toMatch(/<input type="password"[^>]*name="data\.password"[^>]*value="\*{8}"/);
    expect(detail).toMatch(/name="data\.username"[^>]*value="edge"/);
    const list = (await get('/blocks', readKey)).text;
    expect(list).toContain(`href="/blocks/${document.id}"`);
    expect(list).toContain(document.name);
  });

  it('show a read key the document without its edit form, Delete or New links', async () => {
    const { type, document, secret } = await secretBlock();
    const detail = await get(`/blocks/${document.id}`, readKey);
    expect(detail.status).toBe(200);
    expect(detail.text).not.toContain(secret);
    expect(detail.text).not.toContain('<form class="fields');
    expect(detail.text).not.toContain('data-call=');
    expect((await get('/blocks', readKey)).text).not.toContain(`/blocks/new/${type.slug}`);
    expect((await get(`/blocks/new/${type.slug}`, readKey)).status).toBe(403);
  });
});
