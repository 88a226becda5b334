// Deployment triggers end to end (docs/deployments.md, "Triggers"): `edgeflow deploy` with a trigger in
// edgeflow.json creates the automation once however often it is deployed, and an event posted to the
// API runs the deployment, its parameter templated from the event, through a real agent; so does the
// event a webhook emits from its request ("Webhooks").
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli } from './cli-harness.ts';
import { FLOWS } from './cli-project.ts';
import {
  DEV_KEY,
  type LocalServer,
  type ProcessGroup,
  startAgent,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

const POOL = 'deployment-triggers';

const config = (trigger: Record<string, unknown>) => ({
  deployments: [
    {
      name: 'on-order',
      entrypoint: 'flows/greet.ts',
      work_pool_name: POOL,
      parameters: { name: 'nobody' },
      triggers: [trigger],
    },
  ],
});

const ORDER_TRIGGER = {
  expect: ['shop.order.placed'],
  match: { 'prefect.resource.id': 'shop.order.*' },
  parameters: { name: '{{ event.resource.id }}' },
};

let server: LocalServer;
let project: ReturnType<typeof tempProject>;
let agent: ProcessGroup;

beforeAll(async () => {
  [server, project] = await Promise.all([
    startServer(),
    tempProject({ ...FLOWS, 'edgeflow.json': JSON.stringify(config(ORDER_TRIGGER)) }),
  ]);
  agent = await startAgent({ server, pool: POOL, cwd: project.dir });
});

afterAll(async () => {
  await agent?.stop('SIGKILL', 1_000);
  await server?.stop();
  project?.remove();
});

async function owned(deploymentId: string) {
  const all = await server.client.automations.list();
  return all.filter((automation) => automation.owner_resource === `prefect.deployment.${deploymentId}`);
}

it('edgeflow deploy makes the trigger an automation once, and an event runs the deployment through the agent', {
  timeout: 120_000,
}, async () => {
  // The second time forced: sent to the server again, which updates the automation in place.
  for (const args of [['deploy'], ['deploy', '--force']]) {
    const deployed = await cli(server, project.dir, args);
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
  }
  const deployment = await server.client.readDeploymentByName('greet', 'on-order');
  const [automation, ...more] = await owned(deployment.id);
  expect(more).toEqual([]);
  expect(automation?.name).toBe('on-order__automation_1');
  expect(automation?.actions).toEqual([
    expect.objectContaining({ type: 'run-deployment', source: 'selected', deployment_id: deployment.id }),
  ]);

  // A changed trigger is sent again and updates the same automation.
  writeFileSync(
    join(project.dir, 'edgeflow.json'),
    JSON.stringify(config({ ...ORDER_TRIGGER, description: 'orders start a greeting' })),
  );
  const redeployed = await cli(server, project.dir, ['deploy']);
  expect(redeployed.code).toBe(0);
  expect(redeployed.stdout).toMatch(/triggers/);
  const after = await owned(deployment.id);
  expect(after.map((a) => [a.id, a.description])).toEqual([[automation?.id, 'orders start a greeting']]);

  await server.client.createEvents([
    {
      id: crypto.randomUUID(),
      occurred: new Date().toISOString(),
      event: 'shop.order.placed',
      resource: { 'prefect.resource.id': 'shop.order.42' },
    },
  ]);
  const runs = await waitUntil(
    async () => server.client.filterFlowRuns({ flow_runs: { deployment_id: { any_: [deployment.id] } } }),
    (found) => found.some((run) => run.parameters.name === 'shop.order.42' && run.state_type === 'COMPLETED'),
    90_000,
    'a COMPLETED run of on-order for shop.order.42',
  );
  expect(runs.filter((run) => run.parameters.name === 'shop.order.42')).toHaveLength(1);
});

it("a webhook's event, templated from its request, runs the deployment through its trigger", {
  timeout: 120_000,
}, async () => {
  const deployment = await server.client.readDeploymentByName('greet', 'on-order');
  const admin = { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' };
  const created = await fetch(`${server.url}/api/webhooks`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({
      name: 'shop',
      event: {
        event: 'shop.order.{{ body.status }}',
        resource: { 'prefect.resource.id': 'shop.order.{{ body.id }}' },
      },
    }),
  });
  expect(created.status).toBe(201);
  const webhook = (await created.json()) as { slug: string; secret: string };
  const called = await fetch(`${server.url}/api/webhooks/${webhook.slug}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${webhook.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'w-7', status: 'placed' }),
  });
  expect(called.status).toBe(202);
  await waitUntil(
    async () => server.client.filterFlowRuns({ flow_runs: { deployment_id: { any_: [deployment.id] } } }),
    (found) =>
      found.some((run) => run.parameters.name === 'shop.order.w-7' && run.state_type === 'COMPLETED'),
    90_000,
    'a COMPLETED run of on-order for shop.order.w-7',
  );
});
