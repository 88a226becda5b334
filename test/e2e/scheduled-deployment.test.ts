// End to end: a deployment's schedule, planned by the Cron Trigger of the real local server,
// run by a real `edgeflow agent` from a TypeScript flow file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRun } from '../../worker-agent/src/protocol/index.ts';
import {
  DEV_KEY,
  type LocalServer,
  type ProcessGroup,
  SDK_URL,
  startAgent,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

const FLOWS = {
  'flows/greet.ts': `
import { flow } from '${SDK_URL}';

export const greet = flow(async ({ name }: { name: string }): Promise<string> => \`hello \${name}\`, { name: 'greet' });
`,
};

let server: LocalServer;
let project: ReturnType<typeof tempProject>;
let agent: ProcessGroup | undefined;

beforeAll(async () => {
  [server, project] = await Promise.all([startServer(), tempProject(FLOWS)]);
});

afterAll(async () => {
  await agent?.stop('SIGKILL', 1_000);
  await server?.stop();
  project?.remove();
});

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as T;
}

describe('a scheduled deployment', () => {
  it('is planned by a Cron Trigger tick and run to COMPLETED by an agent', async () => {
    agent = await startAgent({ server, pool: 'e2e-scheduled', cwd: project.dir });
    // The batch route leaves planning to the tick, so the run below can only come from the Cron Trigger.
    const { results } = await call<{ results: { id: string }[] }>('POST', '/api/deployments/bulk', {
      deployments: [
        {
          name: 'every-minute',
          flow_name: 'greet',
          entrypoint: 'flows/greet.ts:greet',
          work_pool_name: 'e2e-scheduled',
          parameters: { name: 'schedule' },
          // Anchored 3 s out: the first date is due right after the tick.
          schedules: [
            { schedule: { interval: 60, anchor_date: new Date(Date.now() + 3_000).toISOString() } },
          ],
        },
      ],
    });
    const deploymentId = results[0]!.id;
    await fetch(`${server.url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}`);

    const runs = () =>
      call<FlowRun[]>('POST', '/api/flow_runs/filter', {
        flow_runs: { deployment_id: { any_: [deploymentId] } },
        sort: 'EXPECTED_START_TIME_ASC',
      });
    const done = await waitUntil(
      runs,
      (found) => found[0]?.state_type === 'COMPLETED',
      30_000,
      'the first scheduled run to complete',
    );
    expect(done.length).toBeGreaterThan(3);
    expect(done[0]).toMatchObject({ auto_scheduled: true, tags: ['auto-scheduled'] });
    expect(done[0]!.state?.data).toBe('hello schedule');
  });
});
