// An agent needs only an agent key (docs/api-scopes.md): with one it creates its own pool, claims and
// heartbeats, and its flow runs report tasks, subflows, logs and results stored in R2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_KEY, SDK_URL, startAgent, startServer, tempProject } from './harness.ts';
import { finished, type SdkWorld, stopWorld, taskRuns } from './sdk-helpers.ts';

const FLOWS = {
  'flows/scoped.ts': `
import { flow, getRunLogger, task } from '${SDK_URL}';

const big = task((size: number) => 'y'.repeat(size), { name: 'big', persistResult: true });
const child = flow(async ({ x }: { x: number }) => x + 1, { name: 'scoped-child' });

export const scoped = flow(async () => {
  getRunLogger().info('running with an agent key');
  const stored = await big(10_000);
  return { length: stored.length, child: await child({ x: 1 }) };
}, { name: 'scoped' });
`,
};

const POOL = 'e2e-agent-scope';
let world: SdkWorld;

beforeAll(async () => {
  const [server, project] = await Promise.all([startServer(), tempProject(FLOWS)]);
  const response = await fetch(`${server.url}/api/api_keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'worker machine', scope: 'agent' }),
  });
  expect(response.status).toBe(201);
  const { key } = (await response.json()) as { key: string };
  const agent = await startAgent({ server, pool: POOL, cwd: project.dir, key });
  world = { server, project, agent, pool: POOL };
});

afterAll(async () => {
  await stopWorld(world);
});

describe('an agent with an agent key', () => {
  it('creates its pool and runs a flow with a persisted task result, a subflow and logs to COMPLETED', async () => {
    expect(await world.server.client.workPools.read(POOL)).toMatchObject({ name: POOL });
    const flow = await world.server.client.createFlow({ name: 'scoped' });
    const run = await world.server.client.createFlowRun({
      flow_id: flow.id,
      work_pool_name: POOL,
      entrypoint: 'flows/scoped.ts:scoped',
    });
    const done = await finished(world, run);
    expect(done.state_type).toBe('COMPLETED');
    expect(done.state?.data).toEqual({ length: 10_000, child: 2 });
    const tasks = await taskRuns(world, run.id);
    expect(tasks.get('big-0')?.state?.data).toMatchObject({
      storage_key: expect.stringMatching(/^task-runs\//),
    });
    const logs = await world.server.client.filterLogs({ logs: { flow_run_id: { any_: [run.id] } } });
    expect(logs.map((log) => log.message)).toContain('running with an agent key');
    expect(world.agent.output).not.toMatch(/\b403\b|forbidden/);
  });
});
