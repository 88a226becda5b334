// Hostile JSON bodies are refused at the edge with a 4xx naming the field, and change nothing:
// nesting past 64 levels, 100,000 levels, unpaired surrogates, control characters, oversized values.
import { exports } from 'cloudflare:workers';
import {
  type FlowRun,
  FlowRunCreateSchema,
  type WebhookCreated,
  WorkPoolCreateSchema,
} from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, api, createFlow } from './api';
import { createDeployment, runsOf, unique } from './deployments-api';

interface Refusal {
  code: string;
  field: string;
  detail: string;
}

/** Sends `text` as it is: the tests build bodies JSON.stringify could not (too deep, lone surrogates). */
async function send(method: string, path: string, text: string, headers: Record<string, string> = {}) {
  const response = await exports.default.fetch(`http://edgeflow.test/api${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', ...headers },
    body: text,
  });
  const answer = await response.text();
  return { status: response.status, body: (answer ? JSON.parse(answer) : null) as Refusal };
}

/** A JSON object nested `levels` deep: `{"a":{"a":…1…}}`. */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

async function runsOfFlow(flowId: string): Promise<FlowRun[]> {
  return (await api<FlowRun[]>('POST', '/flow_runs/filter', { flow_runs: { flow_id: { any_: [flowId] } } }))
    .body;
}

describe('JSON nesting is limited to 64 levels at the edge', () => {
  it('refuses parameters nested 1,000 levels on POST /flow_runs with 422 naming parameters', async () => {
    const flowId = await createFlow();
    const { status, body } = await send(
      'POST',
      '/flow_runs',
      `{"flow_id":"${flowId}","parameters":${nested(1000)}}`,
    );
    expect(status).toBe(422);
    expect(body).toMatchObject({ code: 'request.too_deep', field: 'parameters' });
    expect(await runsOfFlow(flowId)).toEqual([]);
  });

  it('accepts a body of exactly 64 levels and refuses 65', async () => {
    const flowId = await createFlow();
    // The body is level 1, so parameters may nest 63 levels.
    const fits = await send('POST', '/flow_runs', `{"flow_id":"${flowId}","parameters":${nested(63)}}`);
    expect(fits.status).toBe(201);
    const over = await send('POST', '/flow_runs', `{"flow_id":"${flowId}","parameters":${nested(64)}}`);
    expect(over.status).toBe(422);
    expect(over.body.field).toBe('parameters');
  });

  it('refuses deep parameters on create_flow_run, and on the deployment itself', async () => {
    const deployment = await createDeployment();
    const run = await send(
      'POST',
      `/deployments/${deployment.id}/create_flow_run`,
      `{"parameters":${nested(1000)}}`,
    );
    expect(run.status).toBe(422);
    expect(run.body.field).toBe('parameters');
    expect(await runsOf(deployment.id)).toEqual([]);
    const patch = await send('PATCH', `/deployments/${deployment.id}`, `{"parameters":${nested(1000)}}`);
    expect(patch.status).toBe(422);
    expect(patch.body.field).toBe('parameters');
    const name = unique('deep');
    const create = await send(
      'POST',
      '/deployments',
      `{"name":"${name}","flow_name":"${name}","parameters":${nested(1000)}}`,
    );
    expect(create.status).toBe(422);
    expect(create.body.field).toBe('parameters');
  });

  it('answers 422 to a body nested 100,000 levels, and keeps answering', async () => {
    const flowId = await createFlow();
    const arrays = `{"flow_id":"${flowId}","parameters":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const objects = await send(
      'POST',
      '/flow_runs',
      `{"flow_id":"${flowId}","parameters":${nested(100_000)}}`,
    );
    const lists = await send('POST', '/flow_runs', arrays);
    expect([objects.status, lists.status]).toEqual([422, 422]);
    expect(lists.body.code).toBe('request.too_deep');
    expect(await runsOfFlow(flowId)).toEqual([]);
    expect((await api('GET', '/health')).status).toBe(200);
  });

  it('names the top-level field of a batch body', async () => {
    const { status, body } = await send(
      'POST',
      '/deployments/bulk',
      `{"deployments":[{"parameters":${nested(100)}}]}`,
    );
    expect(status).toBe(422);
    expect(body.field).toBe('deployments');
  });
});

