// Automations end to end against the real local server: an event posted to the API fires a trigger
// whose call-webhook action reaches a receiver this test starts, with the payload templated from the
// event; and `edgeflow automation ls|inspect|pause|resume|delete` (docs/automations.md).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-harness.ts';
import { type LocalServer, startServer, tempProject, waitUntil } from './harness.ts';

let server: LocalServer;
let project: ReturnType<typeof tempProject>;
let receiver: Server;
const received: { headers: Record<string, unknown>; body: string; at: number }[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body, at: performance.now() });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  [server, project] = await Promise.all([startServer(), tempProject({})]);
});

afterAll(async () => {
  await server?.stop();
  project?.remove();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('automations end to end', () => {
  it('an event posted to the API calls the webhook with its resource id', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const automation = await server.client.automations.create({
      name: 'e2e-webhook',
      trigger: { type: 'event', posture: 'Reactive', expect: ['e2e.thing.broke'] },
      actions: [
        {
          type: 'call-webhook',
          url: `http://127.0.0.1:${port}/hook`,
          headers: { 'x-e2e': 'yes' },
          payload: '{"broken": "{{ event.resource.id }}"}',
        },
      ],
    });
    await server.client.createEvents([
      {
        id: crypto.randomUUID(),
        occurred: new Date().toISOString(),
        event: 'e2e.thing.broke',
        resource: { 'prefect.resource.id': 'e2e.thing.1' },
      },
    ]);
    await waitUntil(
      async () => received.length,
      (count) => count > 0,
      10_000,
    );
    expect(JSON.parse(received[0]!.body)).toEqual({ broken: 'e2e.thing.1' });
    expect(received[0]!.headers['x-e2e']).toBe('yes');
    const page = await server.client.filterEvents({
      filter: {
        resource: { id: [`prefect.automation.${automation.id}`] },
        event: { prefix: ['prefect.automation.action.'] },
      },
    });
    expect(page.events.map((event) => event.event)).toEqual(['prefect.automation.action.executed']);
  });

  it('reports the trigger latency from an event accepted to its webhook received (not asserted)', async () => {
    const port = (receiver.address() as AddressInfo).port;
    await server.client.automations.create({
      name: 'e2e-latency',
      trigger: { type: 'event', posture: 'Reactive', expect: ['e2e.latency'] },
      actions: [{ type: 'call-webhook', url: `http://127.0.0.1:${port}/latency`, payload: '{{ event.id }}' }],
    });
    const latencies: number[] = [];
    for (let i = 0; i < 30; i++) {
      const id = crypto.randomUUID();
      const sent = performance.now();
      await server.client.createEvents([
        {
          id,
          occurred: new Date().toISOString(),
          event: 'e2e.latency',
          resource: { 'prefect.resource.id': 'e2e.l' },
        },
      ]);
      // The receiver stamps its arrival, so the polling interval below is not in the figure.
      const arrival = await waitUntil(async () => received.find((r) => r.body === id), Boolean, 10_000);
      latencies.push(arrival!.at - sent);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
    console.log(`trigger latency, event POST to webhook received: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms`);
    expect(latencies).toHaveLength(30);
  });

  it('edgeflow automation ls, inspect, pause, resume and delete', async () => {
    const automation = await server.client.automations.create({
      name: 'e2e-cli',
      trigger: { type: 'event', posture: 'Reactive', expect: ['never'] },
      actions: [{ type: 'do-nothing' }],
    });
    await server.client.automations.create({
      name: 'e2e-cli-compound',
      trigger: {
        type: 'compound',
        require: 'all',
        within: 60,
        triggers: [
          { type: 'event', posture: 'Reactive', expect: ['e2e.a'] },
          {
            type: 'sequence',
            within: null,
            triggers: [{ type: 'event', posture: 'Reactive', expect: ['e2e.b'] }],
          },
        ],
      },
      actions: [{ type: 'do-nothing' }],
    });
    const ls = await cli(server, project.dir, ['automation', 'ls']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain('e2e-cli');
    expect(ls.stdout).toContain('compound(all) [Reactive e2e.a; sequence [Reactive e2e.b]]');
    expect((await cli(server, project.dir, ['automation', 'pause', automation.id])).code).toBe(0);
    const inspected = await cli(server, project.dir, ['automation', 'inspect', automation.id]);
    expect(JSON.parse(inspected.stdout)).toMatchObject({ id: automation.id, enabled: false });
    expect((await cli(server, project.dir, ['automation', 'resume', automation.id])).code).toBe(0);
    expect((await server.client.automations.read(automation.id)).enabled).toBe(true);
    expect((await cli(server, project.dir, ['automation', 'delete', automation.id])).code).toBe(0);
    const missing = await cli(server, project.dir, ['automation', 'inspect', automation.id]);
    expect(missing.code).toBe(1);
  });
});
