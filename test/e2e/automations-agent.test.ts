// "When any flow run of flow X fails, run deployment Y with the failed run's id", through a real agent
// and the real local server: the failed run's state event fires the automation (docs/automations.md).
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

beforeAll(async () => {
  [server, project] = await Promise.all([startServer(), tempProject(FLOWS)]);
  const deployed = await cli(server, project.dir, ['deploy']);
  expect(deployed.code).toBe(0);
  agent = await startAgent({ server, pool: POOL, cwd: project.dir });
});

afterAll(async () => {
  await agent?.stop('SIGKILL', 1_000);
  await server?.stop();
  project?.remove();
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