describe('results are opaque bytes', () => {
  it('stores a JSON result nested deeper than a request body may be', async () => {
    const value = nested(200);
    expect((await send('PUT', '/results/limits/deep.json', value)).status).toBe(201);
    const response = await exports.default.fetch('http://edgeflow.test/api/results/limits/deep.json', {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(await response.text()).toBe(value);
  });
});

describe('text that cannot round-trip is refused', () => {
  it('refuses a work pool named with a lone surrogate, and creates nothing', async () => {
    const { status, body } = await send('POST', '/work_pools', '{"name":"lone\\ud800pool"}');
    expect(status).toBe(422);
    expect(body).toMatchObject({ code: 'request.unpaired_surrogate', field: 'name' });
    const pools = await api<{ name: string }[]>('POST', '/work_pools/filter', {});
    expect(pools.body.filter((pool) => pool.name.startsWith('lone'))).toEqual([]);
  });

  it('names the field of a lone surrogate anywhere in the body', async () => {
    const low = await send('POST', '/flows', '{"name":"ok","tags":["a","x\\udc00"]}');
    expect(low.status).toBe(422);
    expect(low.body.field).toBe('tags[1]');
    const flowId = await createFlow();
    const inKey = await send('POST', '/flow_runs', `{"flow_id":"${flowId}","parameters":{"\\ud83d":1}}`);
    expect(inKey.body.field).toBe('parameters');
    const pair = await send(
      'POST',
      '/flow_runs',
      `{"flow_id":"${flowId}","parameters":{"smile":"\\ud83d\\ude00"}}`,
    );
    expect(pair.status).toBe(201);
  });

  it('refuses control characters in names with 422 naming the field', async () => {
    for (const [path, text, field] of [
      ['/work_pools', '{"name":"nul\\u0000pool"}', 'name'],
      ['/flows', '{"name":"line\\nbreak"}', 'name'],
      ['/flows', '{"name":"tagged","tags":["esc\\u001b"]}', 'tags[0]'],
      ['/api_keys', '{"name":"bell\\u0007","scope":"read"}', 'name'],
    ] as const) {
      const { status, body } = await send('POST', path, text);
      expect({ path, status, field: body.field }).toEqual({ path, status: 422, field });
    }
  });
});

describe('the shared schemas refuse what the edge refuses, so the SDK checks before sending', () => {
  it('refuses lone surrogates and control characters in names, and oversized parameters', () => {
    for (const name of ['lone\ud800pool', 'nul\u0000pool', 'x\u009bpool']) {
      expect(WorkPoolCreateSchema.safeParse({ name }).success).toBe(false);
    }
    expect(WorkPoolCreateSchema.safeParse({ name: 'smile \ud83d\ude00' }).success).toBe(true);
    const parameters = { big: 'x'.repeat(512 * 1024) };
    const refused = FlowRunCreateSchema.safeParse({ flow_id: crypto.randomUUID(), parameters });
    expect(refused.error?.issues[0]?.path).toEqual(['parameters']);
  });
});

describe('free-form values are limited in size', () => {
  it('refuses parameters over 512 KB of JSON with 422 naming parameters', async () => {
    const flowId = await createFlow();
    const big = 'x'.repeat(512 * 1024);
    const { status, body } = await api<Refusal>('POST', '/flow_runs', {
      flow_id: flowId,
      parameters: { big },
    });
    expect(status).toBe(422);
    expect(body.field).toBe('parameters');
    expect(await runsOfFlow(flowId)).toEqual([]);
  });
});

describe('webhook bodies get the same limits', () => {
  async function tokenWebhook(): Promise<WebhookCreated> {
    const deployment = await createDeployment();
    const { body } = await api<WebhookCreated>('POST', '/webhooks', {
      name: 'limits',
      deployment_id: deployment.id,
    });
    return body;
  }

  async function deliver(webhook: WebhookCreated, text: string, headers: Record<string, string> = {}) {
    const response = await exports.default.fetch(`http://edgeflow.test/api/webhooks/${webhook.slug}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${webhook.secret}`, 'content-type': 'text/plain', ...headers },
      body: text,
    });
    return { status: response.status, body: (await response.json()) as Refusal };
  }

  it('refuses a body nested 1,000 levels with 422 naming body, whatever its content type', async () => {
    const webhook = await tokenWebhook();
    const { status, body } = await deliver(webhook, nested(1000));
    expect(status).toBe(422);
    expect(body).toMatchObject({ code: 'request.too_deep', field: 'body' });
    expect(await runsOf(webhook.deployment_id!)).toEqual([]);
  });

  it('names body for a JSON-typed body too, checked once its token is verified', async () => {
    const webhook = await tokenWebhook();
    const json = { 'content-type': 'application/json' };
    const refused = await deliver(webhook, nested(1000), json);
    expect([refused.status, refused.body.field]).toEqual([422, 'body']);
    const stranger = await deliver(webhook, nested(1000), { ...json, authorization: 'Bearer whsec_wrong' });
    expect(stranger.status).toBe(401);
  });

  it('refuses a lone surrogate, and an Idempotency-Key too long for a run, with 422', async () => {
    const webhook = await tokenWebhook();
    const surrogate = await deliver(webhook, '{"ref":"\\ud800"}');
    expect(surrogate.status).toBe(422);
    expect(surrogate.body.field).toBe('body.ref');
    const key = await deliver(webhook, '{}', { 'idempotency-key': 'k'.repeat(600) });
    expect(key.status).toBe(422);
    expect(key.body.field).toBe('Idempotency-Key');
    expect(await runsOf(webhook.deployment_id!)).toEqual([]);
  });
});

describe('values the fuzz found once answered 500 are refused with 4xx', () => {
  it('refuses a bulk deployment named with a lone surrogate, naming the entry, and registers nothing', async () => {
    const flowName = unique('lone-flow');
    const text = `{"deployments":[{"name":"ok","flow_name":"${flowName}","entrypoint":"f.ts:f"},{"name":"bad\\ud800","flow_name":"${flowName}","entrypoint":"f.ts:f"}]}`;
    const { status, body } = await send('POST', '/deployments/bulk', text);
    expect(status).toBe(422);
    expect(body).toMatchObject({ code: 'request.unpaired_surrogate', field: 'deployments[1].name' });
    const flows = await api<{ name: string }[]>('POST', '/flows/filter', {
      flows: { name: { any_: [flowName] } },
    });
    expect(flows.body).toEqual([]);
  });

  it('refuses an interval schedule of 1e308 seconds with 422 naming the interval, and saves nothing', async () => {
    const name = unique('huge-interval');
    const text = `{"name":"${name}","flow_name":"${name}","entrypoint":"f.ts:f","schedules":[{"schedule":{"interval":1e308}}]}`;
    const { status, body } = await send('POST', '/deployments', text);
    expect(status).toBe(422);
    expect(body.field).toBe('schedules[0].schedule.interval');
    const found = await api<unknown[]>('POST', '/deployments/filter', {
      deployments: { name: { any_: [name] } },
    });
    expect(found.body).toEqual([]);
  });
});
