// Warm reuse end to end (docs/agent.md, "Warm reuse"): a real agent, the real local server, flows that
// return their process id. A process that finished a run takes the next run of the same entrypoint,
// unless that run timed out, was cancelled or left work running, or the flow's file changed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRun, StateType } from '../../worker-agent/src/protocol/index.ts';
import {
  type LocalServer,
  type ProcessGroup,
  SDK_URL,
  startAgent,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

const PIDS_FLOW = `
import { writeFileSync } from 'node:fs';
import { flow } from '${SDK_URL}';

/** Returns its process id; given a marker, writes the id there first and hangs. */
export async function pidOrHang({ marker }: { marker?: string }): Promise<number> {
  if (marker) {
    writeFileSync(marker, String(process.pid));
    await new Promise((resolve) => setTimeout(resolve, 300_000));
  }
  return process.pid;
}

/** Leaves an interval running after it returns. */
export function leaveTimer({ leave }: { leave: boolean }): number {
  if (leave) setInterval(() => {}, 60_000);
  return process.pid;
}

/** Given hang, waits on a promise nothing will settle (no timer, no socket) until its timeout. */
export const hangPastTimeout = flow(
  async ({ hang }: { hang: boolean }): Promise<number> => {
    if (hang) await new Promise(() => {});
    return process.pid;
  },
  { name: 'hang-past-timeout', timeoutSeconds: 1 },
);
`;

let server: LocalServer;
let project: ReturnType<typeof tempProject>;
const agents: ProcessGroup[] = [];

beforeAll(async () => {
  [server, project] = await Promise.all([startServer(), tempProject({ 'flows/pids.ts': PIDS_FLOW })]);
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.stop('SIGKILL', 1_000)));
});

afterAll(async () => {
  await server?.stop();
  project?.remove();
});

/** One slot: a run is claimed only once the previous one has ended and its process was kept or ended. */
async function agent(pool: string, args: string[] = []): Promise<ProcessGroup> {
  const started = await startAgent({
    server,
    pool,
    cwd: project.dir,
    args: ['--limit', '1', '--prestart', '1', '--heartbeat-seconds', '1', ...args],
  });
  agents.push(started);
  return started;
}

async function createRun(pool: string, entrypoint: string, parameters: Record<string, unknown> = {}) {
  const flow = await server.client.createFlow({ name: entrypoint.split(':')[1]! });
  return server.client.createFlowRun({ flow_id: flow.id, work_pool_name: pool, entrypoint, parameters });
}

function waitForState(id: string, types: StateType[]): Promise<FlowRun> {
  return waitUntil(
    () => server.client.readFlowRun(id),
    (run) => run.state_type !== null && types.includes(run.state_type),
    30_000,
    `flow run ${id} to reach ${types.join('|')}`,
  );
}

/** Runs one flow run to COMPLETED and returns the process id its flow returned. */
async function pidOf(pool: string, entrypoint: string, parameters: Record<string, unknown> = {}) {
  const run = await createRun(pool, entrypoint, parameters);
  const done = await waitForState(run.id, ['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED']);
  expect(done.state_type, done.state?.message ?? '').toBe('COMPLETED');
  return done.state?.data as number;
}

/** Starts a run of `pidOrHang` that hangs; resolves with the run and the process id it wrote. */
async function hangingRun(pool: string, name: string) {
  const marker = join(project.dir, `${name}.pid`);
  const run = await createRun(pool, 'flows/pids.ts:pidOrHang', { marker });
  await waitUntil(async () => existsSync(marker), Boolean, 30_000, `${name} to start`);
  return { run, pid: Number(readFileSync(marker, 'utf8')) };
}

