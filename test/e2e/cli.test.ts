// The command line end to end: `edgeflow deploy`, `run --watch`, `runs`, `logs`, `cancel`
// against the real local server, with a real agent running the flows.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRun } from '../../worker-agent/src/protocol/index.ts';
import { cli, startCli } from './cli-harness.ts';
import { CONFIG, FLOWS, POOL } from './cli-project.ts';
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
  expect(deployed.stderr).toBe('');
  expect(deployed.code).toBe(0);
  agent = await startAgent({ server, pool: POOL, cwd: project.dir });
});

afterAll(async () => {
  await agent?.stop('SIGKILL', 1_000);
  await server?.stop();
  project?.remove();
});

const runOf = (stdout: string) => /\(([0-9a-f-]{36})\)/.exec(stdout)?.[1] ?? '';

async function scheduledRunIds(deploymentId: string): Promise<string[]> {
  const runs = await server.client.filterFlowRuns({
    flow_runs: { deployment_id: { any_: [deploymentId] }, state: { type: { any_: ['SCHEDULED'] } } },
  });
  return runs.map((run) => run.id).sort();
}

describe('edgeflow deploy', () => {
  it('registers each declared deployment with the entrypoint, flow name and parameter schema of its flow', async () => {
    const greet = await server.client.readDeploymentByName('greet', 'default');
    expect(greet.entrypoint).toBe('flows/greet.ts:greet');
    expect(greet.work_pool_name).toBe(POOL);
    expect(greet.parameters).toEqual({ name: 'world' });
    expect(greet.schedules.map((s) => s.schedule)).toEqual([
      { cron: '*/5 * * * *', timezone: 'Europe/Paris', day_or: true },
    ]);
    expect(greet.parameter_openapi_schema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string' }, times: { type: 'integer' } },
      required: ['name'],
    });
    expect((await server.client.readDeploymentByName('boom', 'default')).entrypoint).toBe(
      'flows/more.ts:boom',
    );
    expect((await server.client.readDeploymentByName('slow', 'default')).entrypoint).toBe(
      'flows/more.ts:slow',
    );
  });

  it('changes nothing when deployed again: same deployment, same schedules, same scheduled runs', async () => {
    const before = await server.client.readDeploymentByName('greet', 'default');
    const runsBefore = await scheduledRunIds(before.id);
    expect(runsBefore.length).toBeGreaterThan(0);

    const again = await cli(server, project.dir, ['deploy']);
    expect(again.code).toBe(0);
    expect(again.stdout.match(/: unchanged/g)).toHaveLength(3);

    const after = await server.client.readDeploymentByName('greet', 'default');
    expect(after.updated).toBe(before.updated);
    expect(after.schedules.map((s) => s.id)).toEqual(before.schedules.map((s) => s.id));
    expect(await scheduledRunIds(after.id)).toEqual(runsBefore);
  });

  it('replaces a deployment whose declaration changed, naming what changed', async () => {
    const changed = structuredClone(CONFIG);
    changed.deployments[0]!.parameters = { name: 'moon' };
    writeFileSync(join(project.dir, 'edgeflow.json'), JSON.stringify(changed));
    try {
      const result = await cli(server, project.dir, ['deploy', 'default']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/greet\/default: updated \(parameters\)/);
      expect((await server.client.readDeploymentByName('greet', 'default')).parameters).toEqual({
        name: 'moon',
      });
    } finally {
      writeFileSync(join(project.dir, 'edgeflow.json'), JSON.stringify(CONFIG));
      await cli(server, project.dir, ['deploy']);
    }
  });

  it('reports a config error with its path and exits non-zero', async () => {
    const bad = tempProject({
      'edgeflow.json': JSON.stringify({
        deployments: [{ name: 'x', entrypoint: 'f.ts', work_pool_name: 3 }],
      }),
    });
    try {
      const result = await cli(server, bad.dir, ['deploy']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/work_pool_name/);
    } finally {
      bad.remove();
    }
  });
});

