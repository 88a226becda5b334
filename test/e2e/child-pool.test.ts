// The agent's pre-started flow-run processes, against the real local server: they run real TypeScript
// flow files, die with their agent, and are reported by exit code or signal when they crash.
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildPool, describeExit, type FlowRunChild } from '../../worker-agent/src/agent/index.ts';
import type { LogRecord } from '../../worker-agent/src/sdk/index.ts';
import {
  isAlive,
  type LocalServer,
  ProcessGroup,
  ROOT,
  SDK_URL,
  startServer,
  tempProject,
  waitUntil,
} from './harness.ts';

const FLOWS = {
  'flows/double.ts': `
import { flow, getRunLogger } from '${SDK_URL}';

interface Params { n: number }

export const double = flow(async ({ n }: Params): Promise<number> => {
  getRunLogger().info(\`doubling \${n}\`);
  console.log('printed to stdout');
  return n * 2;
}, { name: 'double' });
`,
  'flows/crash.ts': `
export function exitThree(): never {
  process.exit(3);
}
export function killed(): void {
  process.kill(process.pid, 'SIGKILL');
}
`,
};

let server: LocalServer;
let project: ReturnType<typeof tempProject>;

beforeAll(async () => {
  [server, project] = await Promise.all([startServer(), tempProject(FLOWS)]);
});

afterAll(async () => {
  await server?.stop();
  project?.remove();
});

function poolFor(events: { logs: LogRecord[]; lines: string[] }) {
  return new ChildPool(
    {
      cwd: project.dir,
      env: { ...process.env, EDGEFLOW_API_URL: server.url, EDGEFLOW_API_KEY: 'edgeflow-dev-key' },
      events: {
        output: (_child, stream, line) => events.lines.push(`${stream}: ${line}`),
        log: (_child, record) => events.logs.push(record),
        flush: (_child, ack) => ack(),
      },
    },
    { prestart: 1, maxWarm: 0 },
  );
}

async function pendingRun(entrypoint: string, parameters: Record<string, unknown> = {}) {
  const flow = await server.client.createFlow({ name: entrypoint.split(':')[1]! });
  return server.client.createFlowRun({ flow_id: flow.id, entrypoint, parameters });
}

describe('a pre-started flow-run process', () => {
  it('runs a TypeScript flow file from the project directory to COMPLETED, reporting its logs and output', async () => {
    const events = { logs: [] as LogRecord[], lines: [] as string[] };
    const pool = poolFor(events);
    pool.fill();
    const run = await pendingRun('flows/double.ts:double', { n: 21 });
    const child = await pool.take();
    const end = await child.assign({ flow_run: run, lease_id: null }, { stay: false }).ended;
    const exit = await child.closed;
    await pool.close();

    expect(exit).toEqual({ code: 0, signal: null });
    expect(end).toMatchObject({
      kind: 'reported',
      stays: false,
      outcome: { kind: 'final', state_type: 'COMPLETED' },
    });
    const after = await server.client.readFlowRun(run.id);
    expect(after.state_type).toBe('COMPLETED');
    expect(after.state?.data).toBe(42);
    expect(events.logs.map((log) => [log.level, log.message])).toContainEqual([20, 'doubling 21']);
    expect(events.lines).toContain('stdout: printed to stdout');
  });

  it('is reported with its exit code when the flow process exits without a final state', async () => {
    const pool = poolFor({ logs: [], lines: [] });
    const run = await pendingRun('flows/crash.ts:exitThree');
    const child: FlowRunChild = await pool.take();
    const end = await child.assign({ flow_run: run, lease_id: null }, { stay: true }).ended;
    await pool.close();

    expect(end.kind === 'exited' && describeExit(end.exit)).toBe('exit code 3');
  });

  it('is reported with the signal that killed it', async () => {
    const pool = poolFor({ logs: [], lines: [] });
    const run = await pendingRun('flows/crash.ts:killed');
    const child = await pool.take();
    const end = await child.assign({ flow_run: run, lease_id: null }, { stay: true }).ended;
    await pool.close();

    expect(end.kind === 'exited' && describeExit(end.exit)).toBe('signal SIGKILL');
  });

  it('exits when its agent is killed, leaving no orphan', async () => {
    const parentScript = tempProject({
      'parent.ts': `
import { ChildPool } from '${pathToFileURL(`${ROOT}/worker-agent/src/agent/index.ts`).href}';
const pool = new ChildPool({ cwd: process.cwd(), env: process.env, events: { output() {}, log() {}, flush(_c, ack) { ack(); } } }, { prestart: 1, maxWarm: 0 });
pool.fill();
const child = await pool.take();
console.log('child pid', child.pid);
setInterval(() => {}, 1000);
`,
    });
    const parent = new ProcessGroup(process.execPath, ['parent.ts'], {
      cwd: parentScript.dir,
      env: process.env,
    });
    try {
      await parent.waitForOutput(/child pid \d+/);
      const childPid = Number(/child pid (\d+)/.exec(parent.output)![1]);
      expect(isAlive(childPid)).toBe(true);

      parent.signal('SIGKILL');
      await waitUntil(
        async () => isAlive(childPid),
        (alive) => !alive,
        10_000,
        'the orphaned child to exit',
      );
    } finally {
      await parent.stop('SIGKILL');
      parentScript.remove();
    }
  });
});
