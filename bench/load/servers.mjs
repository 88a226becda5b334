// The servers a load bench compares: Prefect 2.15's own (`prefect server start`, SQLite, offline) and
// local Edgeflow servers, each as a process group, plus the CPU a process tree has used.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ProcessGroup, ROOT } from '../../test/e2e/harness.ts';

async function waitForHealth(url, group, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!group.alive) throw new Error(`${url} exited while starting:\n${group.output.slice(-3000)}`);
    if (Date.now() > deadline)
      throw new Error(`${url}/api/health did not answer:\n${group.output.slice(-3000)}`);
    const healthy = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await sleep(200);
  }
}

/**
 * Where Prefect 2.15 is installed: PREFECT_BIN (its `prefect` command), else `.prefect-env/bin/prefect`
 * in the repository (docs/performance.md says how to install it offline).
 */
export function prefectCommand() {
  const command = process.env.PREFECT_BIN ?? join(ROOT, '.prefect-env/bin/prefect');
  if (!existsSync(command)) {
    throw new Error(
      `Prefect 2.15 is not installed at ${command}: install it (docs/performance.md) or set PREFECT_BIN.`,
    );
  }
  return command;
}

/**
 * `prefect server start` on a free port with a fresh PREFECT_HOME (so a fresh SQLite database), offline:
 * no analytics, no UI. Its background services run as they do by default.
 */
export async function startPrefect({ timeoutMs = 180_000 } = {}) {
  const command = prefectCommand();
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'edgeflow-bench-prefect-'));
  const group = new ProcessGroup(
    command,
    ['server', 'start', '--host', '127.0.0.1', '--port', String(port)],
    {
      cwd: home,
      env: {
        ...process.env,
        PREFECT_HOME: home,
        PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
        PREFECT_UI_ENABLED: 'false',
        PREFECT_LOGGING_SERVER_LEVEL: 'WARNING',
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, group, timeoutMs);
  return {
    name: 'Prefect 2.15',
    url,
    group,
    async stop() {
      await group.stop('SIGTERM', 5_000);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A local server script (`scripts/server.mjs` or `scripts/dev-wrangler.mjs`) on a free port and fresh state. */
export async function startLocal({ name, script, env = {}, timeoutMs = 180_000 }) {
  const port = await freePort();
  const persistDir = mkdtempSync(join(tmpdir(), 'edgeflow-bench-state-'));
  const group = new ProcessGroup(process.execPath, [join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), EDGEFLOW_PERSIST_DIR: persistDir, ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, group, timeoutMs);
  return {
    name,
    url,
    group,
    async stop() {
      await group.stop();
      rmSync(persistDir, { recursive: true, force: true });
    },
  };
}

const TICKS_PER_SECOND = 100; // Linux's USER_HZ

/** CPU seconds (user + system) used so far by `pid` and every process below it. */
export function treeCpuSeconds(pid) {
  const children = new Map();
  const cpu = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const parent = Number(fields[1]);
      cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND);
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop();
    total += cpu.get(next) ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return total;
}
