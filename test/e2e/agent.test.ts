// The agent end to end: the real local server, real `edgeflow agent` processes, real TypeScript flows.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRun, StateType } from '../../worker-agent/src/protocol/index.ts';
import {
  DEV_KEY,
  isAlive,
  type LocalServer,
  type ProcessGroup,
  SDK_URL,
  startAgent,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

const FLOWS = {
  'flows/hello.ts': `
import { flow, getRunLogger } from '${SDK_URL}';

export const hello = flow(async ({ name }: { name: string }): Promise<string> => {
  getRunLogger().info(\`saying hello to \${name}\`);
  console.log('printed by the flow');
  return \`hello \${name}\`;
}, { name: 'hello' });
`,
  // The first attempt records its pid and hangs; any later attempt returns at once.
  'flows/hang-once.ts': `
import { existsSync, writeFileSync } from 'node:fs';

export async function hangOnce({ marker }: { marker: string }): Promise<string> {
  if (existsSync(marker)) return 'second attempt';
  writeFileSync(marker, String(process.pid));
  await new Promise((resolve) => setTimeout(resolve, 300_000));
  return 'first attempt';
}
`,
  'flows/record.ts': `
import { appendFileSync } from 'node:fs';
import { currentRun } from '${SDK_URL}';

export function record({ file }: { file: string }): void {
  appendFileSync(file, currentRun()!.flowRun.id + '\\n');
}
`,
};

let server: LocalServer;
let project: ReturnType<typeof tempProject>;
const agents: ProcessGroup[] = [];

beforeAll(async () => {
  [server, project] = await Promise.all([startServer(), tempProject(FLOWS)]);
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.stop('SIGKILL', 1_000)));
});

afterAll(async () => {
  await server?.stop();
  project?.remove();
});

async function agent(pool: string, args: string[] = [], name?: string): Promise<ProcessGroup> {
  const started = await startAgent({ server, pool, cwd: project.dir, args, name });
  agents.push(started);
  return started;
}

async function runFor(
  pool: string,
  entrypoint: string,
  parameters: Record<string, unknown> = {},
  retries = 0,
): Promise<FlowRun> {
  const flow = await server.client.createFlow({ name: entrypoint.split(':')[1]! });
  return server.client.createFlowRun({
    flow_id: flow.id,
    work_pool_name: pool,
    entrypoint,
    parameters,
    empirical_policy: { retries, retry_delay: 0 },
  });
}

function waitForState(id: string, types: StateType[], timeoutMs = 30_000): Promise<FlowRun> {
  return waitUntil(
    () => server.client.readFlowRun(id),
    (run) => run.state_type !== null && types.includes(run.state_type),
    timeoutMs,
    `flow run ${id} to reach ${types.join('|')}`,
  );
}

