// Scheduled runs end to end: a real server's pool alarm and Cron Trigger, a real agent, and
// flow.serve() running its own deployment's runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, FlowRun } from '../../worker-agent/src/protocol/index.ts';
import {
  DEV_KEY,
  type LocalServer,
  ProcessGroup,
  SDK_URL,
  startAgent,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

const FLOWS = {
  'flows/tick.ts': `
import { flow, getRunLogger } from '${SDK_URL}';

export const tick = flow(async ({ label = 'tick' }: { label?: string }) => {
  getRunLogger().info(\`\${label} ran\`);
  return label;
}, { name: 'tick' });
`,
  // Served the way a user would: the module defines the flow and awaits serve() at its top level.
  'flows/served.ts': `
import { flow, getRunLogger } from '${SDK_URL}';

export const served = flow(async ({ who }: { who: string }) => {
  getRunLogger().info(\`served \${who}\`);
  return who;
}, { name: 'served' });

await served.serve({ name: 'nightly', cron: '0 3 * * *', timezone: 'Europe/Paris', parameters: { who: 'default' } });
`,
};

let server: LocalServer;
let project: ReturnType<typeof tempProject>;
const processes: ProcessGroup[] = [];

beforeAll(async () => {
  [server, project] = await Promise.all([startServer(), tempProject(FLOWS)]);
});

afterAll(async () => {
  await Promise.all(processes.map((group) => group.stop('SIGKILL', 1_000)));
  await server?.stop();
  project?.remove();
});

async function agentOn(pool: string): Promise<ProcessGroup> {
  const agent = await startAgent({ server, pool, cwd: project.dir });
  processes.push(agent);
  return agent;
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEV_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** What `wrangler dev` does when the Cron Trigger fires. */
async function cronTick(): Promise<void> {
  const response = await fetch(`${server.url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*`);
  expect(response.ok).toBe(true);
}

const runsOf = (deployment: Deployment) =>
  server.client.filterFlowRuns({
    flow_runs: { deployment_id: { any_: [deployment.id] } },
    sort: 'EXPECTED_START_TIME_ASC',
  });

const completed = (id: string) =>
  waitUntil(
    () => server.client.readFlowRun(id),
    (run) => run.state_type === 'COMPLETED' || run.state_type === 'FAILED' || run.state_type === 'CRASHED',
    90_000,
    `flow run ${id} to end`,
  );

describe('scheduled runs through a real agent', () => {
  it('a run created for a second ahead waits for its time, is released by the pool alarm and completes', async () => {
    await agentOn('alarm');
    const deployment = await server.client.upsertDeployment({
      name: 'soon',
      flow_name: 'tick',
      entrypoint: 'flows/tick.ts:tick',
      work_pool_name: 'alarm',
    });
    const due = new Date(Date.now() + 1_000);
    const run = await server.client.createDeploymentFlowRun(deployment.id, {
      scheduled_time: due.toISOString(),
      parameters: { label: 'alarm' },
    });
    expect(run.state_type).toBe('SCHEDULED');

    const ended = await completed(run.id);
    expect(ended.state_type).toBe('COMPLETED');
    // Released by the alarm: never started before it was due (the agent had a claim waiting all along).
    expect(Date.parse(ended.start_time!)).toBeGreaterThanOrEqual(due.getTime());
    const logs = await server.client.filterLogs({ logs: { flow_run_id: { any_: [run.id] } } });
    expect(logs.map((log) => log.message)).toContain('alarm ran');
  });

  it('a cron tick creates the runs of a new schedule, tagged auto-scheduled, and the agent completes the one due', async () => {
    await agentOn('cron');
    // Registered in bulk, which leaves planning to the next tick: the runs below are the tick's.
    const anchor = new Date(Math.ceil((Date.now() + 15_000) / 1000) * 1000);
    const bulk = await api('POST', '/api/deployments/bulk', {
      deployments: [
        {
          name: 'hourly',
          flow_name: 'tick',
          entrypoint: 'flows/tick.ts:tick',
          work_pool_name: 'cron',
          parameters: { label: 'scheduled' },
          schedules: [{ schedule: { interval: 3600, anchor_date: anchor.toISOString() } }],
        },
      ],
    });
    expect(bulk.status).toBe(200);
    const deployment = await server.client.readDeploymentByName('tick', 'hourly');
    expect(await runsOf(deployment)).toEqual([]);

    await cronTick();
    const planned = await runsOf(deployment);
    expect(planned.length).toBeGreaterThanOrEqual(3);
    const first = planned[0]!;
    expect(Date.parse(first.expected_start_time!)).toBe(anchor.getTime());
    expect(first.auto_scheduled).toBe(true);
    expect(first.tags).toContain('auto-scheduled');
    expect(first.parameters).toEqual({ label: 'scheduled' });

    // A second tick finds the schedule topped up and duplicates nothing.
    await cronTick();
    expect((await runsOf(deployment)).map((run) => run.id)).toEqual(planned.map((run) => run.id));

    const ended = await completed(first.id);
    expect(ended.state_type).toBe('COMPLETED');
    expect(Date.parse(ended.start_time!)).toBeGreaterThanOrEqual(anchor.getTime());
    const rest = await runsOf(deployment);
    expect(
      rest.filter((run: FlowRun) => run.id !== first.id).every((run) => run.state_type === 'SCHEDULED'),
    ).toBe(true);
  });

  it('a cron schedule gets its runs at the minute marks, one per mark', async () => {
    const deployment = await server.client.upsertDeployment({
      name: 'every-minute',
      flow_name: 'tick',
      entrypoint: 'flows/tick.ts:tick',
      work_pool_name: 'unattended',
      schedules: [{ schedule: { cron: '* * * * *', timezone: 'UTC' } }],
    });
    await cronTick();
    const runs = await runsOf(deployment);
    const times = runs.map((run) => Date.parse(run.expected_start_time!));
    expect(times.length).toBeGreaterThanOrEqual(60);
    expect(times.every((time) => time % 60_000 === 0)).toBe(true);
    expect(new Set(times).size).toBe(times.length);
  });
});

describe('flow.serve()', () => {
  it('registers its deployment on a pool of its own and runs the runs created for it, until SIGTERM pauses it', async () => {
    const serving = new ProcessGroup(process.execPath, ['flows/served.ts'], {
      cwd: project.dir,
      env: { ...process.env, EDGEFLOW_API_URL: server.url, EDGEFLOW_API_KEY: DEV_KEY },
    });
    processes.push(serving);
    await serving.waitForOutput(/polling pool "serve-served-nightly"/, 60_000);

    const deployment = await server.client.readDeploymentByName('served', 'nightly');
    expect(deployment.entrypoint).toBe('flows/served.ts:served');
    expect(deployment.work_pool_name).toBe('serve-served-nightly');
    expect(deployment.paused).toBe(false);
    expect(deployment.schedules.map((s) => s.schedule)).toEqual([
      { cron: '0 3 * * *', timezone: 'Europe/Paris', day_or: true },
    ]);
    expect((await runsOf(deployment)).some((run) => run.auto_scheduled)).toBe(true);

    const run = await server.client.createDeploymentFlowRun(deployment.id, { parameters: { who: 'test' } });
    const ended = await completed(run.id);
    expect(ended.state_type).toBe('COMPLETED');
    expect(ended.work_pool_name).toBe('serve-served-nightly');
    const logs = await server.client.filterLogs({ logs: { flow_run_id: { any_: [run.id] } } });
    expect(logs.map((log) => log.message)).toContain('served test');
    // The run's own process imported served.ts too; its serve() call did nothing there.
    expect(serving.output.match(/polling pool/g)).toHaveLength(1);

    serving.signal('SIGTERM');
    expect((await serving.exited).code).toBe(0);
    expect(serving.output).toMatch(/deployment served\/nightly paused/);
    expect((await server.client.readDeploymentByName('served', 'nightly')).paused).toBe(true);
  });
});
