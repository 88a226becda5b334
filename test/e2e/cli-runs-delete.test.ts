// `edgeflow runs delete` end to end (docs/retention.md): it needs a filter, lists without --yes,
// deletes the finished runs that match with --yes, and keeps the rest. And a deployment's
// `retention_days` from edgeflow.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-harness.ts';
import { type LocalServer, SDK_URL, startServer, tempProject } from './harness.ts';

const FLOW = `import { flow } from '${SDK_URL}';
export const nightly = flow(async () => 1, { name: 'nightly-retention' });
`;
const config = (retention_days: number) =>
  JSON.stringify({
    deployments: [
      { name: 'kept', entrypoint: 'flows/nightly.ts', work_pool_name: 'retention', retention_days },
    ],
  });

let server: LocalServer;
let project: ReturnType<typeof tempProject>;

beforeAll(async () => {
  [server, project] = await Promise.all([
    startServer(),
    tempProject({ 'flows/nightly.ts': FLOW, 'edgeflow.json': config(90) }),
  ]);
});

afterAll(async () => {
  await server?.stop();
  project?.remove();
});

async function flowRun(flowId: string, finalState: 'COMPLETED' | 'FAILED' | null): Promise<string> {
  const run = await server.client.createFlowRun({ flow_id: flowId });
  await server.client.setFlowRunState(run.id, { state: { type: 'RUNNING' } });
  if (finalState) await server.client.setFlowRunState(run.id, { state: { type: finalState } });
  return run.id;
}

const exists = async (id: string) =>
  (await server.client.filterFlowRuns({ flow_runs: { id: { any_: [id] } } })).length === 1;

describe('edgeflow runs delete', () => {
  it('refuses to run without a filter, or with a date that is not one', async () => {
    const bare = await cli(server, project.dir, ['runs', 'delete', '--yes']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('at least one filter');
    const badDate = await cli(server, project.dir, ['runs', 'delete', '--before', 'yesterday', '--yes']);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('--before');
  });

  it('lists what matches without --yes, then deletes only the finished runs that match with it', async () => {
    const flow = await server.client.createFlow({ name: `tidy-${crypto.randomUUID().slice(0, 8)}` });
    const other = await server.client.createFlow({ name: `other-${crypto.randomUUID().slice(0, 8)}` });
    const completed = await flowRun(flow.id, 'COMPLETED');
    const failed = await flowRun(flow.id, 'FAILED');
    const running = await flowRun(flow.id, null);
    const elsewhere = await flowRun(other.id, 'COMPLETED');

    const preview = await cli(server, project.dir, ['runs', 'delete', '--flow', flow.name]);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain(completed);
    expect(preview.stdout).toContain(failed);
    expect(preview.stdout).not.toContain(running);
    expect(preview.stdout).toContain('nothing was deleted');
    expect(await exists(completed)).toBe(true);

    const deleted = await cli(server, project.dir, ['runs', 'delete', '--flow', flow.name, '--yes']);
    expect(deleted.stderr).toBe('');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain('deleted 2 flow runs');
    expect([await exists(completed), await exists(failed)]).toEqual([false, false]);
    expect([await exists(running), await exists(elsewhere)]).toEqual([true, true]);

    const byState = await cli(server, project.dir, [
      'runs',
      'delete',
      '--id',
      running,
      '--state',
      'RUNNING',
      '--yes',
    ]);
    expect(byState.code).toBe(2);
    expect(byState.stderr).toContain('only final runs');
  });
});

describe('retention_days in edgeflow.json', () => {
  it('is deployed with the deployment, and a value that is no whole number of days is refused', async () => {
    const deployed = await cli(server, project.dir, ['deploy']);
    expect(deployed.stderr).toBe('');
    expect(deployed.code).toBe(0);
    expect((await server.client.readDeploymentByName('nightly-retention', 'kept')).retention_days).toBe(90);

    writeFileSync(join(project.dir, 'edgeflow.json'), config(0));
    const refused = await cli(server, project.dir, ['deploy']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('retention_days');
  });
});
