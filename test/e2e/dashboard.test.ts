// The dashboard in a real browser (Debian's Chromium through playwright-core) against the real local
// server and a real agent: runs appear and finish live, a run's graph and logs, the Run form generated
// from a parameter schema, cancelling, and a read-only key that can change nothing (docs/dashboard.md).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRun, StateType } from '../../worker-agent/src/protocol/index.ts';
import {
  launchBrowser,
  markDocument,
  screenshot,
  signedIn,
  stillSameDocument,
  waitForText,
} from './browser.ts';
import {
  DEV_KEY,
  type LocalServer,
  type ProcessGroup,
  SDK_URL,
  startAgent,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

const POOL = 'dashboard-e2e';

const FLOWS = {
  'flows/dash.ts': `
import { existsSync } from 'node:fs';
import { flow, getRunLogger, task, unmapped } from '${SDK_URL}';

const until = async (file: string) => {
  while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 50));
};
const seed = task(() => 10, { name: 'seed' });
const double = task((x: number, offset: number) => x * 2 + offset, { name: 'double' });
const total = task((xs: number[]) => xs.reduce((a, b) => a + b, 0), { name: 'total' });

export const pipeline = flow(async ({ size, gate }: { size: number; gate?: string }) => {
  const log = getRunLogger();
  log.info(\`pipeline of \${size} items\`);
  if (gate) await until(gate);
  const offset = seed.submit();
  const doubled = double.map(Array.from({ length: size }, (_, i) => i), unmapped(offset));
  const sum = await total(doubled);
  log.warning(\`the sum is \${sum}\`);
  return sum;
}, { name: 'pipeline' });

export const greet = flow(async ({ name, times }: { name: string; times: number }) => {
  getRunLogger().info(\`greeting \${name}\`);
  return Array.from({ length: times }, () => \`hello \${name}\`).join(' ');
}, { name: 'greet' });

export const sleeper = flow(async () => {
  getRunLogger().info('going to sleep');
  await new Promise((resolve) => setTimeout(resolve, 300_000));
}, { name: 'sleeper' });
`,
};

const GREET_SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', title: 'Name', description: 'Who to greet' },
    times: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
  },
  required: ['name', 'times'],
};

let server: LocalServer;
let project: ReturnType<typeof tempProject>;
let agent: ProcessGroup;
let browser: Browser;
let admin: BrowserContext;

beforeAll(async () => {
  [server, project, browser] = await Promise.all([startServer(), tempProject(FLOWS), launchBrowser()]);
  agent = await startAgent({ server, pool: POOL, cwd: project.dir, args: ['--heartbeat-seconds', '1'] });
  admin = await signedIn(browser, server, DEV_KEY);
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop('SIGKILL', 1_000);
  await server?.stop();
  project?.remove();
});