describe('warm reuse', () => {
  it('runs the next run of the same entrypoint in the process that ran the previous one', async () => {
    await agent('warm-same');
    const first = await pidOf('warm-same', 'flows/pids.ts:pidOrHang');
    const second = await pidOf('warm-same', 'flows/pids.ts:pidOrHang');
    const third = await pidOf('warm-same', 'flows/pids.ts:pidOrHang');

    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('--isolation process runs every run in a new process', async () => {
    await agent('warm-isolated', ['--isolation', 'process']);
    const first = await pidOf('warm-isolated', 'flows/pids.ts:pidOrHang');
    const second = await pidOf('warm-isolated', 'flows/pids.ts:pidOrHang');

    expect(second).not.toBe(first);
  });

  it('does not reuse a process whose run left a timer running, and says why', async () => {
    const running = await agent('warm-timer');
    const clean = await pidOf('warm-timer', 'flows/pids.ts:leaveTimer', { leave: false });
    const leaving = await pidOf('warm-timer', 'flows/pids.ts:leaveTimer', { leave: true });
    const after = await pidOf('warm-timer', 'flows/pids.ts:leaveTimer', { leave: false });

    expect(leaving).toBe(clean);
    expect(after).not.toBe(leaving);
    await running.waitForOutput(/its process is not reused: it left work running \(Timeout\)/);
  });

  it('does not reuse a process whose run timed out, even with nothing left to wake it', async () => {
    await agent('warm-timeout');
    const before = await pidOf('warm-timeout', 'flows/pids.ts:hangPastTimeout', { hang: false });
    const timedOut = await createRun('warm-timeout', 'flows/pids.ts:hangPastTimeout', { hang: true });
    expect((await waitForState(timedOut.id, ['FAILED', 'COMPLETED'])).state_name).toBe('TimedOut');
    const after = await pidOf('warm-timeout', 'flows/pids.ts:hangPastTimeout', { hang: false });

    expect(after).not.toBe(before);
  });

  it('does not reuse the process of a cancelled run', async () => {
    await agent('warm-cancel');
    const before = await pidOf('warm-cancel', 'flows/pids.ts:pidOrHang');
    const hanging = await hangingRun('warm-cancel', 'cancelled');
    expect(hanging.pid).toBe(before);

    await server.client.setFlowRunState(hanging.run.id, {
      state: { type: 'CANCELLING', name: 'Cancelling' },
    });
    await waitForState(hanging.run.id, ['CANCELLED']);
    const after = await pidOf('warm-cancel', 'flows/pids.ts:pidOrHang');

    expect(after).not.toBe(before);
  });

  it('starts a fresh process once the flow file changed, and reuses that one', async () => {
    await agent('warm-edit');
    const before = await pidOf('warm-edit', 'flows/pids.ts:pidOrHang');
    writeFileSync(join(project.dir, 'flows/pids.ts'), `${PIDS_FLOW}\n// edited\n`);
    const edited = await pidOf('warm-edit', 'flows/pids.ts:pidOrHang');
    const again = await pidOf('warm-edit', 'flows/pids.ts:pidOrHang');

    expect(edited).not.toBe(before);
    expect(again).toBe(edited);
  });

  it('a killed warm process takes down only its own run, reported CRASHED, and the agent keeps serving', async () => {
    await agent('warm-kill');
    const before = await pidOf('warm-kill', 'flows/pids.ts:pidOrHang');
    const hanging = await hangingRun('warm-kill', 'killed');
    expect(hanging.pid).toBe(before);

    process.kill(hanging.pid, 'SIGKILL');
    const crashed = await waitForState(hanging.run.id, ['CRASHED', 'COMPLETED', 'FAILED']);
    expect(crashed.state_type).toBe('CRASHED');
    expect(crashed.state?.message).toContain('signal SIGKILL');
    const after = await pidOf('warm-kill', 'flows/pids.ts:pidOrHang');

    expect(after).not.toBe(before);
  });
});

describe('claiming', () => {
  it('answers one claim with every due run, up to its limit', async () => {
    await server.client.workPools.create({ name: 'multi-claim', type: 'process' });
    const runs = await Promise.all(
      Array.from({ length: 3 }, () => createRun('multi-claim', 'flows/pids.ts:pidOrHang')),
    );

    const first = await server.client.workPools.claim('multi-claim', {
      name: 'claimer',
      limit: 2,
      wait_ms: 0,
    });
    const second = await server.client.workPools.claim('multi-claim', {
      name: 'claimer',
      limit: 8,
      wait_ms: 0,
    });

    expect(first.runs).toHaveLength(2);
    expect(second.runs).toHaveLength(1);
    expect(new Set([...first.runs, ...second.runs].map((claimed) => claimed.flow_run.id))).toEqual(
      new Set(runs.map((run) => run.id)),
    );
  });
});
