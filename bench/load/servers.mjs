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

/** `pid` and every process below it. */
function processTree(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  const tree = [];
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop();
    tree.push(next);
    pending.push(...(children.get(next) ?? []));
  }
  return tree;
}

function readOr(path, fallback) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** CPU seconds (user + system) used so far by `pid` and every process below it. */
export function treeCpuSeconds(pid) {
  let total = 0;
  for (const member of processTree(pid)) {
    const stat = readOr(`/proc/${member}/stat`, null);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  }
  return total;
}

/**
 * Seconds the threads of `pid`'s tree have spent running and waiting for a core so far (the
 * scheduler's own accounting, `/proc/<pid>/task/<tid>/schedstat`): how much of a server's time went to
 * queueing behind other processes on a busy machine.
 */
export function treeSchedSeconds(pid) {
  let running = 0;
  let waiting = 0;
  for (const member of processTree(pid)) {
    let threads = [];
    try {
      threads = readdirSync(`/proc/${member}/task`);
    } catch {
      continue;
    }
    for (const thread of threads) {
      const [run, wait] = readOr(`/proc/${member}/task/${thread}/schedstat`, '0 0').split(' ').map(Number);
      running += run / 1e9;
      waiting += wait / 1e9;
    }
  }
  return { running, waiting };
}