describe('edgeflow run', () => {
  it('--watch follows states, task progress and logs of a run to COMPLETED and exits 0', async () => {
    const result = await cli(server, project.dir, [
      'run',
      'greet/default',
      '--param',
      'name=Ada',
      '--param',
      'times=3',
      '--watch',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    const at = (pattern: RegExp) => out.search(pattern);
    expect(at(/state +Scheduled/)).toBeGreaterThanOrEqual(0);
    expect(at(/state +Running/)).toBeGreaterThan(at(/state +Scheduled/));
    expect(at(/INFO +hello Ada x3/)).toBeGreaterThan(at(/state +Running/));
    expect(at(/state +Completed/)).toBeGreaterThan(at(/INFO +hello Ada x3/));
    expect(out).toMatch(/tasks +3 total: 3 completed/);
    expect(out).toMatch(/ended Completed/);
    const run = await server.client.readFlowRun(runOf(out));
    expect(run.parameters).toEqual({ name: 'Ada', times: 3 });
  });

  it('--watch exits 1 when the run fails, after printing its logs and the failure', async () => {
    const result = await cli(server, project.dir, ['run', 'boom/default', '--watch']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/ERROR +about to fail/);
    expect(result.stdout).toMatch(/state +Failed/);
    expect(result.stdout).toMatch(/ended Failed/);
  });

  it('merges --params-json under --param values, reading values as JSON when they parse', async () => {
    const result = await cli(server, project.dir, [
      'run',
      'greet/default',
      '--params-json',
      '{"name": "json", "times": 2}',
      '--param',
      'name=["a", 1]',
      '--param',
      'name="Grace"',
    ]);
    expect(result.code).toBe(0);
    const run = await server.client.readFlowRun(runOf(result.stdout));
    expect(run.parameters).toEqual({ name: 'Grace', times: 2 });
    expect(run.state_type).not.toBeNull();
  });

  it("shows the server's 4xx detail and the field at fault for a bad parameter", async () => {
    const result = await cli(server, project.dir, ['run', 'greet/default', '--param', 'times=many']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/422 flow_run\.invalid_parameters: .*\(field: parameters\.times\)/);
  });

  it('names an unknown deployment in the 404', async () => {
    const result = await cli(server, project.dir, ['run', 'greet/nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/404 deployment\.not_found: deployment greet\/nope not found/);
  });
});

describe('edgeflow runs, logs and cancel', () => {
  let completed: FlowRun;
  let failed: FlowRun;

  beforeAll(async () => {
    const ok = await cli(server, project.dir, ['run', 'greet/default', '--param', 'name=Listed', '--watch']);
    const bad = await cli(server, project.dir, ['run', 'boom/default', '--watch']);
    completed = await server.client.readFlowRun(runOf(ok.stdout));
    failed = await server.client.readFlowRun(runOf(bad.stdout));
  });

  it('runs lists runs as a table, filtered by flow and by state', async () => {
    const all = await cli(server, project.dir, ['runs', '--limit', '200']);
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')[0]).toMatch(/^ID +NAME +FLOW +STATE +DUE +DURATION$/);
    expect(all.stdout).toContain(completed.id);
    expect(all.stdout).toContain(failed.id);

    const greetDone = await cli(server, project.dir, ['runs', '--flow', 'greet', '--state', 'completed']);
    expect(greetDone.stdout).toContain(completed.id);
    expect(greetDone.stdout).not.toContain(failed.id);

    const failures = await cli(server, project.dir, ['runs', '--state', 'FAILED']);
    expect(failures.stdout).toContain(failed.id);
    expect(failures.stdout).not.toContain(completed.id);

    const upcoming = await cli(server, project.dir, ['runs', '--upcoming', '--deployment', 'greet/default']);
    expect(upcoming.stdout).toMatch(/greet +Scheduled/);
    expect(upcoming.stdout).not.toContain(completed.id);
  });

  it("logs prints a run's logs", async () => {
    const result = await cli(server, project.dir, ['logs', completed.id]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/INFO +hello Listed x1/);
  });

  it('logs --follow prints new logs as they come and stops when the run ends', async () => {
    const marker = join(project.dir, `gate-${Date.now()}`);
    const flow = await server.client.createFlow({ name: 'gated' });
    const run = await server.client.createFlowRun({
      flow_id: flow.id,
      work_pool_name: POOL,
      entrypoint: 'flows/more.ts:gated',
      parameters: { marker },
    });
    const follower = startCli(server, project.dir, ['logs', run.id, '--follow']);
    await follower.waitForOutput(/gated started/);
    // The flow's second line only comes once the marker exists: the follower must print it as it comes.
    expect(follower.output).not.toMatch(/gated finished/);
    writeFileSync(marker, '');
    const { code } = await follower.exited;
    expect(code).toBe(0);
    expect(follower.output).toMatch(/INFO +gated finished/);
    expect(follower.output).toMatch(/ended Completed/);
  });

  it('cancel moves a running run to CANCELLING and the agent ends it CANCELLED', async () => {
    const deployment = await server.client.readDeploymentByName('slow', 'default');
    const run = await server.client.createDeploymentFlowRun(deployment.id, {});
    await waitUntil(
      () => server.client.readFlowRun(run.id),
      (r) => r.state_type === 'RUNNING',
      30_000,
      'RUNNING',
    );
    const result = await cli(server, project.dir, ['cancel', run.id]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ACCEPT; the run is Cancelling/);
    await waitUntil(
      () => server.client.readFlowRun(run.id),
      (r) => r.state_type === 'CANCELLED',
      30_000,
      'CANCELLED',
    );
  });

  it('cancel ends a run no agent holds yet at once, and exits 1 for a run that already ended', async () => {
    const deployment = await server.client.readDeploymentByName('slow', 'default');
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const run = await server.client.createDeploymentFlowRun(deployment.id, { scheduled_time: later });
    const first = await cli(server, project.dir, ['cancel', run.id]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/the run is Cancelled/);
    expect((await server.client.readFlowRun(run.id)).state_type).toBe('CANCELLED');

    const again = await cli(server, project.dir, ['cancel', run.id]);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/ABORT/);
  });
});
