// Webhooks that emit an event (docs/deployments.md, "Webhooks"): instead of a run (no deployment) or
// besides it, templated from the request; stored once per delivery, checked before anything is
// written, never showing secrets to templates, and reaching automations like any event.
import { exports } from 'cloudflare:workers';
import type { Event, EventPage, FlowRun, WebhookCreated } from 'edgeflow/protocol';
import { describe, expect, it } from 'vitest';
import { signatureHeader } from '../../src/domain/webhooks/signatures';
import { api } from './api';
import { createAutomation, nudge, outcomes, setClock } from './automations';
import { createDeployment, runsOf } from './deployments-api';

const ORDER_EVENT = {
  event: 'shop.order.{{ body.status }}',
  resource: { 'prefect.resource.id': 'shop.order.{{ body.id }}', 'prefect.resource.name': '{{ body.name }}' },
  related: [
    { 'prefect.resource.id': 'shop.customer.{{ body.customer }}', 'prefect.resource.role': 'customer' },
  ],
};

async function createWebhook(body: Record<string, unknown>): Promise<WebhookCreated> {
  const { status, body: webhook } = await api<WebhookCreated>('POST', '/webhooks', { name: 'shop', ...body });
  expect(status).toBe(201);
  return webhook;
}

async function deliver(webhook: WebhookCreated, body: unknown, headers: Record<string, string> = {}) {
  const response = await exports.default.fetch(`http://edgeflow.test/api/webhooks/${webhook.slug}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(webhook.auth === 'token' ? { authorization: `Bearer ${webhook.secret}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

async function eventsAbout(resourceId: string): Promise<Event[]> {
  const { body } = await api<EventPage>('POST', '/events/filter', {
    filter: { resource: { id: [resourceId] }, order: 'ASC' },
    limit: 200,
  });
  return body.events;
}

const webhookResource = (id: string) => `edgeflow.webhook.${id}`;
const order = () => ({ id: crypto.randomUUID(), status: 'placed', name: 'Order', customer: 'c-7' });

describe('webhooks that emit an event', () => {
  it('without a deployment: answers 202 with the event id, stores the templated event and the call, runs nothing', async () => {
    const webhook = await createWebhook({ event: ORDER_EVENT });
    expect(webhook.deployment_id).toBeNull();
    const body = order();
    const answer = await deliver(webhook, body);
    expect(answer.status).toBe(202);
    const [event] = await eventsAbout(`shop.order.${body.id}`);
    expect(event).toMatchObject({
      id: answer.body.event_id,
      event: 'shop.order.placed',
      resource: { 'prefect.resource.id': `shop.order.${body.id}`, 'prefect.resource.name': 'Order' },
      payload: body,
    });
    expect(event?.related).toEqual([
      { 'prefect.resource.id': 'shop.customer.c-7', 'prefect.resource.role': 'customer' },
      {
        'prefect.resource.id': webhookResource(webhook.id),
        'prefect.resource.role': 'webhook',
        'prefect.resource.name': 'shop',
      },
    ]);
    const [called] = await eventsAbout(webhookResource(webhook.id));
    expect(called).toMatchObject({ event: 'edgeflow.webhook.called', related: [] });
  });

  it('besides a run: the event relates to the run the call made', async () => {
    const deployment = await createDeployment();
    const webhook = await createWebhook({
      deployment_id: deployment.id,
      event: { ...ORDER_EVENT, payload: { order: '{{ body.id }}', whole: '{{ body | tojson }}', fixed: 3 } },
      parameter_mapping: { body: 'order' },
    });
    const body = order();
    const answer = await deliver(webhook, body);
    expect(answer.status).toBe(201);
    const run = answer.body as unknown as FlowRun;
    const [event] = await eventsAbout(`shop.order.${body.id}`);
    expect(event?.related).toContainEqual({
      'prefect.resource.id': `prefect.flow-run.${run.id}`,
      'prefect.resource.role': 'flow-run',
    });
    expect(event?.payload).toEqual({ order: body.id, whole: JSON.stringify(body), fixed: 3 });
    expect(await runsOf(deployment.id)).toHaveLength(1);
  });

  it('stores the event once per delivery: the same Idempotency-Key again names the same event', async () => {
    const webhook = await createWebhook({ event: ORDER_EVENT });
    const body = order();
    const first = await deliver(webhook, body, { 'idempotency-key': 'delivery-1' });
    const again = await deliver(webhook, body, { 'idempotency-key': 'delivery-1' });
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body.event_id).toBe(first.body.event_id);
    expect(await eventsAbout(`shop.order.${body.id}`)).toHaveLength(1);
    expect(await eventsAbout(webhookResource(webhook.id))).toHaveLength(1);
  });

  it('refuses a signed replay without an Idempotency-Key with 409, as for runs', async () => {
    const webhook = await createWebhook({ event: ORDER_EVENT, auth: 'hmac' });
    const body = JSON.stringify(order());
    const signature = await signatureHeader(webhook.secret, body, {
      timestamp: Math.floor(Date.now() / 1000),
    });
    const headers = { 'x-edgeflow-signature': signature };
    expect((await deliver(webhook, body, headers)).status).toBe(202);
    const replay = await deliver(webhook, body, headers);
    expect([replay.status, replay.body.code]).toEqual([409, 'webhook.replayed']);
  });

  it('never shows a template the secret headers', async () => {
    const webhook = await createWebhook({
      event: {
        event: 'leak.test',
        resource: { 'prefect.resource.id': 'leak.{{ headers.x-source }}' },
        payload: { auth: '{{ headers.authorization }}', headers: '{{ headers | tojson }}' },
      },
    });
    const answer = await deliver(webhook, {}, { 'x-source': 'ci' });
    expect(answer.status).toBe(202);
    const [event] = await eventsAbout('leak.ci');
    expect(event?.payload.auth).toBe('');
    expect(String(event?.payload.headers)).not.toContain(webhook.secret);
    expect(JSON.parse(String(event?.payload.headers))).not.toHaveProperty('authorization');
  });

  it('refuses a body that makes an invalid event with 422 naming body, and stores nothing', async () => {
    const deployment = await createDeployment();
    const webhook = await createWebhook({ deployment_id: deployment.id, event: ORDER_EVENT });
    const answer = await deliver(webhook, { status: 'placed' }, {});
    // The resource id renders, but `{{ body.id }}` is empty: still valid; an empty event name is not.
    expect(answer.status).toBe(201);
    const empty = await deliver(webhook, { id: 'x' });
    expect(empty.status).toBe(201);
    const broken = await createWebhook({
      deployment_id: deployment.id,
      event: { event: '{{ body.name }}', resource: { 'prefect.resource.id': 'x.{{ body.id }}' } },
    });
    const refused = await deliver(broken, { id: 'no-name' });
    expect([refused.status, refused.body.field, refused.body.code]).toEqual([
      422,
      'body',
      'webhook.unusable_event',
    ]);
    expect(await eventsAbout('x.no-name')).toEqual([]);
    expect(await eventsAbout(webhookResource(broken.id))).toEqual([]);
    expect(await runsOf(deployment.id)).toHaveLength(2);
  });

  it.each([
    [{}, 'deployment_id'],
    [
      { event: { event: 'x', resource: { 'prefect.resource.id': '{% if %}' } } },
      'event.resource.prefect.resource.id',
    ],
    [{ event: { event: 'x', resource: { 'prefect.resource.name': 'n' } } }, 'event.resource'],
    [{ event: { event: 'x {{ body.a + 1 }}', resource: { 'prefect.resource.id': 'x' } } }, 'event.event'],
    [
      {
        event: {
          event: 'x',
          resource: { 'prefect.resource.id': 'x' },
          related: [{ 'prefect.resource.id': 'y' }],
        },
      },
      'event.related[0]',
    ],
  ])('refuses a webhook %j with 422 naming %s', async (body, field) => {
    const answer = await api<{ field: string }>('POST', '/webhooks', { name: 'bad', ...body });
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe(field);
  });

  it('refuses a PATCH that leaves a webhook with neither a deployment nor an event', async () => {
    const webhook = await createWebhook({ event: ORDER_EVENT });
    const answer = await api<{ field: string }>('PATCH', `/webhooks/${webhook.id}`, { event: null });
    expect([answer.status, answer.body.field]).toEqual([422, 'deployment_id']);
  });

  it("reaches automations: the webhook's event runs a deployment through a trigger", async () => {
    await setClock(Date.now());
    const deployment = await createDeployment();
    const webhook = await createWebhook({ event: ORDER_EVENT });
    const automation = await createAutomation({
      trigger: {
        type: 'event',
        posture: 'Reactive',
        expect: ['shop.order.placed'],
        match_related: {
          'prefect.resource.role': 'webhook',
          'prefect.resource.id': webhookResource(webhook.id),
        },
      },
      actions: [
        {
          type: 'run-deployment',
          deployment_id: deployment.id,
          parameters: { order: '{{ event.resource.id }}' },
        },
      ],
    });
    await nudge();
    const body = order();
    expect((await deliver(webhook, body)).status).toBe(202);
    await nudge();
    const [executed] = await outcomes(automation);
    expect(executed?.event).toBe('prefect.automation.action.executed');
    const [run] = await runsOf(deployment.id);
    expect(run?.parameters).toMatchObject({ order: `shop.order.${body.id}` });
  });
});