describe('edgeflow agent', () => {
  it('runs a TypeScript flow from trigger to COMPLETED and stores its logs', async () => {
    await agent('e2e-hello');
    const run = await runFor('e2e-hello', 'flows/hello.ts:hello', { name: 'edge' });

    const done = await waitForState(run.id, ['COMPLETED', 'FAILED', 'CRASHED']);
    expect(done.state_type).toBe('COMPLETED');
    expect(done.state?.data).toBe('hello edge');

    const logs = await waitUntil(
      () => server.client.filterLogs({ logs: { flow_run_id: { any_: [run.id] } } }),
      (found) => found.length >= 2,
      10_000,
      'the run logs',
    );
    expect(logs.map((log) => [log.level, log.message])).toEqual(
      expect.arrayContaining([
        [20, 'saying hello to edge'],
        [20, 'printed by the flow'],
      ]),
    );
  });

  it('a run whose agent is SIGKILLed mid-run becomes CRASHED and, having retries, runs again elsewhere', async () => {
    const marker = join(project.dir, 'hang-once.pid');
    const first = await agent('e2e-crash', ['--heartbeat-seconds', '1'], 'doomed-agent');
    const run = await runFor('e2e-crash', 'flows/hang-once.ts:hangOnce', { marker }, 1);
    await waitUntil(async () => existsSync(marker), Boolean, 30_000, 'the first attempt to start');
    const childPid = Number(readFileSync(marker, 'utf8'));

    first.signal('SIGKILL');
    // The flow's process notices its agent is gone and exits: no orphan keeps running the attempt.
    await waitUntil(
      async () => isAlive(childPid),
      (alive) => !alive,
      10_000,
      'the orphaned flow process to exit',
    );
    // Three missed 1 s heartbeats lapse the lease: CRASHED, then back to the queue.
    await waitUntil(
      () => server.client.readFlowRunStates(run.id),
      (states) => states.some((state) => state.type === 'CRASHED'),
      30_000,
      'CRASHED',
    );
    await agent('e2e-crash', [], 'rescue-agent');
    const done = await waitForState(run.id, ['COMPLETED', 'FAILED'], 60_000);

    expect(done.state_type).toBe('COMPLETED');
    expect(done.state?.data).toBe('second attempt');
    const crashed = (await server.client.readFlowRunStates(run.id)).find((state) => state.type === 'CRASHED');
    expect(crashed?.message).toBeTruthy();
  });

  it('two agents racing for 200 runs execute every run exactly once', { timeout: 300_000 }, async () => {
    const file = join(project.dir, 'executed.txt');
    await Promise.all([agent('e2e-race', [], 'racer-a'), agent('e2e-race', [], 'racer-b')]);
    const runs: FlowRun[] = [];
    for (let batch = 0; batch < 10; batch++) {
      runs.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, () => runFor('e2e-race', 'flows/record.ts:record', { file })),
        )),
      );
    }

    const ids = runs.map((run) => run.id);
    const racers = agents.slice(-2);
    const executedIds = () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);
    try {
      // The flows' own record comes first (a local file, cheap to poll); then only the runs not yet
      // seen COMPLETED are read again, so the polling does not compete with the agents for the server.
      await waitUntil(
        async () => executedIds().length,
        (count) => count >= ids.length,
        240_000,
        '200 executions',
      );
      const unfinished = new Set(ids);
      await waitUntil(
        async () => {
          const read = await Promise.all([...unfinished].map((id) => server.client.readFlowRun(id)));
          for (const run of read) if (run.state_type === 'COMPLETED') unfinished.delete(run.id);
          return read
            .filter((run) => run.state_type !== 'COMPLETED')
            .map((run) => `${run.id} ${run.state_name}`);
        },
        (left) => left.length === 0,
        30_000,
        'all 200 runs to complete',
      );
    } catch (error) {
      const tails = racers.map((racer) => racer.output.split('\n').slice(-40).join('\n')).join('\n---\n');
      const serverErrors = server.process.output
        .split('\n')
        .filter((line) => / (4\d\d|5\d\d) |error/i.test(line))
        .slice(-40)
        .join('\n');
      throw new Error(`${(error as Error).message}\nagents:\n${tails}\nserver:\n${serverErrors}`);
    }
    const executed = executedIds();
    expect(executed).toHaveLength(200);
    expect(new Set(executed)).toEqual(new Set(ids));
  });

  it('SIGTERM lets a running flow finish within the grace period, then cancels it and exits 0', async () => {
    const marker = join(project.dir, 'graceful.pid');
    const stopping = await agent('e2e-sigterm', ['--grace-seconds', '1']);
    const run = await runFor('e2e-sigterm', 'flows/hang-once.ts:hangOnce', { marker });
    await waitUntil(async () => existsSync(marker), Boolean, 30_000, 'the flow to start');

    stopping.signal('SIGTERM');
    const exit = await stopping.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    expect((await server.client.readFlowRun(run.id)).state_type).toBe('CANCELLED');
  });

  it('an agent stopped while its claim is held gives the claim up: the next run goes to its replacement', async () => {
    const first = await agent('e2e-restart', [], 'restart-first');
    // The pool notes a queue polled when a claim reaches it; with no runs there, the claim is held.
    await waitUntil(
      async () => {
        const response = await fetch(`${server.url}/api/work_pools/e2e-restart/queues/default`, {
          headers: { authorization: `Bearer ${DEV_KEY}` },
        });
        return response.ok ? ((await response.json()) as { last_polled: string | null }).last_polled : null;
      },
      (polled) => polled !== null,
      10_000,
      'the agent’s claim to reach the pool',
    );
    first.signal('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    await agent('e2e-restart', [], 'restart-second');
    const run = await runFor('e2e-restart', 'flows/hello.ts:hello', { name: 'again' });
    // Had the held claim stayed, it would have leased the run to the stopped agent: PENDING until the
    // lease lapsed (30 s), then CRASHED.
    const done = await waitForState(run.id, ['COMPLETED', 'CRASHED'], 20_000);
    expect(done.state_type).toBe('COMPLETED');
    const states = await server.client.readFlowRunStates(run.id);
    expect(states.find((state) => state.type === 'PENDING')?.message).toBe('Claimed by restart-second');
  });

  it('a run set to CANCELLING has its process killed and is reported CANCELLED', async () => {
    const marker = join(project.dir, 'cancelled.pid');
    await agent('e2e-cancel', ['--heartbeat-seconds', '1']);
    const run = await runFor('e2e-cancel', 'flows/hang-once.ts:hangOnce', { marker });
    await waitUntil(async () => existsSync(marker), Boolean, 30_000, 'the flow to start');
    const childPid = Number(readFileSync(marker, 'utf8'));

    await server.client.setFlowRunState(run.id, { state: { type: 'CANCELLING', name: 'Cancelling' } });

    await waitForState(run.id, ['CANCELLED'], 30_000);
    expect(isAlive(childPid)).toBe(false);
  });
});
