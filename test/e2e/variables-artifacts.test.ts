// Variables and artifacts end to end: a flow run by a real agent reads and writes variables with the
// SDK; `edgeflow variable` sets, reads, lists and unsets them (docs/variables.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact, FlowRun } from '../../worker-agent/src/protocol/index.ts';
import { cli } from './cli-harness.ts';
import { SDK_URL } from './harness.ts';
import { finished, runFlow, type SdkWorld, startWorld, stopWorld } from './sdk-helpers.ts';

const FLOWS = {
  'flows/publish.ts': `
import {
  createImageArtifact, createLinkArtifact, createMarkdownArtifact, createProgressArtifact,
  createTableArtifact, flow, getVariable, task, updateProgressArtifact,
} from '${SDK_URL}';

const summarise = task(async (region: string) => {
  createTableArtifact([{ region, orders: 3 }, { region: 'us', orders: 5 }], { key: 'orders-table' });
  createLinkArtifact('https://example.com/orders', { key: 'orders-link', linkText: 'orders' });
  return region;
}, { name: 'summarise' });

/** A Secret block through the block routes, as Prefect's Secret.load reads it (no SDK Block.load yet). */
async function loadSecret(name: string): Promise<string> {
  const response = await fetch(
    process.env.EDGEFLOW_API_URL + '/api/block_types/slug/secret/block_documents/name/' + name + '?include_secrets=true',
    { headers: { authorization: 'Bearer ' + process.env.EDGEFLOW_API_KEY } },
  );
  return (await response.json()).data.value;
}

export const publish = flow(async () => {
  const config = await getVariable('publish_config', { region: 'none' });
  const secret = await loadSecret('shop-token');
  createMarkdownArtifact('token ok: ' + (secret === 's3cr3t-token'), { key: 'secret-check' });
  const progress = createProgressArtifact(0, { key: 'orders-progress' });
  const region = await summarise(config.region);
  updateProgressArtifact(progress, 50);
  createMarkdownArtifact('# Orders for ' + region, { key: 'orders-report', description: 'daily' });
  createImageArtifact('https://example.com/chart.png', { key: 'orders-chart' });
  updateProgressArtifact(progress, 100);
}, { name: 'publish' });
`,
  'flows/report.ts': `
import { flow, getVariable, setVariable, task } from '${SDK_URL}';

const greet = task(async () => {
  const config = await getVariable('report_config');
  const missing = await getVariable('no_such_variable', 'fallback');
  return { config, missing };
}, { name: 'greet' });

export const report = flow(async () => {
  const read = await greet();
  await setVariable('report_last_seen', read, { overwrite: true });
  let refused = '';
  try {
    await setVariable('report_config', 1);
  } catch (error) {
    refused = error.name;
  }
  await setVariable('report_refused', refused);
  return read;
}, { name: 'report' });
`,
};

let world: SdkWorld;
let run: FlowRun;
let published: FlowRun;

beforeAll(async () => {
  world = await startWorld('e2e-variables-artifacts', FLOWS);
  const set = await cli(world.server, world.project.dir, [
    'variable',
    'set',
    'report_config',
    '{"region":"eu","batch":10}',
  ]);
  expect(set.code, set.stderr).toBe(0);
  run = await finished(world, await runFlow(world, 'flows/report.ts:report'));
  await world.server.client.variables.create({ name: 'publish_config', value: { region: 'eu' } });
  await storeSecretBlock('shop-token', 's3cr3t-token');
  published = await finished(world, await runFlow(world, 'flows/publish.ts:publish'));
});

afterAll(async () => {
  await stopWorld(world);
});

