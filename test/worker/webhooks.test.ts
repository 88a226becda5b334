// Inbound webhooks: a request with the webhook's secret (bearer token or HMAC signature) becomes a run
// of its deployment; anything else gets 401. Management takes an admin key.
import { exports } from 'cloudflare:workers';
import type { FlowRun, WebhookCreated } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { signatureOf } from '../../src/api/webhook-secrets';
import { api } from './api';
import { createDeployment } from './deployments-api';

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
      'x-edgeflow-signature': await signatureOf(webhook.secret, body),
    });
    expect(status).toBe(201);
    expect(run.parameters).toMatchObject({ ref: 'v1.2.0' });
  });

  it('answers 401 to a signature made with another secret', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const body = '{"ref":"main"}';
    const { status } = await deliver(webhook.slug, body, {
      'x-edgeflow-signature': await signatureOf('whsec_someone_else', body),
    });
    expect(status).toBe(401);
  });

  it('answers 401 when the body was changed after signing', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const signature = await signatureOf(webhook.secret, '{"ref":"main"}');
    const { status } = await deliver(webhook.slug, '{"ref":"evil"}', { 'x-edgeflow-signature': signature });
    expect(status).toBe(401);
  });

  it('does not accept the secret as a bearer token', async () => {
    const webhook = await createWebhook({ auth: 'hmac' });
    const { status } = await deliver(webhook.slug, '{}', { authorization: `Bearer ${webhook.secret}` });
    expect(status).toBe(401);
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

  it('answers 404 to a slug nobody registered', async () => {
    expect((await deliver('wh-nobody-here', '{}')).status).toBe(404);
  });

  it('stops accepting requests once deactivated', async () => {
    const webhook = await createWebhook();
    await api('PATCH', `/webhooks/${webhook.id}`, { active: false });
    const { status } = await deliver(webhook.slug, '{}', { authorization: `Bearer ${webhook.secret}` });
    expect(status).toBe(404);
  });
});
