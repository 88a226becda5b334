// The Artifacts and Variables pages: latest per key with version history, a run's artifacts, markdown
// rendered from a safe tree (no raw HTML or script passes), tables sorted by their headers.
import { exports } from 'cloudflare:workers';
import type { Artifact, FlowRun } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, api, createFlow } from './api';

async function get(path: string) {
  const response = await exports.default.fetch(`http://edgeflow.test${path}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  return { status: response.status, text: await response.text() };
}

const uniqueKey = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
const create = async (body: Record<string, unknown>) =>
  (await api<Artifact>('POST', '/artifacts', body)).body;

describe('artifacts pages', () => {
  it('list the latest version per key and a key’s version history', async () => {
    const key = uniqueKey('page');
    const old = await create({ key, type: 'markdown', data: '# first version' });
    const latest = await create({
      key,
      type: 'markdown',
      data: '# second version',
      description: 'the newest',
    });
    const list = await get('/artifacts');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`/artifacts/key/${key}`);
    expect(list.text).toContain('the newest');
    const history = await get(`/artifacts/key/${key}`);
    expect(history.text).toContain('<h3>second version</h3>');
    expect(history.text).toContain(`/artifacts/${old.id}`);
    expect(history.text).toContain(`/artifacts/${latest.id}`);
  });

  it('render markdown without passing raw HTML, script or javascript: links', async () => {
    const artifact = await create({
      type: 'markdown',
      data: '# Title\n\n<script>alert(1)</script> **bold** [bad](javascript:alert(1)) [good](https://example.com)\n\n- one\n- two',
    });
    const { text } = await get(`/artifacts/${artifact.id}`);
    expect(text).toContain('<h3>Title</h3>');
    expect(text).toContain('<strong>bold</strong>');
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(text).not.toContain('<script>alert(1)');
    expect(text).not.toContain('href="javascript:');
    expect(text).toContain('href="https://example.com"');
    expect(text).toContain('<li>two</li>');
  });

  it('sort a table by the column its header links to', async () => {
    const artifact = await create({
      type: 'table',
      data: [
        { city: 'Oslo', orders: 5 },
        { city: 'Athens', orders: 12 },
        { city: 'Lima', orders: 9 },
      ],
    });
    const order = (text: string) =>
      ['Oslo', 'Athens', 'Lima'].sort((a, b) => text.indexOf(a) - text.indexOf(b));
    expect(order((await get(`/artifacts/${artifact.id}`)).text)).toEqual(['Oslo', 'Athens', 'Lima']);
    const byCity = await get(`/artifacts/${artifact.id}?sort=city&order=asc`);
    expect(order(byCity.text)).toEqual(['Athens', 'Lima', 'Oslo']);
    expect(byCity.text).toContain('aria-sort="ascending"');
    expect(order((await get(`/artifacts/${artifact.id}?sort=orders&order=desc`)).text)).toEqual([
      'Athens',
      'Lima',
      'Oslo',
    ]);
  });

  it("show a run's artifacts on its artifacts tab", async () => {
    const run = (await api<FlowRun>('POST', '/flow_runs', { flow_id: await createFlow() })).body;
    const artifact = await create({ type: 'progress', data: 40, flow_run_id: run.id });
    expect((await get(`/runs/${run.id}`)).text).toContain(`/runs/${run.id}/artifacts`);
    const tab = await get(`/runs/${run.id}/artifacts`);
    expect(tab.text).toContain(`/artifacts/${artifact.id}`);
    expect((await get(`/artifacts/${artifact.id}`)).text).toContain('<progress');
  });
});

describe('variables page', () => {
  it('lists each variable with its JSON value, escaped', async () => {
    const name = `page_${crypto.randomUUID().slice(0, 8)}`;
    await api('POST', '/variables', { name, value: { html: '<b>x</b>' }, tags: ['ops'] });
    const { status, text } = await get('/variables');
    expect(status).toBe(200);
    expect(text).toContain(name);
    expect(text).toContain('&lt;b&gt;x&lt;/b&gt;');
  });
});
