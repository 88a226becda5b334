// Variables and artifacts end to end: a flow run by a real agent reads and writes variables with the
// SDK; `edgeflow variable` sets, reads, lists and unsets them (docs/variables.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRun } from '../../worker-agent/src/protocol/index.ts';
import { cli } from './cli-harness.ts';
import { SDK_URL } from './harness.ts';
import { finished, runFlow, type SdkWorld, startWorld, stopWorld } from './sdk-helpers.ts';

const FLOWS = {
  'flows/report.ts': `
import { flow, getVariable, setVariable, task } from '${SDK_URL}';

const greet = task(async () => {
  const config = await getVariable('report_config');
  const missing = await getVariable('no_such_variable', 'fallback');
  return { config, missing };
}, { name: 'greet' });

export const report = flow(async () => {
  const read = await greet();
  await setVariable('report_last_seen', read, { overwrite: true });
  let refused = '';
  try {
    await setVariable('report_config', 1);
  } catch (error) {
    refused = error.name;
  }
  await setVariable('report_refused', refused);
  return read;
}, { name: 'report' });
`,
};

let world: SdkWorld;
let run: FlowRun;

beforeAll(async () => {
  world = await startWorld('e2e-variables-artifacts', FLOWS);
  const set = await cli(world.server, world.project.dir, [
    'variable',
    'set',
    'report_config',
    '{"region":"eu","batch":10}',
  ]);
  expect(set.code, set.stderr).toBe(0);
  run = await finished(world, await runFlow(world, 'flows/report.ts:report'));
});

afterAll(async () => {
  await stopWorld(world);
});

describe('variables from a flow run', () => {
  it('getVariable reads what the CLI set, and the default for a missing name', async () => {
    expect(run.state_type).toBe('COMPLETED');
    const lastSeen = await world.server.client.variables.read('report_last_seen');
    expect(lastSeen.value).toEqual({ config: { region: 'eu', batch: 10 }, missing: 'fallback' });
  });

  it('setVariable without overwrite refuses an existing name and leaves its value', async () => {
    expect((await world.server.client.variables.read('report_refused')).value).toBe('VariableExistsError');
    expect((await world.server.client.variables.read('report_config')).value).toEqual({
      region: 'eu',
      batch: 10,
    });
  });

  it('edgeflow variable get, ls, set --overwrite and unset', async () => {
    const dir = world.project.dir;
    const get = await cli(world.server, dir, ['variable', 'get', 'report_config']);
    expect(JSON.parse(get.stdout)).toEqual({ region: 'eu', batch: 10 });
    expect((await cli(world.server, dir, ['variable', 'set', 'report_config', 'x'])).code).not.toBe(0);
    expect(
      (await cli(world.server, dir, ['variable', 'set', 'report_config', 'plain text', '--overwrite'])).code,
    ).toBe(0);
    expect((await cli(world.server, dir, ['variable', 'get', 'report_config'])).stdout.trim()).toBe(
      '"plain text"',
    );
    const ls = await cli(world.server, dir, ['variable', 'ls']);
    expect(ls.stdout).toContain('report_last_seen');
    expect((await cli(world.server, dir, ['variable', 'unset', 'report_config'])).code).toBe(0);
    expect((await cli(world.server, dir, ['variable', 'get', 'report_config'])).code).not.toBe(0);
  });
});