async function api<T>(method: string, path: string, body?: unknown, key = DEV_KEY): Promise<T> {
  const response = await fetch(`${server.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

async function runOf(exportName: string, parameters: Record<string, unknown> = {}): Promise<FlowRun> {
  const flow = await server.client.createFlow({ name: exportName });
  return server.client.createFlowRun({
    flow_id: flow.id,
    work_pool_name: POOL,
    entrypoint: `flows/dash.ts:${exportName}`,
    parameters,
  });
}

function waitForState(id: string, types: StateType[]): Promise<FlowRun> {
  return waitUntil(
    () => server.client.readFlowRun(id),
    (run) => run.state_type !== null && types.includes(run.state_type),
    45_000,
    `flow run ${id} to reach ${types.join('|')}`,
  );
}

function readWith(key: string): RequestInit {
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: '{}',
  };
}

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  const response = await page.goto(path);
  expect(response?.status(), path).toBe(200);
  return page;
}

describe('dashboard', () => {
  it('shows a new run on the runs page and its completion, without a reload', async () => {
    const page = await open(admin, '/runs');
    await markDocument(page);
    const gate = join(project.dir, 'live-gate');
    const run = await runOf('pipeline', { size: 3, gate });

    const row = `tr[data-run-id="${run.id}"]`;
    await page.waitForSelector(row, { timeout: 30_000 });
    expect(await page.textContent(`${row} .name a`)).toBe(run.name);
    expect(await page.textContent(`${row} .state`)).not.toMatch(/Completed/);

    writeFileSync(gate, '');
    await waitForText(page, `${row} .state`, /Completed/, 45_000);
    expect(await stillSameDocument(page)).toBe(true);
    // What the page came to show live is what a fresh page shows.
    const fresh = await open(admin, '/runs');
    expect(await page.innerHTML('.runs-region')).toBe(await fresh.innerHTML('.runs-region'));
    await fresh.close();
    await screenshot(page, 'runs');
    await page.close();
  });

  it("opens a run's task graph, expands its mapped task, and streams its logs with a level filter and search", async () => {
    const run = await runOf('pipeline', { size: 12 });
    await waitForState(run.id, ['COMPLETED']);
    const page = await open(admin, `/runs/${run.id}`);

    // seed, double ×12 (grouped), total: three nodes for 14 task runs.
    await page.waitForSelector('#run-graph[data-ready="true"]');
    await waitForText(page, '.graph-summary', /14 task runs, 3 nodes/);
    await page.click('.graph-groups summary');
    await page.click('#graph-list button[data-group]');
    await waitForText(page, '.graph-summary', /14 task runs, 14 nodes/);

    await waitForText(page, '#run-logs', /the sum is 252/);
    expect(await page.textContent('#run-logs')).toContain('pipeline of 12 items');
    await page.selectOption('#log-level', '30');
    await waitForText(page, '#run-logs', /the sum is 252/);
    expect(await page.textContent('#run-logs')).not.toContain('pipeline of 12 items');
    await page.selectOption('#log-level', '0');
    await waitForText(page, '#run-logs', /pipeline of 12 items/);
    await page.fill('#log-search', 'sum is');
    await waitForText(page, '.log-count', /^1 of \d+ lines match$/);
    expect(await page.textContent('.run-header .title-row .state')).toMatch(/Completed/);
    expect(await page.textContent('.run-details')).toContain('252');
    await screenshot(page, 'run');
    await page.close();
  });

  it('runs a deployment from the form its parameter schema generates, refusing a bad value by its field', async () => {
    const flow = await server.client.createFlow({ name: 'greet' });
    const deployment = await api<{ id: string }>('POST', '/deployments', {
      flow_id: flow.id,
      name: 'greet-from-the-form',
      work_pool_name: POOL,
      entrypoint: 'flows/dash.ts:greet',
      parameters: {},
      parameter_openapi_schema: GREET_SCHEMA,
      enforce_parameter_schema: true,
    });
    const page = await open(admin, `/deployments/${deployment.id}`);

    await page.getByLabel('Name').fill('edge');
    await page.getByLabel('times').fill('9');
    await page.click('form.fields button[type="submit"]');
    const times = page.getByLabel('times');
    await waitForText(page, '#param-1-error', /parameters\.times/);
    expect(await times.getAttribute('aria-invalid')).toBe('true');
    expect(await page.textContent('#param-0-error')).toBe('');
    const refused = await server.client.filterFlowRuns({
      flow_runs: { deployment_id: { any_: [deployment.id] } },
    });
    expect(refused).toEqual([]);
    await screenshot(page, 'deployment-form-refused');

    await times.fill('2');
    await Promise.all([
      page.waitForURL(/\/runs\/[0-9a-f-]{36}$/),
      page.click('form.fields button[type="submit"]'),
    ]);
    await waitForText(page, '.run-header .title-row .state', /Completed/, 45_000);
    const id = page.url().split('/').pop()!;
    const done = await server.client.readFlowRun(id);
    expect(done.parameters).toEqual({ name: 'edge', times: 2 });
    expect(done.state?.data).toBe('hello edge hello edge');
    await page.close();
  });

  it('cancels a running run from its page', async () => {
    const run = await runOf('sleeper');
    await waitForState(run.id, ['RUNNING']);
    const page = await open(admin, `/runs/${run.id}`);
    await markDocument(page);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.click('#run-cancel');
    await waitForText(page, '.run-header .title-row .state', /Cancelled/, 45_000);
    expect((await waitForState(run.id, ['CANCELLED'])).state_type).toBe('CANCELLED');
    expect(await stillSameDocument(page)).toBe(true);
    const fresh = await open(admin, `/runs/${run.id}`);
    await waitForText(fresh, '.run-header .title-row .state', /Cancelled/);
    for (const region of ['.run-header', '.state-timeline']) {
      expect(await page.innerHTML(region), region).toBe(await fresh.innerHTML(region));
    }
    await fresh.close();
    await page.close();
  });

  it('lets a read key see everything and change nothing: its buttons are disabled and the server refuses', async () => {
    const { key } = await api<{ key: string }>('POST', '/api_keys', {
      name: 'dashboard viewer',
      scope: 'read',
    });
    const reader = await signedIn(browser, server, key);
    const run = await runOf('sleeper');
    await waitForState(run.id, ['RUNNING']);
    const flow = await server.client.createFlow({ name: 'greet' });
    const deployment = await api<{ id: string }>('POST', '/deployments', {
      flow_id: flow.id,
      name: 'greet-read-only',
      work_pool_name: POOL,
      entrypoint: 'flows/dash.ts:greet',
      parameters: { name: 'nobody', times: 1 },
      parameter_openapi_schema: GREET_SCHEMA,
      enforce_parameter_schema: true,
    });

    const runPage = await open(reader, `/runs/${run.id}`);
    expect(await runPage.textContent('.who')).toContain('read');
    expect(await runPage.isDisabled('#run-cancel')).toBe(true);
    expect(await runPage.textContent('#scope-note')).toMatch(/read/);
    // The server refuses what the page would have sent, whatever the page shows.
    const status = await runPage.evaluate(async (path) => {
      const response = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ state: { type: 'CANCELLING' } }),
      });
      return response.status;
    }, `/api/flow_runs/${run.id}/set_state`);
    expect(status).toBe(403);
    expect((await server.client.readFlowRun(run.id)).state_type).toBe('RUNNING');
    await screenshot(runPage, 'run-read-only');

    const keysPage = await reader.newPage();
    expect((await keysPage.goto('/api-keys'))?.status()).toBe(403);
    expect(await keysPage.textContent('main')).toMatch(/needs a key with the admin scope/);
    const deploymentPage = await open(reader, `/deployments/${deployment.id}`);
    expect(await deploymentPage.isDisabled('form.fields button[type="submit"]')).toBe(true);
    expect(await deploymentPage.isDisabled('#deployment-pause')).toBe(true);
    await reader.close();
    await server.client.setFlowRunState(run.id, { state: { type: 'CANCELLING' } });
  });

  it('creates an API key whose secret it shows once, and revokes it, which ends the key at once', async () => {
    const page = await open(admin, '/api-keys');
    await markDocument(page);
    await page.getByLabel('Name').fill('made in the dashboard');
    await page.getByLabel('Scope').selectOption('read');
    await page.click('form.fields button[type="submit"]');
    await page.waitForSelector('[data-secret-out]:not([hidden])');
    const key = (await page.textContent('[data-secret-out] code'))!;
    expect(key).toMatch(/^ef_[0-9a-f]{12}_/);
    expect((await fetch(`${server.url}/api/flows/filter`, readWith(key))).status).toBe(200);

    const row = page.locator('tr', { hasText: 'made in the dashboard' });
    await row.waitFor();
    await screenshot(page, 'api-keys');
    page.on('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await waitForText(page, 'table', /made in the dashboard.*Revoked/s);
    expect((await fetch(`${server.url}/api/flows/filter`, readWith(key))).status).toBe(401);
    // The secret appears only in the answer to the create: a fresh page never shows it.
    const fresh = await open(admin, '/api-keys');
    expect(await fresh.content()).not.toContain(key);
    expect(await stillSameDocument(page)).toBe(true);
    await page.close();
    await fresh.close();
  });

  it('refuses a wrong key at sign-in, ends the session at Sign out, and at the next page once its key is revoked', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto('/runs');
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForText(page, '#sign-in-error', /./);
    await context.close();

    const { id, key } = await api<{ id: string; key: string }>('POST', '/api_keys', {
      name: 'signs in',
      scope: 'read',
    });
    const reader = await signedIn(browser, server, key);
    const runs = await open(reader, '/runs');
    await Promise.all([
      runs.waitForURL((url) => url.pathname === '/signin'),
      runs.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    await runs.goto('/runs');
    expect(new URL(runs.url()).pathname).toBe('/signin');
    await reader.close();

    const revoked = await signedIn(browser, server, key);
    const before = await open(revoked, '/flows');
    await api('DELETE', `/api_keys/${id}`);
    await before.goto('/flows');
    expect(new URL(before.url()).pathname).toBe('/signin');
    await revoked.close();
  });

  it('saves a screenshot of every page', async () => {
    const pages = {
      overview: '/',
      'runs-filtered': '/runs?state=COMPLETED&range=day',
      flows: '/flows',
      deployments: '/deployments',
      'work-pools': '/work-pools',
      webhooks: '/webhooks',
    };
    for (const [name, path] of Object.entries(pages)) {
      const page = await open(admin, path);
      await screenshot(page, name);
      await page.close();
    }
    const dark = await signedIn(browser, server, DEV_KEY, { colorScheme: 'dark' });
    const page = await open(dark, '/');
    await screenshot(page, 'overview-dark');
    await dark.close();
  });
});
