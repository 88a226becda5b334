// Variables, artifacts and blocks end to end: a flow run by a real agent reads and writes variables,
// creates each artifact type and loads a Secret and an S3 credentials block with the SDK; `edgeflow
// variable` and `edgeflow block` manage them (docs/variables.md, docs/artifacts.md, docs/blocks.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact, FlowRun } from '../../worker-agent/src/protocol/index.ts';
import { cli } from './cli-harness.ts';
import { SDK_URL } from './harness.ts';
import { finished, runFlow, type SdkWorld, startWorld, stopWorld } from './sdk-helpers.ts';

const FLOWS = {
  'flows/publish.ts': `
import {
  Block, createImageArtifact, createLinkArtifact, createMarkdownArtifact, createProgressArtifact,
  createTableArtifact, flow, getRunLogger, getVariable, Secret, task, updateProgressArtifact,
} from '${SDK_URL}';

const summarise = task(async (region: string) => {
  createTableArtifact([{ region, orders: 3 }, { region: 'us', orders: 5 }], { key: 'orders-table' });
  createLinkArtifact('https://example.com/orders', { key: 'orders-link', linkText: 'orders' });
  return region;
}, { name: 'summarise' });

export const publish = flow(async () => {
  const config = await getVariable('publish_config', { region: 'none' });
  const secret = await Secret.load('shop-token');
  const bucket = await Block.load('s3-credentials/orders-bucket');
  // Printed, a Secret shows only its placeholder.
  getRunLogger().info('loaded ' + secret + ' ' + JSON.stringify({ secret }));
  createMarkdownArtifact(
    'token ok: ' + (secret.get() === 's3cr3t-token') +
      ', bucket: ' + bucket.bucket_name + ', key ok: ' + (bucket.aws_secret_access_key === 'r2-s3cr3t-key'),
    { key: 'secret-check' },
  );
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
  // The system block types are there from the start: the CLI stores documents of them directly.
  for (const [reference, data] of [
    ['secret/shop-token', { value: 's3cr3t-token' }],
    [
      's3-credentials/orders-bucket',
      {
        aws_access_key_id: 'orders-key-id',
        aws_secret_access_key: 'r2-s3cr3t-key',
        endpoint_url: 'https://account.r2.cloudflarestorage.com',
        region_name: 'auto',
        bucket_name: 'orders',
      },
    ],
  ] as const) {
    const created = await cli(world.server, world.project.dir, [
      'block',
      'create',
      reference,
      JSON.stringify(data),
    ]);
    expect(created.code, created.stderr).toBe(0);
  }
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

  it('loaded the Secret and S3 blocks with their secrets, which no log, read or CLI output shows', async () => {
    expect((await latest('secret-check')).data).toBe('token ok: true, bucket: orders, key ok: true');
    const plain = await call<{ data: { value: string } }>(
      'GET',
      '/block_types/slug/secret/block_documents/name/shop-token',
    );
    expect(plain.data.value).toBe('********');
    const logs = await world.server.client.filterLogs({ logs: { flow_run_id: { any_: [published.id] } } });
    expect(logs.map((log) => log.message)).toContainEqual(expect.stringContaining('loaded ********'));
    const everything = JSON.stringify(logs) + world.agent.output;
    for (const secret of ['s3cr3t-token', 'r2-s3cr3t-key']) expect(everything).not.toContain(secret);
  });

  it('edgeflow block ls, inspect (secrets masked) and delete', async () => {
    const dir = world.project.dir;
    const ls = await cli(world.server, dir, ['block', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('secret/shop-token');
    expect(ls.stdout).toContain('s3-credentials/orders-bucket');
    const inspect = await cli(world.server, dir, ['block', 'inspect', 's3-credentials/orders-bucket']);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout).data).toMatchObject({
      aws_access_key_id: 'orders-key-id',
      aws_secret_access_key: '********',
      bucket_name: 'orders',
    });
    expect(inspect.stdout + ls.stdout).not.toContain('r2-s3cr3t-key');
    const again = await cli(world.server, dir, ['block', 'create', 'secret/shop-token', '{"value":"x"}']);
    expect(again.code).not.toBe(0);
    const bad = await cli(world.server, dir, ['block', 'create', 'no-such-type/x', '{}']);
    expect(bad.code).not.toBe(0);
    expect((await cli(world.server, dir, ['block', 'delete', 'secret/shop-token'])).code).toBe(0);
    expect((await cli(world.server, dir, ['block', 'inspect', 'secret/shop-token'])).code).not.toBe(0);
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
