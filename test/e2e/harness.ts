// End-to-end harness: the real local server (`scripts/server.mjs`) and real agent processes, started
// for a test and stopped with their whole process group, so nothing outlives the test run.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EdgeflowClient } from '../../worker-agent/src/client/index.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEV_KEY = 'edgeflow-dev-key';
/**
 * Agents run from the built package (`global-setup.ts` rebuilds it when the source is newer), as an
 * installed `edgeflow` does; flow files written by tests import that same copy of the SDK, by absolute
 * URL, so a flow-run process loads it once.
 */
export const SDK_URL = pathToFileURL(join(ROOT, 'worker-agent/dist/index.js')).href;
const AGENT_CLI = join(ROOT, 'worker-agent/dist/cli/main.js');

/** A started process group and everything it printed (for diagnostics and `waitForOutput`). */
export class ProcessGroup {
  readonly process: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.process = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString();
    };
    this.process.stdout!.on('data', collect);
    this.process.stderr!.on('data', collect);
    this.exited = new Promise((done) => this.process.once('exit', (code, signal) => done({ code, signal })));
  }

  get pid(): number {
    return this.process.pid!;
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Resolves when the output matches; fails with the output when the deadline passes or the process exits. */
  async waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (!this.alive) throw new Error(`process exited before printing ${pattern}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${this.output}`);
      await sleep(20);
    }
  }

  /** Signals the leader only (a SIGKILLed agent must leave its children to their own devices). */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.process.kill(signal);
  }

  /** Ends the whole group: `signal` first, SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    killGroup(this.pid, signal);
    const stopped = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    // Stragglers in the group (the server's workerd, flow-run children) go too.
    killGroup(this.pid, stopped ? 'SIGTERM' : 'SIGKILL');
    await this.exited;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface LocalServer {
  url: string;
  client: EdgeflowClient;
  /** The running server; replaced by `restart`. */
  process: ProcessGroup;
  /** Where D1, the Durable Objects and R2 keep their state; kept across `restart`, removed by `stop`. */
  persistDir: string;
  /**
   * Stops the server with `signal` (SIGKILL: a crash, nothing flushed) and starts it again on the same
   * port and state, as a machine or process restart would; resolves once /api/health answers again.
   */
  restart(options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** Spawns `scripts/server.mjs` on `port` and `persistDir`; resolves once /api/health answers. */
async function launchServer(port: number, persistDir: string, timeoutMs: number): Promise<ProcessGroup> {
  const server = new ProcessGroup(process.execPath, [join(ROOT, 'scripts/server.mjs')], {
    cwd: ROOT,
    env: {
      // No request lines unless asked for: each costs the server a call back into Node (docs/performance.md).
      EDGEFLOW_LOG_LEVEL: 'warn',
      ...process.env,
      PORT: String(port),
      EDGEFLOW_PERSIST_DIR: persistDir,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!server.alive) throw new Error(`the server exited while starting:\n${server.output}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the server did not answer /api/health within ${timeoutMs} ms:\n${server.output}`);
    }
    const healthy = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return server;
    await sleep(100);
  }
}

/**
 * A state folder with D1's migrations applied (`global-setup.ts` makes it). A server started on a copy
 * has nothing to migrate; without it, or when it lags the migrations, the server migrates by itself.
 */
export const SERVER_TEMPLATE = join(ROOT, '.wrangler/e2e-template-state');

/**
 * `npm run server` on a free port with a fresh persistence directory (a copy of the migrated template,
 * or empty with `emptyState`); resolves once /api/health answers.
 */
export async function startServer(
  timeoutMs = 90_000,
  { emptyState = false }: { emptyState?: boolean } = {},
): Promise<LocalServer> {
  const port = await freePort();
  const persistDir = mkdtempSync(join(tmpdir(), 'edgeflow-e2e-state-'));
  if (!emptyState && existsSync(SERVER_TEMPLATE)) cpSync(SERVER_TEMPLATE, persistDir, { recursive: true });
  const url = `http://127.0.0.1:${port}`;
  const server: LocalServer = {
    url,
    client: new EdgeflowClient({ apiUrl: url, apiKey: DEV_KEY }),
    process: await launchServer(port, persistDir, timeoutMs),
    persistDir,
    async restart({ signal = 'SIGKILL', timeoutMs: restartTimeoutMs = timeoutMs } = {}) {
      await server.process.stop(signal, 10_000);
      server.process = await launchServer(port, persistDir, restartTimeoutMs);
    },
    async stop() {
      await server.process.stop();
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** A temporary project directory holding `files` (relative path → contents). */
export function tempProject(files: Record<string, string>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'edgeflow-e2e-project-'));
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), contents);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AgentStart {
  server: LocalServer;
  pool: string;
  cwd: string;
  name?: string;
  args?: string[];
  /** The agent's API key; the local admin key unless given. */
  key?: string;
  /** Added to the agent's environment (its flow-run processes inherit it). */
  env?: NodeJS.ProcessEnv;
}

/** `edgeflow agent` from the built package, as its own process group. */
export async function startAgent(options: AgentStart): Promise<ProcessGroup> {
  const args = [
    AGENT_CLI,
    'agent',
    '--pool',
    options.pool,
    '--api',
    options.server.url,
    '--key',
    options.key ?? DEV_KEY,
  ];
  if (options.name) args.push('--name', options.name);
  const agent = new ProcessGroup(process.execPath, [...args, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
  });
  await agent.waitForOutput(/polling pool/);
  return agent;
}

/** A JSON.stringify replacer that shows a Map's entries (plain JSON prints every Map as `{}`). */
function mapsAsObjects(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}

/** Polls `read` until `done(value)`; for waiting on server-side state, never for timing a pass. */
export async function waitUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
  describe = 'condition',
  /** What the timeout error shows of the last value read; the value itself as JSON by default. */
  summarize: (value: T) => unknown = (value) => value,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${describe}; last: ${JSON.stringify(summarize(value), mapsAsObjects)}`,
      );
    await sleep(50);
  }
}

/** Whether a pid is still alive (signal 0 probes without killing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