describe('variables from a flow run', () => {
  it('getVariable reads what the CLI set, and the default for a missing name', async () => {
    expect(run.state_type).toBe('COMPLETED');
    const lastSeen = await world.server.client.variables.read('report_last_seen');
    expect(lastSeen.value).toEqual({ config: { region: 'eu', batch: 10 }, missing: 'fallback' });
  });

  it('setVariable without overwrite refuses an existing name and leaves its value', async () => {
    expect((await world.server.client.variables.read('report_refused')).value).toBe('VariableExistsError');
    expect((await world.server.client.variables.read('report_config')).value).toEqual({
      region: 'eu',
      batch: 10,
    });
  });

  it('edgeflow variable get, ls, set --overwrite and unset', async () => {
    const dir = world.project.dir;
    const get = await cli(world.server, dir, ['variable', 'get', 'report_config']);
    expect(JSON.parse(get.stdout)).toEqual({ region: 'eu', batch: 10 });
    expect((await cli(world.server, dir, ['variable', 'set', 'report_config', 'x'])).code).not.toBe(0);
    expect(
      (await cli(world.server, dir, ['variable', 'set', 'report_config', 'plain text', '--overwrite'])).code,
    ).toBe(0);
    expect((await cli(world.server, dir, ['variable', 'get', 'report_config'])).stdout.trim()).toBe(
      '"plain text"',
    );
    const ls = await cli(world.server, dir, ['variable', 'ls']);
    expect(ls.stdout).toContain('report_last_seen');
    expect((await cli(world.server, dir, ['variable', 'unset', 'report_config'])).code).toBe(0);
    expect((await cli(world.server, dir, ['variable', 'get', 'report_config'])).code).not.toBe(0);
  });
});

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${world.server.url}/api${path}`, {
    method,
    headers: { authorization: 'Bearer edgeflow-dev-key', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok, await response.clone().text()).toBe(true);
  return (await response.json()) as T;
}

/** A Secret block document: type, schema with its secret field, and a named document (admin key). */
async function storeSecretBlock(name: string, value: string): Promise<void> {
  const type = await call<{ id: string }>('POST', '/block_types', { name: 'Secret', slug: 'secret' });
  const schema = await call<{ id: string }>('POST', '/block_schemas', {
    block_type_id: type.id,
    fields: { title: 'Secret', type: 'object', block_type_slug: 'secret', secret_fields: ['value'] },
  });
  await call('POST', '/block_documents', {
    name,
    block_type_id: type.id,
    block_schema_id: schema.id,
    data: { value },
  });
}

async function latest(key: string): Promise<Artifact> {
  const response = await fetch(`${world.server.url}/api/artifacts/${key}/latest`, {
    headers: { authorization: 'Bearer edgeflow-dev-key' },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Artifact;
}

describe('artifacts from a flow run', () => {
  it('stores each type, linked to the flow run and the task run that made it', async () => {
    expect(published.state_type).toBe('COMPLETED');
    const tasks = await world.server.client.listTaskRuns(published.id);
    const summarise = tasks.find((task) => task.name.startsWith('summarise'))!;
    expect(await latest('orders-table')).toMatchObject({
      type: 'table',
      data: [
        { region: 'eu', orders: 3 },
        { region: 'us', orders: 5 },
      ],
      flow_run_id: published.id,
      task_run_id: summarise.id,
    });
    expect(await latest('orders-link')).toMatchObject({
      type: 'link',
      data: '[orders](https://example.com/orders)',
      task_run_id: summarise.id,
    });
    expect(await latest('orders-report')).toMatchObject({
      type: 'markdown',
      data: '# Orders for eu',
      description: 'daily',
      flow_run_id: published.id,
      task_run_id: null,
    });
    expect(await latest('orders-chart')).toMatchObject({
      type: 'image',
      data: 'https://example.com/chart.png',
    });
  });

  it('loaded the Secret block with its secret, which plain reads mask', async () => {
    expect((await latest('secret-check')).data).toBe('token ok: true');
    const plain = await call<{ data: { value: string } }>(
      'GET',
      '/block_types/slug/secret/block_documents/name/shop-token',
    );
    expect(plain.data.value).toBe('********');
    expect(world.agent.output).not.toContain('s3cr3t-token');
  });

  it('moves the progress artifact in place to its last value', async () => {
    expect(await latest('orders-progress')).toMatchObject({
      type: 'progress',
      data: 100,
      flow_run_id: published.id,
    });
  });

  it('edgeflow artifact ls shows the latest per key, and inspect one by key', async () => {
    const dir = world.project.dir;
    const ls = await cli(world.server, dir, ['artifact', 'ls', '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    const keys = ls.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as Artifact).key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'orders-table',
        'orders-link',
        'orders-report',
        'orders-chart',
        'orders-progress',
      ]),
    );
    expect(new Set(keys).size).toBe(keys.length);
    const inspect = await cli(world.server, dir, ['artifact', 'inspect', 'orders-report']);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain('# Orders for eu');
    expect(inspect.stdout).toContain(published.id);
  });
});
