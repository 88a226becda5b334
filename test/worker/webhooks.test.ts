// Inbound webhooks: a request with the webhook's secret (bearer token or a current HMAC signature)
// becomes a run of its deployment; anything else, unknown slugs included, gets one and the same 401.
// A signed request can't be replayed into a second run. Management takes an admin key.
import { exports } from 'cloudflare:workers';
import type { FlowRun, WebhookCreated } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { signatureHeader } from '../../src/domain/webhooks/signatures';
import { api } from './api';
import { createDeployment, runsOf } from './deployments-api';

async function createWebhook(body: Record<string, unknown> = {}): Promise<WebhookCreated> {
  const deployment = await createDeployment({ parameters: { source: 'default' } });
  const { status, body: webhook } = await api<WebhookCreated>('POST', '/webhooks', {
    name: 'github',
    deployment_id: deployment.id,
    ...body,
  });
  expect(status).toBe(201);
  return webhook;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What a sender signs with: now, unless the test says when. */
function sign(secret: string, body: string, options: { timestamp?: number; idempotencyKey?: string } = {}) {
  return signatureHeader(secret, body, { timestamp: nowSeconds(), ...options });
}

/** A call from outside: no API key, only what the sender knows. */
async function deliver(slug: string, body: string, headers: Record<string, string> = {}) {
  const response = await exports.default.fetch(`http://edgeflow.test/api/webhooks/${slug}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as FlowRun & { code?: string } };
}

describe('token webhooks', () => {
  it('turns a request with the right bearer token into a run with the body as parameters', async () => {
    const webhook = await createWebhook();
    const { status, body: run } = await deliver(webhook.slug, JSON.stringify({ ref: 'main' }), {
      authorization: `Bearer ${webhook.secret}`,
    });
    expect(status).toBe(201);
    expect(run).toMatchObject({
      deployment_id: webhook.deployment_id,
      state_type: 'SCHEDULED',
      parameters: { source: 'default', ref: 'main' },
    });
  });

  it('answers 401 to a wrong token', async () => {
    const webhook = await createWebhook();
    const { status, body } = await deliver(webhook.slug, '{}', { authorization: 'Bearer whsec_wrong' });
    expect(status).toBe(401);
    expect(body.code).toBe('webhook.unauthorized');
  });

  it('answers 401 without a token', async () => {
    const webhook = await createWebhook();
    expect((await deliver(webhook.slug, '{}')).status).toBe(401);
  });
});

describe('HMAC webhooks', () => {
  it('accepts a body signed with the webhook secret', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const body = JSON.stringify({ ref: 'v1.2.0' });
    const { status, body: run } = await deliver(webhook.slug, body, {
      'x-edgeflow-signature': await sign(webhook.secret, body),
    });
    expect(status).toBe(201);
    expect(run.parameters).toMatchObject({ ref: 'v1.2.0' });
  });

  it('answers 401 to a signature made with another secret', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const body = '{"ref":"main"}';
    const { status } = await deliver(webhook.slug, body, {
      'x-edgeflow-signature': await sign('whsec_someone_else', body),
    });
    expect(status).toBe(401);
  });

  it('answers 401 when the body was changed after signing', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const signature = await sign(webhook.secret, '{"ref":"main"}');
    const { status } = await deliver(webhook.slug, '{"ref":"evil"}', { 'x-edgeflow-signature': signature });
    expect(status).toBe(401);
  });

  it('does not accept the secret as a bearer token', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const { status } = await deliver(webhook.slug, '{}', { authorization: `Bearer ${webhook.secret}` });
    expect(status).toBe(401);
  });
});

describe('signed requests carry their time and are delivered once', () => {
  it('refuses a signature made more than five minutes ago, or more than five minutes ahead', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const body = '{"ref":"main"}';
    for (const timestamp of [nowSeconds() - 301, nowSeconds() + 301]) {
      const signature = await sign(webhook.secret, body, { timestamp });
      expect((await deliver(webhook.slug, body, { 'x-edgeflow-signature': signature })).status).toBe(401);
    }
    const recent = await sign(webhook.secret, body, { timestamp: nowSeconds() - 240 });
    expect((await deliver(webhook.slug, body, { 'x-edgeflow-signature': recent })).status).toBe(201);
  });

  it('refuses the old unsigned-time form, `sha256=<hex>` of the body', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const hex = (await sign(webhook.secret, '{}')).split('v1=')[1];
    expect((await deliver(webhook.slug, '{}', { 'x-edgeflow-signature': `sha256=${hex}` })).status).toBe(401);
  });

  it('makes one run of a signed request replayed three times; the replays get 409', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const body = '{"ref":"main"}';
    const headers = { 'x-edgeflow-signature': await sign(webhook.secret, body) };
    expect((await deliver(webhook.slug, body, headers)).status).toBe(201);
    for (let replay = 0; replay < 3; replay++) {
      const { status, body: error } = await deliver(webhook.slug, body, headers);
      expect(status).toBe(409);
      expect(error.code).toBe('webhook.replayed');
    }
    expect(await runsOf(webhook.deployment_id!)).toHaveLength(1);
  });

  it('returns the run to a redelivery signed anew with the same Idempotency-Key', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const body = '{"ref":"main"}';
    const send = async (timestamp: number) => {
      const signature = await sign(webhook.secret, body, { timestamp, idempotencyKey: 'delivery-1' });
      return deliver(webhook.slug, body, {
        'x-edgeflow-signature': signature,
        'idempotency-key': 'delivery-1',
      });
    };
    const first = await send(nowSeconds() - 10);
    const again = await send(nowSeconds());
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
  });

  it('signs the Idempotency-Key: a replay with another key, or with one added, is refused', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const body = '{"ref":"main"}';
    const keyed = await sign(webhook.secret, body, { idempotencyKey: 'delivery-1' });
    expect(
      (await deliver(webhook.slug, body, { 'x-edgeflow-signature': keyed, 'idempotency-key': 'delivery-1' }))
        .status,
    ).toBe(201);
    const changed = { 'x-edgeflow-signature': keyed, 'idempotency-key': 'delivery-2' };
    expect((await deliver(webhook.slug, body, changed)).status).toBe(401);
    const unkeyed = await sign(webhook.secret, body);
    expect((await deliver(webhook.slug, body, { 'x-edgeflow-signature': unkeyed })).status).toBe(201);
    const added = { 'x-edgeflow-signature': unkeyed, 'idempotency-key': 'delivery-3' };
    expect((await deliver(webhook.slug, body, added)).status).toBe(401);
    expect(await runsOf(webhook.deployment_id!)).toHaveLength(2);
  });

  it('answers an Idempotency-Key too long for a run with 422 naming it', async () => {
    const webhook = await createWebhook();
    const { status, body } = await deliver(webhook.slug, '{}', {
      authorization: `Bearer ${webhook.secret}`,
      'idempotency-key': 'k'.repeat(600),
    });
    expect(status).toBe(422);
    expect(body).toMatchObject({ code: 'request.invalid', field: 'Idempotency-Key' });
  });
});

describe('refusals that tell nothing', () => {
  it('answers an unknown slug, an inactive webhook, a wrong token and a bad signature alike', async () => {
    const token = await createWebhook();
    const hmac = await createWebhook({ auth: 'hmac' });
    const inactive = await createWebhook();
    await api('PATCH', `/webhooks/${inactive.id}`, { active: false });
    const answers = [
      await deliver('wh-nobody-here', '{}', { authorization: `Bearer ${token.secret}` }),
      await deliver(inactive.slug, '{}', { authorization: `Bearer ${inactive.secret}` }),
      await deliver(token.slug, '{}', { authorization: 'Bearer whsec_wrong' }),
      await deliver(token.slug, '{}'),
      await deliver(hmac.slug, '{}', { 'x-edgeflow-signature': await sign('whsec_wrong', '{}') }),
      await deliver(hmac.slug, '{}'),
    ];
    expect(answers[0]).toMatchObject({ status: 401, body: { code: 'webhook.unauthorized' } });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });
});

describe('parameter mapping', () => {
  it('puts the whole body into one parameter', async () => {
    const webhook = await createWebhook({ parameter_mapping: { body: 'event' } });
    const { body: run } = await deliver(webhook.slug, '{"action":"opened"}', {
      authorization: `Bearer ${webhook.secret}`,
    });
    expect(run.parameters).toEqual({ source: 'default', event: { action: 'opened' } });
  });

  it('maps named fields, by dotted path, to parameters', async () => {
    const webhook = await createWebhook({
      parameter_mapping: { fields: { branch: 'ref', first_commit: 'commits.0.id' } },
    });
    const { body: run } = await deliver(
      webhook.slug,
      JSON.stringify({ ref: 'main', commits: [{ id: 'abc' }] }),
      {
        authorization: `Bearer ${webhook.secret}`,
      },
    );
    expect(run.parameters).toEqual({ source: 'default', branch: 'main', first_commit: 'abc' });
  });
});

describe('managing webhooks', () => {
  it('shows the secret only at creation', async () => {
    const webhook = await createWebhook();
    const { body } = await api<Record<string, unknown>>('GET', `/webhooks/${webhook.id}`);
    expect(body).not.toHaveProperty('secret');
    expect(JSON.stringify(body)).not.toContain(webhook.secret);
  });

  it('refuses a key that is not an admin key', async () => {
    const { body: key } = await api<{ key: string }>('POST', '/api_keys', { name: 'agent', scope: 'agent' });
    const { status } = await api('GET', '/webhooks', undefined, key.key);
    expect(status).toBe(403);
  });

  it('stops accepting requests once deactivated', async () => {
    const webhook = await createWebhook();
    await api('PATCH', `/webhooks/${webhook.id}`, { active: false });
    const { status } = await deliver(webhook.slug, '{}', { authorization: `Bearer ${webhook.secret}` });
    expect(status).toBe(401);
  });
});
