// The objects the fuzz and the auth matrix address, made through the API with the admin key.
import { DEV_KEY } from '../e2e/harness.ts';
import type { Fixtures } from './generate.ts';

/** A JSON call that must succeed (setup, not the thing under test). */
export async function call<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  key = DEV_KEY,
): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface FixtureSet {
  fixtures: Fixtures;
  webhookSecret: string;
  apiKeySecret: string;
  bombDeploymentId: string;
}

/** One of each object, named `prefix-…`, with a run, a task run and a log so filters have rows to scan. */
export async function makeFixtures(url: string, prefix = 'fz'): Promise<FixtureSet> {
  const flowName = `${prefix}-flow`;
  const flow = await call<{ id: string }>(url, 'POST', '/api/flows', { name: flowName });
  const pool = `${prefix}-pool`;
  const queue = `${prefix}-queue`;
  await call(url, 'POST', '/api/work_pools', { name: pool });
  await call(url, 'POST', `/api/work_pools/${pool}/queues`, { name: queue });
  const deploymentName = `${prefix}-deployment`;
  const deployment = await call<{ id: string }>(url, 'POST', '/api/deployments', {
    name: deploymentName,
    flow_id: flow.id,
    work_pool_name: pool,
    entrypoint: 'flows/fuzz.ts:fuzz',
    schedules: [{ schedule: { interval: 3600 }, active: true }],
  });
  const [schedule] = await call<{ id: string }[]>(url, 'GET', `/api/deployments/${deployment.id}/schedules`);
  const bomb = await call<{ id: string }>(url, 'POST', '/api/deployments', {
    name: `${prefix}-bomb-deployment`,
    flow_id: flow.id,
    work_pool_name: pool,
    entrypoint: 'flows/fuzz.ts:fuzz',
  });
  const run = await call<{ id: string }>(url, 'POST', '/api/flow_runs', {
    flow_id: flow.id,
    name: `${prefix}-run`,
    tags: ['fuzz'],
  });
  const inputKey = `${prefix}-input`;
  await call(url, 'POST', `/api/flow_runs/${run.id}/input`, { key: inputKey, value: '"fuzz"' });
  const taskRun = await call<{ id: string }>(url, 'POST', '/api/task_runs', {
    flow_run_id: run.id,
    task_key: `${prefix}-task`,
    dynamic_key: '0',
  });
  await call(url, 'POST', '/api/logs', [
    { flow_run_id: run.id, level: 20, name: prefix, message: 'a log', timestamp: new Date().toISOString() },
  ]);
  const webhook = await call<{ id: string; slug: string; secret: string }>(url, 'POST', '/api/webhooks', {
    name: `${prefix}-webhook`,
    deployment_id: deployment.id,
  });
  const key = await call<{ id: string; key: string }>(url, 'POST', '/api/api_keys', {
    name: `${prefix}-key`,
    scope: 'read',
  });
  const limitName = `${prefix}-limit`;
  await call(url, 'POST', '/api/v2/concurrency_limits', { name: limitName, limit: 1000, active: false });
  const limitTag = `${prefix}-tag`;
  await call(url, 'POST', '/api/concurrency_limits', { tag: limitTag, concurrency_limit: 1000 });
  // The lease holds a limit of its own: the fuzz resets `limitName`, which would drop it before its renew.
  const leaseLimitName = `${prefix}-lease-limit`;
  await call(url, 'POST', '/api/v2/concurrency_limits', { name: leaseLimitName, limit: 1000 });
  const lease = await call<{ lease_id: string }>(
    url,
    'POST',
    '/api/v2/concurrency_limits/increment-with-lease',
    {
      names: [leaseLimitName],
      slots: 1,
      lease_duration: 86_400,
    },
  );
  const blockType = await call<{ id: string; slug: string }>(url, 'POST', '/api/block_types', {
    name: `${prefix}-block`,
    slug: `${prefix}-block`,
  });
  const blockSchema = await call<{ id: string; checksum: string }>(url, 'POST', '/api/block_schemas', {
    block_type_id: blockType.id,
    fields: {
      title: 'FuzzBlock',
      type: 'object',
      block_type_slug: blockType.slug,
      secret_fields: ['password'],
    },
  });
  const blockDocument = await call<{ id: string; name: string }>(url, 'POST', '/api/block_documents', {
    name: `${prefix}-document`,
    block_type_id: blockType.id,
    block_schema_id: blockSchema.id,
    data: { user: 'u', password: 'p' },
  });
  const variable = await call<{ id: string; name: string }>(url, 'POST', '/api/variables', {
    name: `${prefix}_variable`.toLowerCase().replace(/[^a-z0-9_-]/g, '-'),
    value: { fuzz: true },
  });
  const artifact = await call<{ id: string; key: string }>(url, 'POST', '/api/artifacts', {
    key: `${prefix}-artifact`.toLowerCase().replace(/[^a-z0-9-]/g, '-'),
    type: 'markdown',
    data: '# fuzz',
  });
  // Enabled, so the evaluator reads events; it watches only events nothing in the fuzz emits.
  const automation = await call<{ id: string }>(url, 'POST', '/api/automations', {
    name: `${prefix}-automation`,
    trigger: { type: 'event', posture: 'Reactive', expect: [`${prefix}.signal`], match: {} },
    actions: [{ type: 'do-nothing' }],
  });
  // A second page of events (the fixtures above emitted several), for `GET /api/events/filter/next`.
  const eventsPage = await call<{ next_page: string | null }>(url, 'POST', '/api/events/filter', {
    limit: 1,
  });
  if (!eventsPage.next_page) throw new Error('fixtures: the event filter gave no next page');
  const eventsPageToken = new URL(eventsPage.next_page, url).searchParams.get('page-token')!;
  const resultKey = `${prefix}/result.json`;
  await call(url, 'PUT', `/api/results/${resultKey}`, '{"value":1}');
  return {
    fixtures: {
      flowId: flow.id,
      flowName,
      deploymentId: deployment.id,
      deploymentName,
      scheduleId: schedule!.id,
      flowRunId: run.id,
      taskRunId: taskRun.id,
      pool,
      queue,
      webhookId: webhook.id,
      webhookSlug: webhook.slug,
      apiKeyId: key.id,
      resultKey,
      limitName,
      limitTag,
      leaseId: lease.lease_id,
      blockTypeId: blockType.id,
      blockTypeSlug: blockType.slug,
      blockSchemaId: blockSchema.id,
      blockSchemaChecksum: blockSchema.checksum,
      blockDocumentId: blockDocument.id,
      blockDocumentName: blockDocument.name,
      variableId: variable.id,
      variableName: variable.name,
      artifactId: artifact.id,
      artifactKey: artifact.key,
      automationId: automation.id,
      inputKey,
      eventsPageToken,
    },
    webhookSecret: webhook.secret,
    apiKeySecret: key.key,
    bombDeploymentId: bomb.id,
  };
}
