// Concurrency limits end to end: tagged tasks through a real agent never exceed their tag's limit
// (read from the server's state timestamps); a killed agent's slot comes back; concurrency() and
// rateLimit() in a flow and outside one. Order and counts only, never timings.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LockedError } from '../../worker-agent/src/client/index.ts';
import type { FlowRun, StateType, TaskRun } from '../../worker-agent/src/protocol/index.ts';
import { ConcurrencySlotAcquisitionError, concurrency, rateLimit } from '../../worker-agent/src/sdk/index.ts';
import { cli } from './cli-harness.ts';
import {
  type LocalServer,
  type ProcessGroup,
  SDK_URL,
  startAgent,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

const FLOWS = {
  'flows/tagged.ts': `
import { flow, task } from '${SDK_URL}';

const limited = task(async (i: number) => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return i;
}, { name: 'limited', tags: ['e2e-db'] });

export const fanOut = flow(async ({ count }: { count: number }) => {
  const values = await Promise.all(limited.map(Array.from({ length: count }, (_, i) => i)));
  return values.length;
}, { name: 'fan-out' });
`,
  'flows/hang-tagged.ts': `
import { writeFileSync } from 'node:fs';
import { flow, task } from '${SDK_URL}';

const hang = task(async (marker: string) => {
  writeFileSync(marker, String(process.pid));
  await new Promise((resolve) => setTimeout(resolve, 300_000));
}, { name: 'hang', tags: ['e2e-solo'] });

const quick = task(() => 'ran', { name: 'quick', tags: ['e2e-solo'] });

export const hangTagged = flow(async ({ marker }: { marker: string }) => hang(marker), { name: 'hang-tagged' });
export const quickTagged = flow(async () => quick(), { name: 'quick-tagged' });
`,
  'flows/guarded.ts': `
import { appendFileSync } from 'node:fs';
import { concurrency, flow } from '${SDK_URL}';

export const guarded = flow(async ({ file, limit }: { file: string; limit: string }) => {
  await Promise.all([1, 2, 3, 4].map((n) =>
    concurrency(limit, { occupy: 1 }, async () => {
      appendFileSync(file, 'start\\n');
      await new Promise((resolve) => setTimeout(resolve, 30));
      appendFileSync(file, 'end\\n');
    }),
  ));
  return 'done';
}, { name: 'guarded' });
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

async function agent(pool: string, args: string[] = []): Promise<ProcessGroup> {
  const started = await startAgent({ server, pool, cwd: project.dir, args });
  agents.push(started);
  return started;
}

async function runFor(pool: string, entrypoint: string, parameters: Record<string, unknown> = {}) {
  const flow = await server.client.createFlow({ name: entrypoint.split(':')[1]! });
  return server.client.createFlowRun({ flow_id: flow.id, work_pool_name: pool, entrypoint, parameters });
}

function waitForState(id: string, types: StateType[], timeoutMs = 90_000): Promise<FlowRun> {
  return waitUntil(
    () => server.client.readFlowRun(id),
    (run) => run.state_type !== null && types.includes(run.state_type),
    timeoutMs,
    `flow run ${id} to reach ${types.join('|')}`,
  );
}

/** The most task runs RUNNING at one instant, from each one's RUNNING and final state timestamps. */
async function mostRunningAtOnce(tasks: TaskRun[]): Promise<number> {
  const events: [number, number][] = [];
  for (const task of tasks) {
    const states = await server.client.readTaskRunStates(task.id);
    const running = states.find((state) => state.type === 'RUNNING');
    const ended = states.find((state) => state.type === 'COMPLETED');
    if (!running || !ended) throw new Error(`task ${task.name} has no RUNNING/COMPLETED`);
    events.push([Date.parse(running.timestamp), 1], [Date.parse(ended.timestamp), -1]);
  }
  // At the same millisecond an end counts before a start: the slot was given back first.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, delta] of events) {
    now += delta;
    most = Math.max(most, now);
  }
  return most;
}

describe('task tag limits through a real agent', () => {
  it('50 tasks tagged with a limit of 3 never run more than 3 at once', { timeout: 180_000 }, async () => {
    await server.client.limits.upsertTag('e2e-db', 3);
    await agent('e2e-tags');
    const run = await runFor('e2e-tags', 'flows/tagged.ts:fanOut', { count: 50 });
    const done = await waitForState(run.id, ['COMPLETED', 'FAILED', 'CRASHED']);
    expect(done.state_type).toBe('COMPLETED');
    const tasks = await server.client.listTaskRuns(run.id);
    expect(tasks).toHaveLength(50);
    expect(tasks.every((task) => task.state_type === 'COMPLETED')).toBe(true);
    expect(await mostRunningAtOnce(tasks)).toBeLessThanOrEqual(3);
    expect((await server.client.limits.readTag('e2e-db')).active_slots).toEqual([]);
  });

  it("a killed agent's tag slot comes back once its lease lapses, and the next task gets it", {
    timeout: 180_000,
  }, async () => {
    await server.client.limits.upsertTag('e2e-solo', 1);
    const marker = join(project.dir, 'hang-tagged.pid');
    const doomed = await agent('e2e-kill', ['--heartbeat-seconds', '1']);
    const hung = await runFor('e2e-kill', 'flows/hang-tagged.ts:hangTagged', { marker });
    await waitUntil(async () => existsSync(marker), Boolean, 60_000, 'the tagged task to start');
    expect(readFileSync(marker, 'utf8')).not.toBe('');
    expect((await server.client.limits.readTag('e2e-solo')).active_slots).toHaveLength(1);

    doomed.signal('SIGKILL');
    const crashed = await waitForState(hung.id, ['CRASHED']);
    expect(crashed.state_type).toBe('CRASHED');
    expect((await server.client.limits.readTag('e2e-solo')).active_slots).toEqual([]);

    // Another pool: a claim the killed agent left open in this one could still be handed the run.
    await agent('e2e-kill-next');
    const next = await runFor('e2e-kill-next', 'flows/hang-tagged.ts:quickTagged');
    const done = await waitForState(next.id, ['COMPLETED', 'FAILED', 'CRASHED']);
    expect(done.state_type).toBe('COMPLETED');
    expect((await server.client.limits.readTag('e2e-solo')).active_slots).toEqual([]);
  });
});

describe('concurrency() in a flow', () => {
  it('holds at most the limit at once, and gives every slot back', { timeout: 120_000 }, async () => {
    const limit = await server.client.limits.create({ name: 'e2e-guard', limit: 2 });
    const file = join(project.dir, 'guarded.txt');
    await agent('e2e-guard');
    const run = await runFor('e2e-guard', 'flows/guarded.ts:guarded', { file, limit: limit.name });
    const done = await waitForState(run.id, ['COMPLETED', 'FAILED', 'CRASHED']);
    expect(done.state_type).toBe('COMPLETED');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.filter((line) => line === 'start')).toHaveLength(4);
    let inside = 0;
    let most = 0;
    for (const line of lines) {
      inside += line === 'start' ? 1 : -1;
      most = Math.max(most, inside);
    }
    expect(most).toBeLessThanOrEqual(2);
    expect((await server.client.limits.read(limit.name)).active_slots).toBe(0);
  });
});

describe('concurrency() and rateLimit() outside a flow run', () => {
  beforeAll(() => {
    process.env.EDGEFLOW_API_URL = server.url;
  });

  it('concurrency() gives the slot back when its block throws', async () => {
    const limit = await server.client.limits.create({ name: 'e2e-outside', limit: 1 });
    let inside = -1;
    await expect(
      concurrency(limit.name, {}, async () => {
        inside = (await server.client.limits.read(limit.name)).active_slots;
        throw new Error('the block failed');
      }),
    ).rejects.toThrow('the block failed');
    expect(inside).toBe(1);
    expect((await server.client.limits.read(limit.name)).active_slots).toBe(0);
  });

  it('a missing limit runs the block unlimited, unless strict', async () => {
    expect(await concurrency('e2e-no-such-limit', {}, () => 'ran anyway')).toBe('ran anyway');
    await expect(concurrency('e2e-no-such-limit', { strict: true }, () => 'never')).rejects.toBeInstanceOf(
      ConcurrencySlotAcquisitionError,
    );
  });

  it('rateLimit() takes decaying slots: a full limit is 423 until one decays, then the call gets it', async () => {
    const limit = await server.client.limits.create({ name: 'e2e-rate', limit: 2, slot_decay_per_second: 5 });
    await rateLimit(limit.name);
    await rateLimit(limit.name);
    await expect(
      server.client.limits.acquire({ names: [limit.name], slots: 1, mode: 'rate_limit' }),
    ).rejects.toBeInstanceOf(LockedError);
    // Held by the server until a slot decays, then granted.
    await rateLimit(limit.name);
    expect((await server.client.limits.read(limit.name)).active_slots).toBeGreaterThanOrEqual(1);
  });
});

describe('edgeflow limit', () => {
  it('creates, lists, inspects, resets and deletes limits and tag limits', async () => {
    const run = (args: string[]) => cli(server, project.dir, ['limit', ...args]);
    expect((await run(['create', 'e2e-cli', '--limit', '4'])).code).toBe(0);
    const listed = await run(['ls']);
    expect(listed.stdout).toMatch(/e2e-cli\s+0\/4/);
    await server.client.limits.acquire({ names: ['e2e-cli'], slots: 3 });
    expect((await run(['inspect', 'e2e-cli'])).stdout).toContain('leases (1)');
    expect((await run(['reset', 'e2e-cli'])).stdout).toContain('0/4 slots in use');
    expect((await run(['delete', 'e2e-cli'])).code).toBe(0);
    const missing = await run(['inspect', 'e2e-cli']);
    expect(missing.code).toBe(1);
    expect((await run(['tag', 'set', 'e2e-cli-tag', '2'])).stdout).toContain('at most 2');
    expect((await run(['tag', 'ls'])).stdout).toMatch(/e2e-cli-tag\s+2\s+0/);
    expect((await run(['tag', 'delete', 'e2e-cli-tag'])).code).toBe(0);
    expect((await run(['create', 'e2e-bad', '--limit', '-1'])).code).toBe(2);
  });
});
