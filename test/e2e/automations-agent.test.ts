// Automations through a real agent and the real local server (docs/automations.md): "when any flow
// run of flow X fails, run deployment Y with the failed run's id", and a proactive "no COMPLETED
// within 60 s after RUNNING: cancel the run and call a webhook" against a receiver the test starts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli } from './cli-harness.ts';
import { FLOWS, POOL } from './cli-project.ts';
import {
  type LocalServer,
  type ProcessGroup,
  startAgent,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

let server: LocalServer;
let project: ReturnType<typeof tempProject>;
let agent: ProcessGroup;
let receiver: Server;
const received: { at: number; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push({ at: Date.now(), body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  [server, project] = await Promise.all([startServer(), tempProject(FLOWS)]);
  const deployed = await cli(server, project.dir, ['deploy']);
  expect(deployed.code).toBe(0);
  agent = await startAgent({ server, pool: POOL, cwd: project.dir });
});

afterAll(async () => {
  await agent?.stop('SIGKILL', 1_000);
  await server?.stop();
  project?.remove();
  await new Promise((resolve) => receiver?.close(resolve));
});

it('a failed run of flow boom runs deployment greet with the failed run id', {
  timeout: 120_000,
}, async () => {
  const boom = await server.client.readDeploymentByName('boom', 'default');
  const greet = await server.client.readDeploymentByName('greet', 'default');
  await server.client.automations.create({
    name: 'rerun-on-boom',
    trigger: {
      type: 'event',
      posture: 'Reactive',
      expect: ['prefect.flow-run.Failed'],
      match_related: {
        'prefect.resource.role': 'flow',
        'prefect.resource.id': `prefect.flow.${boom.flow_id}`,
      },
    },
    actions: [
      {
        type: 'run-deployment',
        deployment_id: greet.id,
        parameters: { name: { __prefect_kind: 'jinja', template: '{{ event.resource.id }}' } },
      },
    ],
  });
  const failed = await server.client.createDeploymentFlowRun(boom.id, {});
  const followUp = await waitUntil(
    async () => server.client.filterFlowRuns({ flow_runs: { deployment_id: { any_: [greet.id] } } }),
    (runs) =>
      runs.some(
        (run) => run.parameters.name === `prefect.flow-run.${failed.id}` && run.state_type === 'COMPLETED',
      ),
    90_000,
  );
  expect(followUp.length).toBeGreaterThan(0);
  expect((await server.client.readFlowRun(failed.id)).state_type).toBe('FAILED');
});

it('a run of slow with no COMPLETED 60 s after RUNNING is cancelled and the webhook called', {
  timeout: 180_000,
}, async () => {
  const slow = await server.client.readDeploymentByName('slow', 'default');
  const port = (receiver.address() as AddressInfo).port;
  await server.client.automations.create({
    name: 'stuck-slow',
    trigger: {
      type: 'event',
      posture: 'Proactive',
      after: ['prefect.flow-run.Running'],
      expect: ['prefect.flow-run.Completed'],
      for_each: ['prefect.resource.id'],
      match_related: {
        'prefect.resource.role': 'deployment',
        'prefect.resource.id': `prefect.deployment.${slow.id}`,
      },
      within: 60,
    },
    actions: [
      { type: 'cancel-flow-run' },
      {
        type: 'call-webhook',
        url: `http://127.0.0.1:${port}/stuck`,
        payload: '{"stuck": "{{ event.resource.id }}"}',
      },
    ],
  });
  const run = await server.client.createDeploymentFlowRun(slow.id, {});
  const cancelled = await waitUntil(
    async () => server.client.readFlowRun(run.id),
    (current) => current.state_type === 'CANCELLED',
    150_000,
  );
  expect(cancelled.state_type).toBe('CANCELLED');
  await waitUntil(
    async () => received.length,
    (count) => count > 0,
    10_000,
  );
  expect(JSON.parse(received[0]!.body)).toEqual({ stuck: `prefect.flow-run.${run.id}` });
  // When it fired, for the report (not asserted: timing stays out of pass/fail).
  const started = Date.parse(cancelled.start_time ?? '');
  console.log(`proactive firing ${((received[0]!.at - started) / 1000).toFixed(1)} s after the run started`);
});
